// One measurement in a fresh process: node child.js <impl> <workload> <dir> <base> <params-json>
// (for an object store, <dir> is the key prefix).
// Builds its inputs, resets the peak-RSS counter, times the workload alone, prints one JSON line.
'use strict';

const { readFileSync, writeFileSync } = require('node:fs');
const { WORKLOADS } = require('./workloads');

function peakRssKiB() {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

async function main() {
  const [implName, workloadName, dir, base, params] = process.argv.slice(2);
  const p = JSON.parse(params);
  const w = WORKLOADS.find((x) => x.name === workloadName);
  // Cloud implementations take the backend (s3, s3s, azure): which server to talk to.
  const impl = w.backend === 'local' ? require(`./impls/${implName}`)(base) : require(`./impls/${implName}`)(base, w.backend);
  const input = w.childSetup ? w.childSetup(p) : undefined;
  writeFileSync('/proc/self/clear_refs', '5'); // the peak counts from here: the workload, not the setup
  const start = process.hrtime.bigint();
  const r = await w.run(impl, dir, p, input);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(`${JSON.stringify({ ms, ops: r.ops, bytes: r.bytes, check: r.check, peakRssKiB: peakRssKiB() })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
