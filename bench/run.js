#!/usr/bin/env node
// The benchmark: every workload on every implementation, each measurement in a fresh process,
// interleaved (the order of implementations rotates every round), median of the rounds.
// Usage and options: bench/README.md, or `node bench/run.js --help`.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const { join, resolve } = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const { WORKLOADS, SHARED, CLOUD_SHARED, PARAMS } = require('./workloads');
const cloud = require('./cloud');
const loopback = require('./loopback');
const { onInterrupt } = require('./signals');
const { summarize, table, markdown, svg } = require('./report');

const HELP = `node bench/run.js [options]   (npm run bench -- [options])
  --dir DIR          where the files go (default: a new directory under the OS temp dir);
                     use a tmpfs or a journaled ext4 mount, see README
  --quick            a quarter of the sizes (2,500 files, 64 MiB, 250 objects, ...) and 3
                     rounds: a smoke run; its ratios are indicative, the README's are full runs
  --rounds N         rounds per measurement (default 5; --quick 3)
  --only a,b         only these workloads (names as in the table) or groups: local, s3 (moto),
                     s3s (the S3 workloads on s3s-fs), azure (Azurite), gcs (fake-gcs-server,
                     through the test-only upload bridge), cloud (s3, s3s, azure, gcs);
                     nest (alone: a 1 GiB upload and ranged download through the example Nest
                     app against multer + writeFile and multer-s3, on moto; bench/nest.js).
                     Default: local, s3 and azure. Cloud workloads use the servers of
                     scripts/test-servers.sh: the STOWAGE_TEST_* variables when set, else a
                     running .test-servers/env, else the runner starts them (and stops them)
  --impls a,b        only these implementations (fs-promises, stowage, opendal, floor;
                     stowage-root: Stowage with STORAGE_LOCAL_ROOT-style confinement, opt-in;
                     cloud: aws-sdk, stowage-s3, azure-sdk, stowage-azure, gcs-sdk,
                     stowage-gcs, and on the puts stowage-s3-nocheck / stowage-azure-nocheck /
                     stowage-gcs-nocheck (skipWriteChecks: true);
                     floor-object-store: object_store from Rust, no JS, on the small-object
                     workloads; \`stowage\` also selects the cloud Stowage rows, \`floor\`
                     the object-store floor)
  --floor-threads N  threads of the floor's pool (default 4)
  --out PREFIX       write PREFIX.json, PREFIX.md, PREFIX.svg (default bench/results/latest)
  --keep             leave the files in --dir
  --loopback-quickack  for the cloud workloads, turn delayed ACKs off on the loopback routes
                     (\`ip route ... quickack 1\`, root only) and put them back afterwards: see
                     README, "Why s3s-fs answers a small GET in ~40 ms"
  --baseline X.node  also measure the LOCAL workloads on this second addon (e.g. a release build
                     of the commit before a change), as a "Stowage (baseline)" row, and print
                     Stowage's time against it per workload: before and after in one run
  --render PREFIX    only redraw PREFIX.md and PREFIX.svg from PREFIX.json (no measuring)
env STOWAGE_NODE=path/to/x.node  measure that addon instead of bench/.build/*.node`;

/** The implementations of each backend, the baseline (ratio 1.00x) first. */
const BACKENDS = {
  local: ['fs-promises', 'stowage', 'opendal', 'floor'],
  s3: ['aws-sdk', 'stowage-s3', 'stowage-s3-nocheck', 'floor-object-store'],
  s3s: ['aws-sdk', 'stowage-s3', 'stowage-s3-nocheck', 'floor-object-store'],
  azure: ['azure-sdk', 'stowage-azure', 'stowage-azure-nocheck', 'floor-object-store'],
  gcs: ['gcs-sdk', 'stowage-gcs', 'stowage-gcs-nocheck', 'floor-object-store'],
};
const IMPLS = [...new Set(Object.values(BACKENDS).flat())];
const GROUPS = { local: ['local'], s3: ['s3'], s3s: ['s3s'], azure: ['azure'], gcs: ['gcs'], cloud: ['s3', 's3s', 'azure', 'gcs'] };
const DEFAULT_BACKENDS = ['local', 's3', 'azure'];
const FLOOR = join(__dirname, 'floor', 'target', 'release', 'stowage-bench-floor');
const FLOOR_CLOUD = join(__dirname, 'floor-cloud', 'target', 'release', 'stowage-bench-floor-cloud');

function parseArgs(argv) {
  const o = { rounds: 5, floorThreads: 4, out: join(__dirname, 'results', 'latest'), impls: IMPLS };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => argv[++i];
    if (a === '--help' || a === '-h') {
      console.log(HELP);
      process.exit(0);
    } else if (a === '--dir') o.dir = resolve(value());
    else if (a === '--quick') o.quick = true;
    else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--only') o.only = value().split(',');
    else if (a === '--impls') o.impls = value().split(',');
    else if (a === '--floor-threads') o.floorThreads = Number(value());
    else if (a === '--out') o.out = resolve(value());
    else if (a === '--keep') o.keep = true;
    else if (a === '--loopback-quickack') o.loopbackQuickack = true;
    else if (a === '--render') o.render = resolve(value());
    else if (a === '--baseline') o.baseline = resolve(value());
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (o.quick && !argv.includes('--rounds')) o.rounds = 3;
  if (o.baseline) {
    if (!fs.existsSync(o.baseline)) throw new Error(`--baseline: no file ${o.baseline}`);
    process.env.STOWAGE_BASELINE_NODE = o.baseline; // the children inherit it
    if (!o.impls.includes('stowage-baseline')) o.impls = [...o.impls, 'stowage-baseline'];
  }
  return o;
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** What the numbers were measured on, written next to them. */
function environment(dir) {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', cwd: __dirname }).trim();
    } catch {
      return '?';
    }
  };
  const [source, fsType, options] = sh('findmnt', ['-n', '-o', 'SOURCE,FSTYPE,OPTIONS', '-T', dir]).split(/\s+/);
  const stowageNode = process.env.STOWAGE_NODE || fs.readdirSync(join(__dirname, '.build')).map((f) => join(__dirname, '.build', f)).find((f) => f.endsWith('.node'));
  return {
    date: new Date().toISOString(),
    cpus: `${os.cpus().length} × ${os.cpus()[0].model}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: os.release(),
    node: process.version,
    dir,
    filesystem: `${fsType} (${source}, ${options})`,
    stowageCommit: process.env.STOWAGE_NODE
      ? `${sh('git', ['rev-parse', '--short', 'HEAD'])} work tree (STOWAGE_NODE)`
      : readOr(join(__dirname, '.build', 'commit.txt'), '?'),
    stowageAddon: stowageNode,
    baselineAddon: process.env.STOWAGE_BASELINE_NODE,
    loadAverageAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

/** Node's own peak RSS growth for one Buffer of `bytes` (node-buffer.js), in MiB; null if it failed. */
function nodeBufferGrowthMiB(bytes) {
  const r = spawnSync(process.execPath, [join(__dirname, 'node-buffer.js'), String(bytes)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const { peakRssKiB, startRssKiB } = JSON.parse(r.stdout);
  return (peakRssKiB - startRssKiB) / 1024;
}

function ensureBuilt(impls) {
  if (impls.some((i) => i.startsWith('stowage')) && !process.env.STOWAGE_NODE) {
    const dir = join(__dirname, '.build');
    if (!fs.existsSync(dir) || !fs.readdirSync(dir).some((f) => f.endsWith('.node'))) {
      throw new Error('no release build in bench/.build: run bench/build.sh (see bench/README.md)');
    }
  }
  const floors = [['floor', FLOOR, 'floor'], ['floor-object-store', FLOOR_CLOUD, 'floor-cloud']];
  for (const [impl, binary, crate] of floors) {
    if (!impls.includes(impl) || fs.existsSync(binary)) continue;
    console.log(`building ${impl} (bench/${crate}) ...`);
    execFileSync('cargo', ['build', '--release', '--quiet', '--manifest-path', join(__dirname, crate, 'Cargo.toml')], { stdio: 'inherit' });
  }
  if (impls.includes('opendal') && !fs.existsSync(join(__dirname, 'node_modules', 'opendal'))) {
    console.log('installing opendal@0.49.2 into bench/node_modules ...');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: __dirname, stdio: 'inherit' });
  }
}

/** One measurement in a fresh process; its parsed JSON line. */
function measure(impl, w, dir, base, p, floorThreads) {
  const child =
    impl === 'floor'
      ? spawnSync(FLOOR, [w.name, dir, String(floorThreads), `files=${p.files}`, `dirs=${p.dirs}`, `size=${w.unit === 'MiB' ? p.bigSize : p.size}`], { encoding: 'utf8', timeout: 300_000 })
      : impl === 'floor-object-store'
      ? spawnSync(FLOOR_CLOUD, [w.name, dir, `objects=${p.objects}`, `size=${p.size}`, `inflight=${p.objectsInFlight}`], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...cloud.floorEnv(w.backend) } })
      : spawnSync(process.execPath, [join(__dirname, 'child.js'), impl, w.name, dir, base, JSON.stringify(p)], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 20, env: process.env });
  if (child.status !== 0) throw new Error(`${impl} ${w.name} failed (${child.status ?? child.signal}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

/** Which implementations a workload runs on (the floor has no native-checksum slot to fill). */
function implsFor(w, impls) {
  if (w.onlyWith === 'checksum') {
    return impls.filter((i) => i === 'stowage' || i === 'stowage-root' || i === 'stowage-baseline');
  }
  if (w.backend === 'local') return impls.filter((i) => BACKENDS.local.includes(i) || i === 'stowage-root' || i === 'stowage-baseline');
  return BACKENDS[w.backend]
    .filter((i) => !i.endsWith('-nocheck') || w.name.includes('_put_')) // the option only changes writes
    .filter((i) => i !== 'floor-object-store' || w.name.endsWith('_small')) // its only workloads
    .filter((i) => impls.includes(i) || (i.startsWith('stowage-') && impls.includes('stowage')) || (i.startsWith('floor-') && impls.includes('floor')));
}

/** The workloads --only selects: names and groups; default DEFAULT_BACKENDS. */
function selected(only) {
  const names = new Set();
  for (const x of only || DEFAULT_BACKENDS) {
    if (GROUPS[x]) WORKLOADS.filter((w) => GROUPS[x].includes(w.backend)).forEach((w) => names.add(w.name));
    else if (WORKLOADS.some((w) => w.name === x)) names.add(x);
    else throw new Error(`--only: no workload or group "${x}" (groups: ${Object.keys(GROUPS).join(', ')})`);
  }
  return WORKLOADS.filter((w) => names.has(w.name));
}

function hasSlot(impl, w, base) {
  if (w.onlyWith !== 'checksum') return true;
  return Boolean(require(`./impls/${impl}`)(base).checksum);
}

/** The --quick sizes: a quarter of everything that is a count or a size, same concurrency. */
function quarter(params) {
  const q = { ...params };
  for (const k of ['files', 'listEntries', 'oldFiles', 'bigSize', 'objects', 'bigObject']) q[k] = params[k] / 4;
  return q;
}

function writeReport(prefix, result) {
  fs.mkdirSync(join(prefix, '..'), { recursive: true });
  fs.writeFileSync(`${prefix}.json`, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(`${prefix}.md`, markdown(result));
  fs.writeFileSync(`${prefix}.svg`, svg(result));
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.render) {
    const result = JSON.parse(fs.readFileSync(`${o.render}.json`, 'utf8'));
    result.rows = summarize(result.runs, WORKLOADS, result.env.nodeBufferGrowthMiB);
    writeReport(o.render, result);
    console.log(`${table(result.rows)}\n\nwrote ${o.render}.{json,md,svg}`);
    return;
  }
  if (o.only && o.only.includes('nest')) {
    if (o.only.length > 1) throw new Error('--only nest runs on its own (its apps and table are its own)');
    return require('./nest').runNest(o, environment);
  }
  const chosen = selected(o.only).filter((w) => {
    if (implsFor(w, o.impls).length) return true;
    console.log(`  skip ${w.name}: none of --impls ${o.impls.join(',')} runs it`);
    return false;
  });
  ensureBuilt([...new Set(chosen.flatMap((w) => implsFor(w, o.impls)))]);
  const base = o.dir || fs.mkdtempSync(join(os.tmpdir(), 'stowage-bench-'));
  fs.mkdirSync(base, { recursive: true });
  const p = o.quick ? quarter(PARAMS) : { ...PARAMS };
  const env = environment(base);
  console.log(`Stowage bench: ${o.rounds} rounds on ${env.filesystem}\n  in ${base}; ${env.cpus}; node ${env.node}`);

  // The object stores: servers only when a cloud workload was chosen.
  const backends = [...new Set(chosen.map((w) => w.backend).filter((b) => b !== 'local'))];
  let servers = { started: false };
  const admins = {};
  if (backends.length) {
    try {
      servers = cloud.ensureServers(backends);
    } catch (e) {
      if (!o.dir) fs.rmSync(base, { recursive: true, force: true }); // still empty
      throw e;
    }
  }
  let putBackRoutes = () => {};
  // Servers this run started are stopped however it ends, Ctrl-C included.
  const stopOnInterrupt = servers.started ? onInterrupt(() => cloud.stopServers()) : () => {};
  try {
    if (backends.length) {
      if (o.loopbackQuickack) putBackRoutes = loopback.quickack();
      env.loopbackDelayedAcks = loopback.state();
      console.log(`  delayed ACKs on the loopback routes: ${env.loopbackDelayedAcks}`);
      env.servers = Object.fromEntries(backends.map((b) => [b, `${cloud.SERVERS[b].label} ${cloud.serverVersions()[cloud.SERVERS[b].label]}`]));
      env.sdks = cloud.sdkVersions();
      env.nodeBufferGrowthMiB = nodeBufferGrowthMiB(p.bigObject);
      console.log(`  Node alone, one Buffer of ${p.bigObject / 2 ** 20} MiB: peak RSS growth ${env.nodeBufferGrowthMiB} MiB`);
      console.log(`  servers (${servers.started ? 'started by this run' : servers.source}): ${backends.map((b) => env.servers[b]).join(', ')}`);
      for (const b of backends) admins[b] = cloud.admin(b);
    }
    await measureAll(o, chosen, base, p, env, admins);
  } finally {
    putBackRoutes();
    stopOnInterrupt();
    if (servers.started) cloud.stopServers();
  }
}

async function measureAll(o, chosen, base, p, env, admins) {
  const local = chosen.filter((w) => w.backend === 'local');
  const remote = chosen.filter((w) => w.backend !== 'local');
  const t0 = Date.now();
  const shared = {};
  for (const w of remote.filter((x) => x.shared)) {
    const key = `${w.backend}:${w.shared}`;
    if (shared[key]) continue;
    shared[key] = CLOUD_SHARED[w.shared].prefix;
    process.stdout.write(`  fixture ${key} ... `);
    await CLOUD_SHARED[w.shared].build(admins[w.backend], shared[key], p);
    console.log('done');
  }
  for (const kind of new Set(local.map((w) => w.shared).filter(Boolean))) {
    shared[kind] = join(base, `shared-${kind}`);
    const done = `${shared[kind]}.complete`; // built by an earlier run with --keep
    if (!fs.existsSync(done)) {
      process.stdout.write(`  fixture ${kind} ... `);
      fs.rmSync(shared[kind], { recursive: true, force: true });
      SHARED[kind](shared[kind], p);
      fs.writeFileSync(done, JSON.stringify(p));
      console.log('done');
    }
  }

  const runs = [];
  for (let round = 0; round < o.rounds; round += 1) {
    for (const w of chosen) {
      const impls = implsFor(w, o.impls).filter((i) => hasSlot(i, w, base));
      const order = impls.map((_, k) => impls[(k + round) % impls.length]);
      const admin = admins[w.backend];
      for (const impl of order) {
        let dir;
        if (w.backend !== 'local') dir = w.shared ? shared[`${w.backend}:${w.shared}`] : w.keyPrefix(impl);
        else dir = w.shared ? shared[w.shared] : join(base, `run-${w.name}`);
        if (w.prepare) await w.prepare(dir, p, admin);
        const serverBefore = w.backend === 'local' ? null : cloud.serverCpuMs(w.backend);
        const r = measure(impl, w, dir, base, p, o.floorThreads);
        const serverAfter = w.backend === 'local' ? null : cloud.serverCpuMs(w.backend);
        if (serverBefore != null && serverAfter != null) r.serverCpuMs = serverAfter - serverBefore;
        if (r.check !== w.expect(p)) throw new Error(`${impl} ${w.name}: result "${r.check}", expected "${w.expect(p)}"`);
        if (w.verify) await w.verify(dir, p, admin);
        if (w.cleanup) await w.cleanup(dir, p, admin);
        runs.push({ round, workload: w.name, impl, ...r });
        process.stdout.write(`\r  round ${round + 1}/${o.rounds}  ${w.name.padEnd(14)} ${impl.padEnd(12)} ${r.ms.toFixed(1).padStart(9)} ms   `);
      }
    }
  }
  console.log(`\r  ${runs.length} measurements in ${((Date.now() - t0) / 1000).toFixed(0)} s${' '.repeat(40)}\n`);
  if (!o.keep && !o.dir) fs.rmSync(base, { recursive: true, force: true });
  else if (!o.keep) {
    for (const [kind, d] of Object.entries(shared)) {
      if (kind.includes(':')) continue; // an object store's fixture: it goes with the server
      fs.rmSync(d, { recursive: true, force: true });
      fs.rmSync(`${d}.complete`, { force: true });
    }
  }

  env.loadAverageAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows = summarize(runs, WORKLOADS, env.nodeBufferGrowthMiB);
  console.log(table(rows));
  if (o.baseline) console.log(`\n${againstBaseline(rows)}`);
  const result = { env, params: p, rounds: o.rounds, floorThreads: o.floorThreads, rows, runs, pending: [] };
  writeReport(o.out, result);
  console.log(`\nwrote ${o.out}.{json,md,svg}`);
}

/** Per workload, Stowage's median time over the baseline addon's (below 1.00 is faster). */
function againstBaseline(rows) {
  const lines = ['Stowage against the baseline addon (median time, after / before):'];
  for (const r of rows.filter((x) => x.impl === 'stowage')) {
    const b = rows.find((x) => x.impl === 'stowage-baseline' && x.workload === r.workload);
    if (!b) continue;
    const change = (r.ms / b.ms - 1) * 100;
    lines.push(`  ${r.workload.padEnd(14)} ${r.ms.toFixed(1).padStart(9)} ms vs ${b.ms.toFixed(1).padStart(9)} ms  ${(r.ms / b.ms).toFixed(3)}x  (${change >= 0 ? '+' : ''}${change.toFixed(1)}%)`);
  }
  return lines.join('\n');
}

main().catch((e) => {
  console.error(`\n${e && e.usage ? `error: ${e.message}` : e && e.stack ? e.stack : e}`);
  process.exit(1);
});
