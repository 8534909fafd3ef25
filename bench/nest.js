// The `nest` workload (`npm run bench -- --only nest`): a large file through the whole path a Nest
// app uses, on the bench's S3 server (moto). Three apps, each a fresh process per measurement:
//
//   stowage    examples/nest-app itself (compiled here, release addon): `POST /uploads` streams the
//              multipart body into `createWriteStream` (stowageStorage), `GET /uploads/:name` is
//              `downloadFile` (Range, streamed);
//   memory     bench/nest/baseline-app.js: multer's memoryStorage, then Stowage's `writeFile` of
//              the Buffer; the download `readFile`s the object and sends the range;
//   multer-s3  bench/nest/baseline-app.js: multer-s3 (the AWS SDK's lib-storage), the download a
//              ranged GetObject piped to the response.
//
// Per measurement: start the app, warm it (a 1 MiB upload and a ranged download), then time one
// upload of SIZE bytes as multipart/form-data over HTTP and one download of it with
// `Range: bytes=512-`. Measured on the app's process: wall time at the HTTP client, peak RSS growth
// (VmHWM after, with the counter reset by /proc/<pid>/clear_refs before, over VmRSS before), CPU
// time (user + system, /proc/<pid>/stat); and the S3 server's CPU time. Every download's bytes are
// hashed and compared with what was uploaded; a mismatch stops the run.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const http = require('node:http');
const { join } = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const cloud = require('./cloud');

const REPO = join(__dirname, '..');
const IMPLS = ['stowage', 'memory', 'multer-s3'];
const LABELS = {
  stowage: 'Stowage: example app (stowageStorage, downloadFile)',
  memory: 'multer memoryStorage + writeFile / readFile',
  'multer-s3': 'multer-s3 + AWS SDK GetObject',
};
const MiB = 1 << 20;
/** Where the download starts: a real partial response, not the whole object. */
const RANGE_START = 512;

/** The upload's n-th MiB: the same pseudo-random MiB with its index stamped at both ends. */
function piece(base, n) {
  const b = Buffer.from(base);
  b.writeUInt32BE(n, 0);
  b.writeUInt32BE(n, b.length - 4);
  return b;
}

/** The app's resident memory: VmRSS and VmHWM (bytes). */
function memory(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ = 100
}

/** Starts one app; resolves { child, url } once it prints where it listens. */
function startApp(impl, addon) {
  const s = cloud.s3Settings('s3');
  const env = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    NAPI_RS_NATIVE_LIBRARY_PATH: addon,
    LOG_LEVELS: 'warn,error',
    STORAGE_TYPE: 'S3',
    AWS_ENDPOINT_URL: s.endpoint,
    AWS_S3_BUCKET: s.bucket,
    AWS_REGION: s.region,
    AWS_ACCESS_KEY_ID: s.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
    NEST_BASELINE: impl,
  };
  const main = impl === 'stowage' ? join(REPO, 'examples', 'nest-app', 'dist', 'main.js') : join(__dirname, 'nest', 'baseline-app.js');
  const child = spawn(process.execPath, [main], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${impl} app did not start:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${impl} app exited (${code}):\n${output}`)));
  });
}

function stopApp(app) {
  return new Promise((resolve) => {
    if (app.child.exitCode !== null) return resolve();
    app.child.removeAllListeners('exit');
    app.child.once('exit', resolve);
    app.child.kill('SIGTERM');
  });
}

/** POSTs `size` bytes as the `file` field; resolves { status, body, sha256 of all, sha256 from RANGE_START }. */
function upload(url, size) {
  const boundary = `----stowage-bench-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const base = Buffer.alloc(MiB);
  for (let i = 0; i < base.length; i += 4) base.writeUInt32LE((i * 2654435761) >>> 0, i);
  const whole = createHash('sha256');
  const ranged = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/uploads`,
      {
        method: 'POST',
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + size + tail.length) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body, sha256: whole.digest('hex'), rangedSha256: ranged.digest('hex') }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    let n = 0;
    const pump = () => {
      while (sent < size) {
        const b = piece(base, n++).subarray(0, Math.min(MiB, size - sent));
        whole.update(b);
        ranged.update(sent >= RANGE_START ? b : b.subarray(Math.min(b.length, RANGE_START - sent)));
        sent += b.length;
        if (!req.write(b)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    req.write(head);
    pump();
  });
}

/** GETs `name` with `Range: bytes=<from>-`; resolves { status, bytes, sha256 }. */
function download(url, name, from) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/uploads/${name}`, { headers: { Range: `bytes=${from}-` } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        hash.update(c);
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, sha256: hash.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Runs `op` against the app and measures it on the app's and the S3 server's processes. */
async function timed(app, op) {
  const pid = app.child.pid;
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM := VmRSS
  const before = memory(pid);
  const cpu0 = cpuMs(pid);
  const server0 = cloud.serverCpuMs('s3');
  const t0 = process.hrtime.bigint();
  const result = await op();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = memory(pid);
  const server1 = cloud.serverCpuMs('s3');
  return {
    result,
    ms,
    peakRss: after.hwm,
    rssGrowth: after.hwm - before.rss,
    cpuMs: cpuMs(pid) - cpu0,
    serverCpuMs: server0 == null || server1 == null ? null : server1 - server0,
  };
}

/** One fresh app: warm-up, the timed upload, the timed ranged download, cleanup. */
async function measureOnce(impl, addon, size, admin) {
  const app = await startApp(impl, addon);
  try {
    const warm = await upload(app.url, MiB);
    if (warm.status !== 201) throw new Error(`${impl}: warm-up upload answered ${warm.status}: ${warm.body}\n${app.output()}`);
    const warmName = JSON.parse(warm.body).name;
    await download(app.url, warmName, RANGE_START);
    await admin.del([`uploads/${warmName}`]);

    const up = await timed(app, () => upload(app.url, size));
    if (up.result.status !== 201) throw new Error(`${impl}: upload answered ${up.result.status}: ${up.result.body}\n${app.output()}`);
    const stored = JSON.parse(up.result.body);
    // multer-s3 counts no size for a streamed part; the download below checks every stored byte.
    if (impl !== 'multer-s3' && stored.size !== size) throw new Error(`${impl}: stored ${stored.size} bytes, sent ${size}`);
    if (stored.sha256 && stored.sha256 !== up.result.sha256) throw new Error(`${impl}: the app's SHA-256 differs from what was sent`);

    const down = await timed(app, () => download(app.url, stored.name, RANGE_START));
    const d = down.result;
    if (d.status !== 206 || d.bytes !== size - RANGE_START || d.sha256 !== up.result.rangedSha256) {
      throw new Error(`${impl}: the ranged download came back ${d.status}, ${d.bytes} bytes, ${d.sha256 === up.result.rangedSha256 ? 'same' : 'other'} bytes`);
    }
    await admin.del([`uploads/${stored.name}`]);
    const strip = ({ result, ...m }) => m;
    return { upload: strip(up), download: strip(down) };
  } finally {
    await stopApp(app);
  }
}

function compile() {
  const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
  process.stdout.write('  compiling stowage/nest and examples/nest-app ... ');
  execFileSync(tsc, ['-p', join(REPO, 'tsconfig.build.json')], { cwd: REPO, stdio: 'inherit' });
  execFileSync(tsc, ['-p', join(REPO, 'examples', 'nest-app', 'tsconfig.json')], { cwd: REPO, stdio: 'inherit' });
  console.log('done');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMiB = (b) => `${(b / MiB).toFixed(0)} MiB`;

function summarize(runs) {
  const rows = [];
  for (const op of ['upload', 'download']) {
    for (const impl of IMPLS) {
      const ms = runs.filter((r) => r.impl === impl && !r.error).map((r) => r[op]);
      const failed = runs.filter((r) => r.impl === impl && r.error).length;
      if (!ms.length) continue;
      const pick = (k) => median(ms.map((m) => m[k]));
      rows.push({
        op,
        impl,
        ms: pick('ms'),
        min: Math.min(...ms.map((m) => m.ms)),
        max: Math.max(...ms.map((m) => m.ms)),
        peakRss: pick('peakRss'),
        rssGrowth: pick('rssGrowth'),
        maxRssGrowth: Math.max(...ms.map((m) => m.rssGrowth)),
        cpuMs: pick('cpuMs'),
        serverCpuMs: ms.every((m) => m.serverCpuMs != null) ? pick('serverCpuMs') : null,
        failed,
      });
    }
  }
  for (const r of rows) {
    const base = rows.find((x) => x.op === r.op && x.impl === 'multer-s3');
    r.vsMulterS3 = base ? base.ms / r.ms : null;
  }
  return rows;
}

function markdown(result) {
  const e = result.env;
  const lines = [
    `Measured ${e.date.slice(0, 10)} on ${e.cpus}, ${e.memory}, Linux ${e.kernel}, Node ${e.node};`,
    `S3 server: ${e.server}; Stowage ${e.stowageCommit} (release build); NestJS ${e.nest}, multer ${e.multer}, multer-s3 ${e.multerS3}, @aws-sdk/client-s3 ${e.sdk};`,
    `${result.size / MiB} MiB uploaded as multipart/form-data, downloaded with \`Range: bytes=${RANGE_START}-\`; median of ${result.rounds} rounds, each a fresh app process, warm;`,
    `load average (1/5/15 min) ${e.loadAverageAtStart} at the start, ${e.loadAverageAtEnd} at the end.`,
    '',
    '| step | app | median | min–max | throughput | app peak RSS (+ growth, max growth) | CPU time: app / S3 server | vs multer-s3 |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of result.rows) {
    const bytes = r.op === 'upload' ? result.size : result.size - RANGE_START;
    lines.push(
      `| ${r.op} | ${LABELS[r.impl]} | ${fmtMs(r.ms)} | ${fmtMs(r.min)}–${fmtMs(r.max)} | ${(bytes / MiB / (r.ms / 1000)).toFixed(0)} MiB/s | ` +
        `${fmtMiB(r.peakRss)} (+${(r.rssGrowth / MiB).toFixed(0)}, max +${(r.maxRssGrowth / MiB).toFixed(0)}) | ` +
        `${fmtMs(r.cpuMs)} / ${r.serverCpuMs == null ? '—' : fmtMs(r.serverCpuMs)} | ${r.vsMulterS3 == null ? '' : `${r.vsMulterS3.toFixed(2)}x`} |`,
    );
  }
  const failures = result.runs.filter((r) => r.error);
  if (failures.length) {
    lines.push('', 'Failed measurements (not in the medians):', '');
    for (const f of failures) lines.push(`- round ${f.round + 1}, ${LABELS[f.impl]}: ${f.error}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `--only nest`: measures, prints the table, writes PREFIX.json and PREFIX.md. */
async function runNest(o, environment) {
  const size = o.quick ? 256 * MiB : 1024 * MiB;
  const addon = process.env.STOWAGE_NODE || fs.readdirSync(join(__dirname, '.build')).map((f) => join(__dirname, '.build', f)).find((f) => f.endsWith('.node'));
  if (!addon) throw new Error('no release build in bench/.build: run bench/build.sh (see bench/README.md)');
  if (!fs.existsSync(join(__dirname, 'node_modules', 'multer-s3'))) {
    console.log('installing the bench dependencies into bench/node_modules ...');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: __dirname, stdio: 'inherit' });
  }
  const servers = cloud.ensureServers(['s3']);
  try {
    compile();
    const env = environment(os.tmpdir());
    const version = (pkg, from = __dirname) => require(require.resolve(`${pkg}/package.json`, { paths: [from] })).version;
    Object.assign(env, {
      server: `moto ${cloud.serverVersions().moto}`,
      nest: version('@nestjs/core', REPO),
      multer: version('multer'),
      multerS3: version('multer-s3'),
      sdk: version('@aws-sdk/client-s3'),
    });
    const admin = cloud.admin('s3');
    const runs = [];
    for (let round = 0; round < o.rounds; round += 1) {
      for (let k = 0; k < IMPLS.length; k += 1) {
        const impl = IMPLS[(k + round) % IMPLS.length];
        let m;
        try {
          m = await measureOnce(impl, addon, size, admin);
        } catch (e) {
          // Recorded and shown in the table (a failed upload is a result too); the run goes on.
          const error = String(e.message).split('\n')[0];
          runs.push({ round, impl, error });
          console.log(`  round ${round + 1}/${o.rounds} ${impl.padEnd(9)} FAILED: ${error}`);
          continue;
        }
        runs.push({ round, impl, ...m });
        console.log(
          `  round ${round + 1}/${o.rounds} ${impl.padEnd(9)} upload ${fmtMs(m.upload.ms)} +${fmtMiB(m.upload.rssGrowth)}, ` +
            `download ${fmtMs(m.download.ms)} +${fmtMiB(m.download.rssGrowth)}`,
        );
      }
    }
    env.loadAverageAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    const result = { env, size, rangeStart: RANGE_START, rounds: o.rounds, rows: summarize(runs), runs };
    fs.mkdirSync(join(o.out, '..'), { recursive: true });
    fs.writeFileSync(`${o.out}.json`, `${JSON.stringify(result, null, 2)}\n`);
    fs.writeFileSync(`${o.out}.md`, markdown(result));
    console.log(`\n${markdown(result)}\nwrote ${o.out}.{json,md}`);
  } finally {
    if (servers.started) cloud.stopServers();
  }
}

module.exports = { runNest };
