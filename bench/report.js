// Turns the raw measurements into rows (medians, throughput, ratios, targets), a text table,
// a markdown table and an SVG chart. No dependencies.
'use strict';

const NAMES = {
  'fs-promises': 'fs/promises',
  stowage: 'Stowage',
  'stowage-root': 'Stowage, with root',
  'stowage-baseline': 'Stowage (baseline)',
  opendal: 'OpenDAL 0.49.2',
  floor: 'floor (std::fs)',
  'aws-sdk': '@aws-sdk/client-s3',
  'stowage-s3': 'Stowage',
  'azure-sdk': '@azure/storage-blob',
  'stowage-azure': 'Stowage',
  'stowage-s3-nocheck': 'Stowage, skipWriteChecks',
  'stowage-azure-nocheck': 'Stowage, skipWriteChecks',
  'gcs-sdk': '@google-cloud/storage',
  'stowage-gcs': 'Stowage',
  'stowage-gcs-nocheck': 'Stowage, skipWriteChecks',
  'floor-object-store': 'floor (object_store, no JS)',
};
const ORDER = ['fs-promises', 'stowage', 'stowage-baseline', 'stowage-root', 'opendal', 'floor', 'aws-sdk', 'azure-sdk', 'gcs-sdk', 'stowage-s3', 'stowage-azure', 'stowage-gcs', 'stowage-s3-nocheck', 'stowage-azure-nocheck', 'stowage-gcs-nocheck', 'floor-object-store'];
/** The row every ratio of a workload is against: fs/promises on LOCAL, the official SDK on a cloud. */
const BASELINE = { local: 'fs-promises', s3: 'aws-sdk', s3s: 'aws-sdk', azure: 'azure-sdk', gcs: 'gcs-sdk' };
/** Stowage's row of a workload: the one its target is checked on. */
const STOWAGE = { local: 'stowage', s3: 'stowage-s3', s3s: 'stowage-s3', azure: 'stowage-azure', gcs: 'stowage-gcs' };
const MiB = 1024 * 1024;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One verdict of several checks, each missed one marked. */
function both(parts) {
  return { text: parts.map((p) => `${p.met ? '' : 'missed '}${p.text}`).join(', '), met: parts.every((p) => p.met) };
}

/** Run-to-run scatter of a peak RSS reading (MiB): what the one-copy bound allows over Node's own. */
const SCATTER_MIB = 0.5;

/** Stowage's verdict against the issue's target for a workload, or null when it has none. */
function verdict(w, row, byImpl, earlier, nodeBufferGrowthMiB) {
  const t = w.target;
  if (!t || row.impl !== STOWAGE[w.backend]) return null;
  if (t.asFastAs) {
    // Another workload's fs/promises row (the checksum against readFile + createHash), and a cap
    // on the memory the workload took (the peak RSS's growth, not Node's own resident memory).
    const other = earlier[t.asFastAs] && earlier[t.asFastAs]['fs-promises'];
    if (!other || row.growthMiB == null) return null;
    const x = other.ms / row.ms;
    return {
      text: `as fast as ${t.asFastAs} on fs/promises (is ${x.toFixed(2)}x), peak RSS growth < ${t.maxGrowthMiB} MiB (is ${row.growthMiB.toFixed(0)})`,
      met: x >= 1 && row.growthMiB < t.maxGrowthMiB,
    };
  }
  if (t.speedup && t.maxGrowthOfObject) {
    // A large object: the SDK's speed, and no more memory than one copy of the object. Node itself
    // takes more than the bytes to hold one Buffer (its accounting, and the collection a large
    // allocation starts): that much, measured in the same run, plus SCATTER_MIB is one copy; a
    // second copy would be the object's size again.
    if (row.speedup == null || row.growthMiB == null) return null;
    const objectMiB = (t.maxGrowthOfObject * row.bytes) / MiB;
    const maxMiB = nodeBufferGrowthMiB == null ? objectMiB : Math.max(objectMiB, nodeBufferGrowthMiB + SCATTER_MIB);
    const asNode = nodeBufferGrowthMiB == null ? '' : `, Node alone ${nodeBufferGrowthMiB.toFixed(1)}`;
    return both([
      { text: `≥${t.speedup.toFixed(1)}x the SDK (is ${row.speedup.toFixed(2)}x)`, met: row.speedup >= t.speedup },
      { text: `peak RSS growth ≤ one copy, ${maxMiB.toFixed(1)} MiB (is ${row.growthMiB.toFixed(1)}${asNode})`, met: row.growthMiB <= maxMiB },
    ]);
  }
  if (t.speedup) {
    if (row.speedup == null) return null; // the baseline was not measured in this run
    return { text: `≥${t.speedup}x ${t.of === 'sdk' ? 'the SDK' : 'fs/promises'}`, met: row.speedup >= t.speedup };
  }
  if (t.cpuShareOfSdk) {
    // A small-object workload: wall time against the object_store floor on the same server, client
    // CPU against the official SDK's. Each part is checked when its reference row was measured.
    const floor = byImpl['floor-object-store'];
    const sdk = byImpl[BASELINE[w.backend]];
    const parts = [];
    if (floor) {
      const r = row.ms / floor.ms;
      parts.push({ text: `≤${t.within.toFixed(2)}x floor (is ${r.toFixed(2)}x)`, met: r <= t.within });
    }
    if (sdk && sdk.cpuMs && row.cpuMs != null) {
      const r = row.cpuMs / sdk.cpuMs;
      parts.push({ text: `CPU ≤ ${t.cpuShareOfSdk}× the SDK's (is ${r.toFixed(2)}×)`, met: r <= t.cpuShareOfSdk });
    }
    return parts.length ? both(parts) : null;
  }
  if (t.within && byImpl.floor) {
    const r = row.ms / byImpl.floor.ms;
    return { text: `≤${t.within}x floor (is ${r.toFixed(2)}x)`, met: r <= t.within };
  }
  return t.note ? { text: t.note, met: null } : null;
}

/**
 * The rows of a run. `nodeBufferGrowthMiB`: Node's own peak RSS growth for one Buffer of the big
 * object's size in the same run (node-buffer.js), which the big objects' memory bound allows for.
 */
function summarize(runs, workloads, nodeBufferGrowthMiB) {
  const rows = [];
  const earlier = {};
  for (const w of workloads) {
    const byImpl = {};
    for (const impl of ORDER) {
      const mine = runs.filter((r) => r.workload === w.name && r.impl === impl);
      if (!mine.length) continue;
      const ms = median(mine.map((r) => r.ms));
      const { ops, bytes } = mine[0];
      byImpl[impl] = {
        workload: w.name,
        title: w.title,
        impl,
        ms,
        min: Math.min(...mine.map((r) => r.ms)),
        max: Math.max(...mine.map((r) => r.ms)),
        n: mine.length,
        bytes: mine[0].bytes,
        throughput: w.unit === 'MiB' ? bytes / MiB / (ms / 1000) : ops / (ms / 1000),
        unit: w.unit === 'MiB' ? 'MiB/s' : `${w.unit}/s`,
        peakRssMiB: median(mine.map((r) => r.peakRssKiB)) / 1024,
        // The peak's growth over what was resident when the clock started (older files: none).
        growthMiB: mine.every((r) => r.startRssKiB != null) ? median(mine.map((r) => r.peakRssKiB - r.startRssKiB)) / 1024 : null,
        // Older result files have no CPU time.
        cpuMs: mine.every((r) => r.cpuMs != null) ? median(mine.map((r) => r.cpuMs)) : null,
        serverCpuMs: mine.every((r) => r.serverCpuMs != null) ? median(mine.map((r) => r.serverCpuMs)) : null,
      };
    }
    const baseline = byImpl[BASELINE[w.backend || 'local']];
    for (const row of Object.values(byImpl)) {
      row.speedup = baseline ? baseline.ms / row.ms : null;
      row.vsFloor = byImpl.floor ? row.ms / byImpl.floor.ms : null;
      row.target = verdict(w, row, byImpl, earlier, nodeBufferGrowthMiB);
      rows.push(row);
    }
    earlier[w.name] = byImpl;
  }
  return rows;
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const fmtTp = (r) => `${r.throughput >= 100 ? Math.round(r.throughput).toLocaleString('en-US') : r.throughput.toFixed(1)} ${r.unit}`;
const fmtX = (x) => (x == null ? '' : `${x.toFixed(2)}x`);
const fmtTarget = (t) => (!t ? '' : `${t.met === null ? '·' : t.met ? 'met' : 'MISSED'}: ${t.text}`);

function cells(r) {
  const cpu = (r.cpuMs == null ? '—' : fmtMs(r.cpuMs)) + (r.serverCpuMs == null ? '' : ` / ${fmtMs(r.serverCpuMs)}`);
  return [r.workload, NAMES[r.impl], fmtMs(r.ms), `${fmtMs(r.min)}–${fmtMs(r.max)}`, fmtTp(r), `${r.peakRssMiB.toFixed(0)} MiB${r.growthMiB == null ? '' : ` (+${Math.max(0, r.growthMiB).toFixed(0)})`}`, cpu, fmtX(r.speedup), fmtTarget(r.target)];
}
const HEAD = ['workload', 'implementation', 'median', 'min–max', 'throughput', 'peak RSS (+ growth)', 'CPU time (cloud: client / server)', 'speedup vs fs/promises (cloud: vs SDK)', 'target'];

function table(rows) {
  const all = [HEAD, ...rows.map(cells)];
  const width = HEAD.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r) => r.map((v, c) => (c >= 2 && c <= 7 ? v.padStart(width[c]) : v.padEnd(width[c]))).join('  ');
  const out = [];
  let last = null;
  for (const [k, r] of all.entries()) {
    if (k > 1 && r[0] !== last) out.push('');
    out.push(line(r));
    last = r[0];
  }
  return out.join('\n');
}

function markdown(result) {
  const { env, rows, rounds, params, pending, floorThreads } = result;
  const local = rows.some((r) => ['fs-promises', 'stowage', 'stowage-baseline', 'stowage-root', 'opendal', 'floor'].includes(r.impl));
  const servers = env.servers ? Object.entries(env.servers).map(([b, s]) => `${b}_*: ${s}`).join(', ') : '';
  const sdks = env.sdks ? Object.entries(env.sdks).map(([k, v]) => `${k} ${v}`).join(', ') : '';
  const lines = [
    `Measured ${env.date.slice(0, 10)} on ${env.cpus}, ${env.memory}, Linux ${env.kernel}, Node ${env.node};`,
    ...(local ? [`files on ${env.filesystem};`] : []),
    ...(servers ? [`object stores on local servers (127.0.0.1): ${servers}; SDKs ${sdks}; ${params.objectsInFlight} objects in flight;`] : []),
    ...(servers && env.loopbackDelayedAcks ? [`delayed ACKs on the loopback routes: ${env.loopbackDelayedAcks};`] : []),
    ...(env.nodeBufferGrowthMiB != null ? [`Node alone, one Buffer of ${params.bigObject / 2 ** 20} MiB: peak RSS growth ${env.nodeBufferGrowthMiB.toFixed(1)} MiB (the least a client that returns a Buffer takes);`] : []),
    `Stowage ${env.stowageCommit} (release build); median of ${rounds} rounds, each measurement a fresh process;`,
    ...(local ? [`floor pool: ${floorThreads} threads; ${params.inFlight} in flight for the JS runs;`] : []),
    `load average (1/5/15 min) ${env.loadAverageAtStart} at the start, ${env.loadAverageAtEnd} at the end.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map((_, c) => (c >= 2 && c <= 7 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${cells(r).map((c, k) => (k === 8 && r.target && r.target.met === false ? `**${c}**` : c)).join(' | ')} |`),
    '',
    `${pending && pending.length ? `Not measured yet: ${pending.join(', ')}. ` : ''}Sizes: ${JSON.stringify(params)}.`,
    '',
  ];
  return lines.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Speedup over the baseline per workload (fs/promises; the SDK on S3/Azure), log scale, with Stowage's target marked. */
function svg(result) {
  const { rows, env } = result;
  const COLORS = { 'fs-promises': '#9e9e9e', stowage: '#d9480f', 'stowage-baseline': '#868e96', 'stowage-root': '#f08c00', opendal: '#1971c2', floor: '#2f9e44', 'aws-sdk': '#7048e8', 'azure-sdk': '#0c8599', 'gcs-sdk': '#5c940d', 'stowage-gcs': '#d9480f', 'stowage-gcs-nocheck': '#f08c00', 'stowage-s3': '#d9480f', 'stowage-azure': '#d9480f', 'stowage-s3-nocheck': '#f08c00', 'stowage-azure-nocheck': '#f08c00', 'floor-object-store': '#2f9e44' };
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const implsOf = (wl) => ORDER.filter((i) => rows.some((r) => r.workload === wl && r.impl === i));
  // One legend entry per name (Stowage is one colour on every backend).
  const legend = [...new Map(ORDER.filter((i) => rows.some((r) => r.impl === i)).map((i) => [NAMES[i], COLORS[i]])).entries()];
  const speedups = rows.map((r) => r.speedup).filter((x) => x);
  const lo = Math.min(0.25, ...speedups.map((x) => x / 1.2));
  const hi = Math.max(16, ...speedups.map((x) => x * 1.2));
  const left = 150, right = 30, width = 900, bar = 11, gap = 16, perLine = 5;
  const top = 58 + 16 * Math.floor((legend.length - 1) / perLine);
  const plotW = width - left - right;
  const x = (v) => left + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotW;
  const y0s = [];
  let y = top;
  for (const wl of workloads) {
    y0s.push(y);
    y += implsOf(wl).length * bar + gap;
  }
  const height = y + 40;
  const where = [env.filesystem && rows.some((r) => r.impl === 'fs-promises') ? env.filesystem.split(' (')[0] : null, env.servers ? Object.values(env.servers).join(', ') : null].filter(Boolean).join('; ');
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">Speedup over fs/promises, on S3/Azure over the official SDK (log scale; higher is faster)</text>`,
    `<text x="${left}" y="34" fill="#555">${esc(`${env.cpus}, ${where}, Node ${env.node}; median of ${result.rounds} rounds. | = Stowage target`)}</text>`,
  ];
  legend.forEach(([name, color], k) => {
    const lx = left + (k % perLine) * 140;
    const ly = 58 + 16 * Math.floor(k / perLine);
    out.push(`<rect x="${lx}" y="${ly - 16}" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly - 7}">${esc(name)}</text>`);
  });
  for (let v = 0.25; v <= hi; v *= 2) {
    if (v < lo) continue;
    out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${top}" y2="${height - 30}" stroke="${v === 1 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${x(v)}" y="${height - 16}" text-anchor="middle" fill="#555">${v}x</text>`);
  }
  workloads.forEach((wl, g) => {
    const y0 = y0s[g];
    const impls = implsOf(wl);
    out.push(`<text x="${left - 8}" y="${y0 + (impls.length * bar) / 2 + 4}" text-anchor="end">${esc(wl)}</text>`);
    impls.forEach((impl, k) => {
      const r = rows.find((q) => q.workload === wl && q.impl === impl);
      if (!r || !r.speedup) return;
      const yb = y0 + k * bar;
      out.push(`<rect x="${left}" y="${yb}" width="${Math.max(1, x(r.speedup) - left)}" height="${bar - 2}" fill="${COLORS[impl]}"><title>${esc(`${NAMES[impl]}: ${r.speedup.toFixed(2)}x, ${fmtMs(r.ms)}`)}</title></rect>`);
      out.push(`<text x="${x(r.speedup) + 3}" y="${yb + bar - 3}" font-size="9" fill="#333">${r.speedup.toFixed(2)}x</text>`);
      if (impl.startsWith('stowage') && r.target) {
        const fsRow = rows.find((q) => q.workload === wl && q.impl === 'fs-promises');
        const floorRow = rows.find((q) => q.workload === wl && q.impl === 'floor');
        const cloudFloor = rows.find((q) => q.workload === wl && q.impl === 'floor-object-store');
        const sdkRow = rows.find((q) => q.workload === wl && ['aws-sdk', 'azure-sdk', 'gcs-sdk'].includes(q.impl));
        const t = r.target.text.startsWith('≥') ? Number(r.target.text.slice(1).split('x')[0])
          : floorRow && fsRow && r.target.text.startsWith('≤') ? fsRow.ms / (floorRow.ms * 1.2)
            : cloudFloor && sdkRow && r.target.text.includes('floor') ? sdkRow.ms / (cloudFloor.ms * 1.1) : null;
        if (t) out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${yb - 2}" y2="${yb + bar}" stroke="black" stroke-width="2"/>`);
      }
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

module.exports = { summarize, table, markdown, svg, median };
