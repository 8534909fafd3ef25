// Delayed acknowledgements on the loopback routes, for the object-store workloads.
//
// A server that writes a response's headers and its body in two writes on a socket without
// TCP_NODELAY (s3s-fs does) sends the body only once the headers are acknowledged (Nagle), and the
// client's kernel delays that acknowledgement by up to 40 ms on a kept-alive connection: every
// small GET then waits on the stall, whichever client sends it. `quickack 1` on a route makes the
// kernel acknowledge at once on that route, for every process; `--loopback-quickack` sets it on
// the loopback routes for the run and puts them back as they were afterwards (root only).
'use strict';

const { execFileSync } = require('node:child_process');
const { onInterrupt } = require('./signals');

const QUICKACK = /\bquickack 1\b/;

/** The `local` routes to 127.0.0.0/8 and 127.0.0.1, as `ip route show table local` prints them. */
function routes() {
  const out = execFileSync('ip', ['route', 'show', 'table', 'local'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /^local 127\.0\.0\.(0\/8|1) /.test(l)).map((l) => l.trim());
}

/** What the routes say now: 'off (quickack 1)', 'on (the kernel's default)', or why it is unknown. */
function state() {
  try {
    const r = routes();
    if (!r.length) return 'unknown (no loopback route found)';
    if (r.every((l) => QUICKACK.test(l))) return 'off (quickack 1 on the loopback routes)';
    if (r.some((l) => QUICKACK.test(l))) return 'off on some loopback routes only';
    return "on (the kernel's default)";
  } catch (e) {
    return `unknown (${e.message.split('\n')[0]})`;
  }
}

function replace(line) {
  execFileSync('ip', ['route', 'replace', 'table', 'local', ...line.split(/\s+/)], { stdio: 'pipe' });
}

/**
 * Turns delayed acknowledgements off on the loopback routes and returns the function that puts
 * the routes back as they were (also on SIGINT / SIGTERM). Throws, changing nothing, when `ip`
 * refuses (not root).
 */
function quickack() {
  const before = routes();
  if (!before.length) throw Object.assign(new Error('--loopback-quickack: no loopback route in `ip route show table local`'), { usage: true });
  const changed = [];
  const restore = () => {
    for (const line of changed.splice(0)) {
      try {
        replace(line);
      } catch (e) {
        console.error(`--loopback-quickack: could not put back \`${line}\`: ${e.message}`);
      }
    }
  };
  try {
    for (const line of before) {
      if (QUICKACK.test(line)) continue;
      replace(`${line.replace(/\s+quickack \d+/, '')} quickack 1`);
      changed.push(line);
    }
  } catch (e) {
    restore();
    const refused = new Error(`--loopback-quickack needs root (ip route replace): ${String(e.stderr || e.message).trim()}`);
    refused.usage = true; // printed as it is, without a stack
    throw refused;
  }
  const unhook = onInterrupt(restore);
  return () => {
    unhook();
    restore();
  };
}

module.exports = { state, quickack };
