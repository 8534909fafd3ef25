// The workloads. Each one: what the parent prepares on disk, what the child runs (timed), what
// the result must say, and what the parent checks on disk afterwards. Nothing counts unless
// the check passes, so nothing looks fast by doing nothing.
//
// `backend` says which storage a workload runs on: `local` (a directory, --dir), or an object
// store on a local server: `s3` (moto), `s3s` (the same S3 workloads on s3s-fs) and `azure`
// (Azurite). A cloud workload's `dir` is a key prefix; the runner prepares and checks it through
// the official SDK (cloud.js `admin`), outside the timing.
'use strict';

const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { join } = require('node:path');
const { smallContent, smallOk, smallPath, dirPath, bigContent, sample, listName } = require('./data');

const MiB = 1024 * 1024;

/** The sizes of a full run; --quick keeps them (the ratios depend on them) and runs fewer repeats. */
const PARAMS = {
  files: 10_000,
  dirs: 100,
  size: 4096,
  inFlight: 64,
  listEntries: 100_000,
  oldFiles: 50_000,
  bigSize: 256 * MiB,
  // object stores
  objects: 1000,
  objectsInFlight: 16,
  bigObject: 64 * MiB,
};

/** Runs `fn(i)` for i < n with at most `limit` in flight. */
async function inFlight(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

// ---- fixtures (parent, synchronous, outside any timing) ----

function buildTree(root, p) {
  fs.mkdirSync(root, { recursive: true });
  for (let d = 0; d < p.dirs; d += 1) fs.mkdirSync(dirPath(root, d), { recursive: true });
  for (let i = 0; i < p.files; i += 1) fs.writeFileSync(smallPath(root, i, p.dirs), smallContent(i, p.size));
}

/** Checks a written tree: exactly the expected files (no temp files left), right contents. */
function checkTree(root, p) {
  let count = 0;
  for (const d of fs.readdirSync(root)) count += fs.readdirSync(join(root, d)).length;
  if (count !== p.files) throw new Error(`tree has ${count} entries, expected ${p.files}`);
  for (let i = 0; i < p.files; i += 1) {
    if (!smallOk(i, p.size, fs.readFileSync(smallPath(root, i, p.dirs)))) throw new Error(`file ${i} is wrong`);
  }
}

function buildList(root, p) {
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < p.listEntries; i += 1) fs.closeSync(fs.openSync(join(root, listName(i)), 'w'));
}

/** `oldFiles` files of `size` bytes; the even ones an hour old (before the 20-minute cutoff). */
function buildOld(root, p) {
  fs.mkdirSync(root, { recursive: true });
  const hourAgo = new Date(Date.now() - 3_600_000);
  const buf = Buffer.alloc(p.size, 7);
  for (let i = 0; i < p.oldFiles; i += 1) {
    const file = join(root, `seg-${String(i).padStart(6, '0')}.ts`);
    fs.writeFileSync(file, buf);
    if (i % 2 === 0) fs.utimesSync(file, hourAgo, hourAgo);
  }
}

const bigCache = new Map();
/** The big file's bytes, SHA-256 and sample, for `size` bytes (default: the local big file's). */
function big(p, size = p.bigSize) {
  if (!bigCache.has(size)) {
    const buf = bigContent(size);
    bigCache.set(size, { buf, sha: createHash('sha256').update(buf).digest('hex'), sample: sample(buf) });
  }
  return bigCache.get(size);
}

function sumEvenBelow(n) {
  let s = 0;
  for (let i = 0; i < n; i += 2) s += i;
  return s;
}

// ---- object stores ----

/** Key of small object `i` under a prefix (which ends in its separator). */
const objectKey = (prefix, i) => `${prefix}obj-${String(i).padStart(6, '0')}.bin`;
const BIG_KEY = 'big.bin';
const STORE = { s3: 'S3 (moto)', s3s: 'S3 (s3s-fs)', azure: 'Azure Blob (Azurite)', gcs: 'GCS (fake-gcs-server)' };

/**
 * Issue 26's targets for the cloud rows (bench/README.md, "Object stores"). Small objects: wall
 * time within 1.10x of the object_store floor (what the server allows any client), and client CPU
 * per request at most a quarter of the official SDK's. Large objects: at least as fast as the
 * official SDK, with a peak RSS growth no larger than the object.
 */
const SMALL_TARGET = { of: 'floor-object-store', within: 1.1, cpuShareOfSdk: 0.25 };
const BIG_TARGET = { of: 'sdk', speedup: 1.0, maxGrowthOfObject: 1 };

/** Removes every key that starts with `prefix`. */
async function emptyPrefix(admin, prefix) {
  await admin.del(await admin.list(prefix));
}

/**
 * The four workloads of one object store. Puts go to `bench/<workload>/<impl>/`, three levels
 * deep as the replay segments are (`<root>/<user>/<session>/<file>`), emptied before each
 * measurement; gets read the shared fixtures under `bench/fixtures-*`.
 *
 * On s3s-fs the puts use flat keys at the bucket root (`<workload>.<impl>.obj-….bin`): it keeps
 * keys as files on disk, and answers a HEAD of a key that is a directory there (`bench`, once
 * `bench/x` exists) with 500, so Stowage's parent checks could not pass (see README).
 */
function cloudWorkloads(backend) {
  const putPrefix = (w) => (impl) => (backend === 's3s' ? `${w}.${impl}.` : `bench/${w}/${impl}/`);
  return [
    {
      name: `${backend}_put_small`,
      backend,
      title: `${STORE[backend]}: put 1,000 × 4 KiB, 16 in flight`,
      unit: 'objects',
      target: SMALL_TARGET,
      keyPrefix: putPrefix(`${backend}_put_small`),
      prepare: (prefix, p, admin) => emptyPrefix(admin, prefix),
      childSetup: (p) => Array.from({ length: p.objects }, (_, i) => smallContent(i, p.size)),
      async run(impl, prefix, p, contents) {
        await inFlight(p.objects, p.objectsInFlight, (i) => impl.writeFile(objectKey(prefix, i), contents[i]));
        return { ops: p.objects, bytes: p.objects * p.size, check: `put ${p.objects}` };
      },
      expect: (p) => `put ${p.objects}`,
      async verify(prefix, p, admin) {
        const keys = await admin.list(prefix);
        if (keys.length !== p.objects) throw new Error(`${keys.length} objects under ${prefix}, expected ${p.objects}`);
        const bad = [];
        await inFlight(p.objects, 16, async (i) => {
          if (!smallOk(i, p.size, await admin.get(objectKey(prefix, i)))) bad.push(i);
        });
        if (bad.length) throw new Error(`${bad.length} objects read back wrong (first: ${bad[0]})`);
      },
      cleanup: (prefix, p, admin) => emptyPrefix(admin, prefix),
    },
    {
      name: `${backend}_get_small`,
      backend,
      title: `${STORE[backend]}: get 1,000 × 4 KiB, 16 in flight`,
      unit: 'objects',
      target: SMALL_TARGET,
      shared: 'objects',
      async run(impl, prefix, p) {
        let bytes = 0;
        await inFlight(p.objects, p.objectsInFlight, async (i) => {
          const buf = await impl.readFile(objectKey(prefix, i));
          if (!smallOk(i, p.size, buf)) throw new Error(`object ${i} has the wrong content`);
          bytes += buf.length;
        });
        return { ops: p.objects, bytes, check: `got ${p.objects} objects, ${bytes} bytes` };
      },
      expect: (p) => `got ${p.objects} objects, ${p.objects * p.size} bytes`,
    },
    {
      name: `${backend}_put_big`,
      backend,
      title: `${STORE[backend]}: put one 64 MiB object`,
      unit: 'MiB',
      target: BIG_TARGET,
      keyPrefix: putPrefix(`${backend}_put_big`),
      prepare: (prefix, p, admin) => emptyPrefix(admin, prefix),
      childSetup: (p) => bigContent(p.bigObject),
      async run(impl, prefix, p, buf) {
        await impl.writeFile(`${prefix}${BIG_KEY}`, buf);
        return { ops: 1, bytes: buf.length, check: `put ${buf.length}` };
      },
      expect: (p) => `put ${p.bigObject}`,
      async verify(prefix, p, admin) {
        const keys = await admin.list(prefix);
        if (keys.length !== 1) throw new Error(`${keys.length} objects under ${prefix}, expected 1`);
        const got = await admin.get(`${prefix}${BIG_KEY}`);
        if (got.length !== p.bigObject || sha256(got) !== big(p, p.bigObject).sha) throw new Error('the big object has the wrong bytes');
      },
      cleanup: (prefix, p, admin) => emptyPrefix(admin, prefix),
    },
    {
      name: `${backend}_get_big`,
      backend,
      title: `${STORE[backend]}: get one 64 MiB object`,
      unit: 'MiB',
      target: BIG_TARGET,
      shared: 'bigObject',
      async run(impl, prefix) {
        const buf = await impl.readFile(`${prefix}${BIG_KEY}`);
        return { ops: 1, bytes: buf.length, check: `got ${buf.length} sample ${sample(buf)}` };
      },
      expect: (p) => `got ${p.bigObject} sample ${big(p, p.bigObject).sample}`,
    },
  ];
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** The shared fixtures of the object stores: uploaded once per run (per server) by the runner. */
const CLOUD_SHARED = {
  objects: {
    prefix: 'bench/fixtures-small/',
    async build(admin, prefix, p) {
      await emptyPrefix(admin, prefix);
      await inFlight(p.objects, 16, (i) => admin.put(objectKey(prefix, i), smallContent(i, p.size)));
    },
  },
  bigObject: {
    prefix: 'bench/fixtures-big/',
    async build(admin, prefix, p) {
      await emptyPrefix(admin, prefix);
      await admin.put(`${prefix}${BIG_KEY}`, big(p, p.bigObject).buf);
    },
  },
};

// ---- the workloads ----

const WORKLOADS = [
  {
    name: 'write_small',
    backend: 'local',
    title: 'writeFile 10,000 × 4 KiB, 64 in flight, 100 dirs',
    unit: 'files',
    target: { of: 'fs/promises', speedup: 2 },
    prepare: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
    childSetup: (p) => Array.from({ length: p.files }, (_, i) => smallContent(i, p.size)),
    async run(impl, dir, p, contents) {
      await inFlight(p.dirs, p.inFlight, (d) => impl.ensureDirectory(dirPath(dir, d)));
      await inFlight(p.files, p.inFlight, (i) => impl.writeFile(smallPath(dir, i, p.dirs), contents[i]));
      return { ops: p.files, bytes: p.files * p.size, check: `wrote ${p.files}` };
    },
    expect: (p) => `wrote ${p.files}`,
    verify: (dir, p) => checkTree(dir, p),
    cleanup: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  },
  {
    name: 'read_small',
    backend: 'local',
    title: 'readFile the 10,000 files, 64 in flight',
    unit: 'files',
    target: { of: 'fs/promises', speedup: 3 },
    shared: 'tree',
    async run(impl, dir, p) {
      let bytes = 0;
      await inFlight(p.files, p.inFlight, async (i) => {
        const buf = await impl.readFile(smallPath(dir, i, p.dirs));
        if (!smallOk(i, p.size, buf)) throw new Error(`file ${i} has the wrong content`);
        bytes += buf.length;
      });
      return { ops: p.files, bytes, check: `read ${p.files} files, ${bytes} bytes` };
    },
    expect: (p) => `read ${p.files} files, ${p.files * p.size} bytes`,
  },
  {
    name: 'stat_small',
    backend: 'local',
    title: 'getFileStats + fileExists on the 10,000 files, 64 in flight',
    unit: 'files',
    target: { of: 'fs/promises', speedup: 3 },
    shared: 'tree',
    async run(impl, dir, p) {
      let bytes = 0;
      await inFlight(p.files, p.inFlight, async (i) => {
        const path = smallPath(dir, i, p.dirs);
        const st = await impl.getFileStats(path);
        if (!(st.mtime instanceof Date) || !(await impl.fileExists(path))) throw new Error(`file ${i}: bad stats`);
        bytes += st.size;
      });
      return { ops: p.files, bytes, check: `stat ${p.files} files, ${bytes} bytes` };
    },
    expect: (p) => `stat ${p.files} files, ${p.files * p.size} bytes`,
  },
  {
    name: 'list_big',
    backend: 'local',
    title: 'listFiles with a filter, directory of 100,000 entries',
    unit: 'entries',
    target: { of: 'fs/promises', speedup: 1.5 },
    shared: 'list',
    async run(impl, dir, p) {
      const kept = await impl.listFiles(dir, { filter: (name) => name.endsWith('.ts') });
      let sum = 0;
      for (const name of kept) sum += Number(name.slice(4, 10));
      return { ops: p.listEntries, bytes: 0, check: `kept ${kept.length} sum ${sum}` };
    },
    expect: (p) => `kept ${Math.ceil(p.listEntries / 2)} sum ${sumEvenBelow(p.listEntries)}`,
  },
  {
    name: 'delete_old',
    backend: 'local',
    title: 'deleteOldFiles on 50,000 files, half older than the cutoff',
    unit: 'entries',
    target: { of: 'fs/promises', speedup: 5 },
    prepare(dir, p) {
      fs.rmSync(dir, { recursive: true, force: true });
      buildOld(dir, p);
    },
    async run(impl, dir, p) {
      const deleted = await impl.deleteOldFiles(dir, new Date(Date.now() - 20 * 60_000));
      return { ops: p.oldFiles, bytes: 0, check: `deleted ${deleted}` };
    },
    expect: (p) => `deleted ${Math.ceil(p.oldFiles / 2)}`,
    verify(dir, p) {
      const left = fs.readdirSync(dir);
      const young = left.filter((n) => Number(n.slice(4, 10)) % 2 === 1).length;
      if (left.length !== Math.floor(p.oldFiles / 2) || young !== left.length) {
        throw new Error(`${left.length} files left (${young} young), expected ${Math.floor(p.oldFiles / 2)} young`);
      }
    },
    cleanup: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  },
  {
    name: 'write_big',
    backend: 'local',
    title: 'writeFile one 256 MiB file',
    unit: 'MiB',
    target: { of: 'floor', within: 1.2 },
    prepare: (dir) => fs.mkdirSync(dir, { recursive: true }),
    childSetup: (p) => bigContent(p.bigSize),
    async run(impl, dir, p, buf) {
      await impl.writeFile(join(dir, 'big-written.bin'), buf);
      return { ops: 1, bytes: buf.length, check: `wrote ${buf.length}` };
    },
    expect: (p) => `wrote ${p.bigSize}`,
    verify(dir, p) {
      const got = createHash('sha256').update(fs.readFileSync(join(dir, 'big-written.bin'))).digest('hex');
      if (got !== big(p).sha) throw new Error('the written big file has the wrong bytes');
      if (fs.readdirSync(dir).length !== 1) throw new Error('a temp file was left next to the big file');
    },
    cleanup: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  },
  {
    name: 'read_big',
    backend: 'local',
    title: 'readFile one 256 MiB file',
    unit: 'MiB',
    target: { of: 'floor', within: 1.2 },
    shared: 'big',
    async run(impl, dir) {
      const buf = await impl.readFile(join(dir, 'big.bin'));
      return { ops: 1, bytes: buf.length, check: `read ${buf.length} sample ${sample(buf)}` };
    },
    expect: (p) => `read ${p.bigSize} sample ${big(p).sample}`,
  },
  {
    name: 'sha256_big',
    backend: 'local',
    title: 'SHA-256 of a 256 MiB file: readFile + createHash',
    unit: 'MiB',
    shared: 'big',
    async run(impl, dir) {
      const buf = await impl.readFile(join(dir, 'big.bin'));
      const hex = createHash('sha256').update(buf).digest('hex');
      return { ops: 1, bytes: buf.length, check: `sha256 ${hex}` };
    },
    expect: (p) => `sha256 ${big(p).sha}`,
  },
  {
    // Stowage's native checksum (`checksum(path, 'sha256')`): runs wherever impl.checksum exists.
    name: 'sha256_native',
    backend: 'local',
    title: 'SHA-256 of a 256 MiB file: native checksum',
    unit: 'MiB',
    target: { asFastAs: 'sha256_big', maxGrowthMiB: 40 },
    shared: 'big',
    onlyWith: 'checksum',
    async run(impl, dir, p) {
      const hex = await impl.checksum(join(dir, 'big.bin'));
      return { ops: 1, bytes: p.bigSize, check: `sha256 ${hex}` };
    },
    expect: (p) => `sha256 ${big(p).sha}`,
  },
  {
    name: 'rmtree',
    backend: 'local',
    title: 'deleteDirectory recursive of the 10,000-file tree',
    unit: 'files',
    target: { of: 'fs/promises', speedup: 1.5 },
    prepare(dir, p) {
      fs.rmSync(dir, { recursive: true, force: true });
      buildTree(dir, p);
    },
    async run(impl, dir, p) {
      await impl.deleteDirectory(dir, { recursive: true, force: true });
      return { ops: p.files, bytes: 0, check: 'removed' };
    },
    expect: () => 'removed',
    verify(dir) {
      if (fs.existsSync(dir)) throw new Error('the tree is still there');
    },
    cleanup: (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  },
  ...['s3', 's3s', 'azure', 'gcs'].flatMap(cloudWorkloads),
];

/** The shared, read-only fixtures, built once per run of the script. */
const SHARED = {
  tree: (dir, p) => buildTree(dir, p),
  list: (dir, p) => buildList(dir, p),
  big(dir, p) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, 'big.bin'), big(p).buf);
  },
};

module.exports = { WORKLOADS, SHARED, CLOUD_SHARED, PARAMS, inFlight, MiB };
