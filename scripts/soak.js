#!/usr/bin/env node
'use strict';
/**
 * Soak: N mixed operations (default 200,000) across the napi boundary, on LOCAL (with a root) and
 * MEMORY alternately, with the process RSS sampled after a forced GC every N/50 operations. After a
 * warm-up (the first 20%), every sample must stay within ±10% of the first sample after it.
 *
 *   npm run soak                       200,000 operations, writes the "Soak" section of the report
 *                                      (.test-results/RELIABILITY.md; RELIABILITY.md with STOWAGE_UPDATE_RELIABILITY=1)
 *   node --expose-gc scripts/soak.js 20000 --json   what the suite runs (prints JSON only)
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { LocalStorageProvider, MemoryStorageProvider, setLogger } = require('..');

const total = Number(process.argv[2] ?? 200_000);
const jsonOnly = process.argv.includes('--json');
const gc = global.gc ?? (() => {});
if (!global.gc && !jsonOnly) console.warn('soak: run with --expose-gc for stable RSS samples');

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'stowage-soak-'));
  const providers = [new LocalStorageProvider({ root: join(work, 'root') }), new MemoryStorageProvider()];
  let logEvents = 0;
  setLogger(() => (logEvents += 1));
  const payload = Buffer.alloc(4096, 7);
  const ops = [
    (p, i) => p.writeFile(`d${i % 10}/f${i % 100}.bin`, payload.subarray(0, 1 + (i % 4096))),
    (p, i) => p.readFile(`d${i % 10}/f${i % 100}.bin`).catch(() => null),
    (p, i) => p.fileExists(`d${i % 10}/f${i % 100}.bin`),
    (p, i) => p.listFiles(`d${i % 10}`, { filter: (n) => n.endsWith('.bin') }).catch(() => null),
    (p, i) => p.getFileStats(`d${i % 10}/f${i % 100}.bin`).catch(() => null),
    (p, i) => p.deleteFile(`d${i % 10}/f${(i * 7) % 100}.bin`).catch(() => null),
    (p, i) => p.ensureDirectory(`d${i % 10}/sub`),
    (p, i) => p.directoryExists(`d${i % 10}/sub`),
    (p, i) => p.readFile(`missing/${i}`).catch(() => null), // an error object every time
    (p, i) => p.writeFile(`d${i % 10}/s${i % 50}.txt`, `string ${i}`),
    (p, i) => p.deleteOldFiles(`d${i % 10}/sub`, new Date(0)),
  ];
  const every = Math.max(1, Math.floor(total / 50));
  const samples = [];
  const started = Date.now();
  const inFlight = 32;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await ops[i % ops.length](providers[i % 2], i);
      if (i % every === 0) {
        gc();
        samples.push({ ops: i, rssMb: process.memoryUsage().rss / 1048576 });
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (Date.now() - started) / 1000;
  samples.sort((a, b) => a.ops - b.ops);
  const after = samples.filter((s) => s.ops >= total * 0.2);
  const base = after[0].rssMb;
  const min = Math.min(...after.map((s) => s.rssMb));
  const max = Math.max(...after.map((s) => s.rssMb));
  const result = {
    ops: total,
    seconds,
    opsPerSecond: Math.round(total / seconds),
    baseMb: +base.toFixed(1),
    minMb: +min.toFixed(1),
    maxMb: +max.toFixed(1),
    driftPct: +(((max - base) / base) * 100).toFixed(1),
    dropPct: +(((min - base) / base) * 100).toFixed(1),
    flat: max <= base * 1.1 && min >= base * 0.9,
    samples: samples.length,
    logEvents,
  };
  setLogger(null);
  rmSync(work, { recursive: true, force: true });
  if (jsonOnly) {
    process.stdout.write(JSON.stringify(result));
    return;
  }
  console.log(result);
  require('../__tests__/reliability/report.js').writeSection('soak-long', 60, 'Soak (npm run soak)', describe(result));
  if (!result.flat) process.exitCode = 1;
}

function describe(r) {
  return (
    `\`scripts/soak.js\` (\`npm run soak\`): ${r.ops.toLocaleString('en')} mixed operations (writes, reads, listings with a ` +
    `filter, stats, deletes, errors) across the napi boundary on LOCAL and MEMORY, 32 in flight, in ${r.seconds.toFixed(1)} s ` +
    `(${r.opsPerSecond.toLocaleString('en')} ops/s, debug or release as built). RSS after warm-up (first 20%): ` +
    `${r.baseMb} MB at first, between ${r.minMb} and ${r.maxMb} MB over ${r.samples} samples ` +
    `(${r.driftPct >= 0 ? '+' : ''}${r.driftPct}% / ${r.dropPct}%): ${r.flat ? 'flat within ±10%' : '**not flat within ±10%**'}.`
  );
}

module.exports = { describe };
if (require.main === module) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
