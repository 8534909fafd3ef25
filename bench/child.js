// One measurement in a fresh process: node child.js <impl> <workload> <dir> <base> <params-json>
// (for an object store, <dir> is the key prefix).
// Builds its inputs, resets the peak-RSS counter, times the workload alone, prints one JSON line.
'use strict';

const { writeFileSync } = require('node:fs');
const { statusKiB } = require('./rss');
const { join } = require('node:path');
const { WORKLOADS } = require('./workloads');
const { sample } = require('./data');

/**
 * Before the clock: a few of each operation on a scratch directory beside the workload's, so
 * every implementation is measured warm (code compiled, threads started), as in a server that
 * has been running — not its first calls after process start. The same for every implementation.
 */
async function warmUp(impl, base) {
  const dir = join(base, `warm-up-${process.pid}`);
  await impl.ensureDirectory(dir);
  const data = Buffer.alloc(4096, 7);
  const inFlight = Array.from({ length: 16 }, async (_, t) => {
    for (let i = 0; i < 16; i += 1) {
      const file = join(dir, `w${t}-${i}`);
      await impl.writeFile(file, data);
      if ((await impl.readFile(file)).length !== data.length) throw new Error('warm-up read back the wrong size');
      await impl.getFileStats(file);
      await impl.fileExists(file);
    }
  });
  await Promise.all(inFlight);
  await impl.listFiles(dir);
  await impl.deleteDirectory(dir, { recursive: true, force: true });
  warmUpCheck();
}

/**
 * The same for an object store: 16 puts and gets of 4 KiB in flight at once, on one scratch key
 * per implementation (overwritten by every run, so nothing piles up), so that connections are
 * open, threads started and code paged in before the clock — the peak RSS's growth is then the
 * workload's own memory, not the client's first-call costs.
 */
async function warmUpCloud(impl, implName, backend) {
  const key = backend === 's3s' ? `warm-up.${implName}.bin` : `warm-up/${implName}.bin`;
  const data = Buffer.alloc(4096, 7);
  await Promise.all(Array.from({ length: 16 }, () => impl.writeFile(key, data)));
  const got = await Promise.all(Array.from({ length: 16 }, () => impl.readFile(key)));
  if (got.some((b) => b.length !== data.length)) throw new Error('warm-up read back the wrong size');
  warmUpCheck();
}

/**
 * Compiles the big workloads' check (`sample`, every 4,096th byte) before the clock: compiling it
 * on its first use inside the timing took ~1.5 MiB of V8's memory, counted in the peak RSS growth
 * of a 64 MiB get as if the client had taken it.
 */
function warmUpCheck() {
  const buf = Buffer.alloc(4 << 20);
  for (let i = 0; i < 64; i++) sample(buf);
}


async function main() {
  const [implName, workloadName, dir, base, params] = process.argv.slice(2);
  const p = JSON.parse(params);
  const w = WORKLOADS.find((x) => x.name === workloadName);
  // Cloud implementations take the backend (s3, s3s, azure): which server to talk to.
  const impl = w.backend === 'local' ? require(`./impls/${implName}`)(base) : require(`./impls/${implName}`)(base, w.backend);
  const input = w.childSetup ? w.childSetup(p) : undefined;
  if (w.backend === 'local') await warmUp(impl, base);
  else await warmUpCloud(impl, implName, w.backend);
  statusKiB('VmHWM'); // the status reads compiled before the clock (each field's pattern is its own regexp)
  statusKiB('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5'); // the peak counts from here: the workload, not the setup
  const startRssKiB = statusKiB('VmRSS'); // what was resident before: the peak's growth over it is the workload's
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage(); // the whole process: JS, libuv and Rust threads, user and kernel
  const r = await w.run(impl, dir, p, input);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(`${JSON.stringify({ ms, cpuMs, ops: r.ops, bytes: r.bytes, check: r.check, peakRssKiB: statusKiB('VmHWM'), startRssKiB })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
