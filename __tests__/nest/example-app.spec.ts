// End-to-end test of examples/nest-app: starts it with `bash scripts/example.sh` (what
// `npm run example` runs) on a free port and makes real HTTP requests.
// It runs once per storage type: STOWAGE_E2E_TYPES=LOCAL,S3,AZURE_BLOB, by default LOCAL plus S3
// and Azure when the local test servers' variables are set (scripts/test-servers.sh, npm test).
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { tempDir } from './helpers';
import { multipart as multipartBody, send } from './http-helpers';

/** The repo root; scripts/test-nest12.sh runs a copy of this spec from elsewhere and says where. */
const REPO = process.env.STOWAGE_REPO ?? join(__dirname, '..', '..');
const DEFAULT_TYPES = [
  'LOCAL',
  process.env.STOWAGE_TEST_S3_ENDPOINT ? 'S3' : '',
  process.env.STOWAGE_TEST_AZURE_CONNECTION_STRING ? 'AZURE_BLOB' : '',
].join(',');
const TYPES = (process.env.STOWAGE_E2E_TYPES || DEFAULT_TYPES).split(',').filter(Boolean);

/**
 * The app's variables for a storage type. LOCAL gets a fresh root; S3 and Azure take the local test
 * servers' variables when scripts/test-servers.sh started them (STOWAGE_TEST_*), else whatever
 * AWS_* / AZURE_* variables are set.
 */
function storageEnv(storageType: string, localRoot: string): NodeJS.ProcessEnv {
  const t = process.env;
  const given = (entries: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  switch (storageType) {
    case 'LOCAL':
      return { STORAGE_LOCAL_ROOT: localRoot };
    case 'S3':
      return given({
        AWS_ENDPOINT_URL: t.STOWAGE_TEST_S3_ENDPOINT,
        AWS_S3_BUCKET: t.STOWAGE_TEST_S3_BUCKET,
        AWS_REGION: t.STOWAGE_TEST_S3_REGION,
        AWS_ACCESS_KEY_ID: t.STOWAGE_TEST_S3_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: t.STOWAGE_TEST_S3_SECRET_ACCESS_KEY,
      });
    case 'AZURE_BLOB':
      return given({
        AZURE_STORAGE_CONNECTION_STRING: t.STOWAGE_TEST_AZURE_CONNECTION_STRING,
        AZURE_CONTAINER_NAME: t.STOWAGE_TEST_AZURE_CONTAINER,
      });
    default:
      return {};
  }
}
const RETENTION_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first start compiles; later ones (other storage types) reuse what it compiled. */
let compiled = false;

function startApp(env: NodeJS.ProcessEnv): Promise<{ app: ChildProcess; url: string; output: () => string }> {
  const app = spawn('bash', ['scripts/example.sh'], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVELS: 'log,warn,error,debug',
      ...(compiled ? { STOWAGE_EXAMPLE_NO_BUILD: '1' } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        compiled = true;
        resolve({ app, url: match[1], output: () => output });
      }
    };
    app.stdout!.on('data', onData);
    app.stderr!.on('data', onData);
    app.on('exit', (code) => reject(new Error(`example exited with ${code} before listening:\n${output}`)));
  });
}

function stopApp(app: ChildProcess): Promise<void> {
  if (app.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    app.once('exit', () => resolve());
    app.kill('SIGTERM');
  });
}

function multipart(name: string, data: Buffer): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), name);
  return form;
}

describe.each(TYPES)('examples/nest-app on %s', (storageType) => {
  let app: ChildProcess;
  let url: string;
  let output: () => string;
  const dataDir = tempDir();

  beforeAll(async () => {
    ({ app, url, output } = await startApp({
      STORAGE_TYPE: storageType,
      SEGMENT_RETENTION_MS: String(RETENTION_MS),
      // The app's own every-5-minutes cleanup could run between this spec's writes and its request.
      SCHEDULED_JOBS: 'off',
      ...storageEnv(storageType, dataDir.path),
    }));
  }, 15 * 60 * 1000);

  afterAll(async () => {
    if (app) await stopApp(app);
    dataDir.remove();
  });

  it('stores an upload and answers with the SHA-256 of its bytes', async () => {
    const data = randomBytes(64 * 1024 + 7);
    const response = await fetch(`${url}/uploads`, { method: 'POST', body: multipart('photo.png', data) });
    expect(response.status).toBe(201);
    const upload = (await response.json()) as { name: string; size: number; sha256: string };
    expect(upload).toMatchObject({
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    expect(upload.name).toMatch(/\.png$/);

    const list = (await (await fetch(`${url}/uploads`)).json()) as { files: string[] };
    expect(list.files).toContain(upload.name);
    const download = await fetch(`${url}/uploads/${upload.name}`);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
  });

  it('downloads a byte range (206), answers 416 past the end and 304 to a matching ETag', async () => {
    const data = randomBytes(10_000);
    const { name } = await (await fetch(`${url}/uploads`, { method: 'POST', body: multipart('clip.mp4', data) })).json();

    const part = await fetch(`${url}/uploads/${name}?as=${encodeURIComponent('clip 年.mp4')}`, {
      headers: { Range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);
    expect(part.headers.get('content-disposition')).toContain("filename*=UTF-8''clip%20%E5%B9%B4.mp4");

    const past = await fetch(`${url}/uploads/${name}`, { headers: { Range: 'bytes=20000-' } });
    expect(past.status).toBe(416);
    await past.arrayBuffer();

    const etag = (await fetch(`${url}/uploads/${name}`, { method: 'HEAD' })).headers.get('etag')!;
    // Node's http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, which
    // rightly asks for the full answer.
    const cached = await send(`${url}/uploads/${name}`, { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
  });

  it('keeps nothing of an upload the client aborts', async () => {
    const before = ((await (await fetch(`${url}/uploads`)).json()) as { files: string[] }).files;
    const form = multipartBody('file', 'aborted.bin', Buffer.alloc(0));
    const req = httpRequest(`${url}/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': form.contentType, 'Content-Length': String(form.head.length + 64 * 1024 * 1024) },
    });
    req.on('error', () => {});
    req.write(form.head);
    req.write(randomBytes(2 * 1024 * 1024));
    await sleep(300);
    req.destroy();
    await sleep(500);
    const after = ((await (await fetch(`${url}/uploads`)).json()) as { files: string[] }).files;
    expect(after.sort()).toEqual(before.sort());
  });

  it('maps storage errors to HTTP statuses without naming paths', async () => {
    const missing = await fetch(`${url}/uploads/missing.png`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ statusCode: 404, code: 'ENOENT', message: 'File not found' });
  });

  it('reports the storage as up on /health', async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', info: { storage: { status: 'up', type: storageType } } });
  });

  it('deletes files marked for deletion when the cleanup job runs', async () => {
    const upload = (await (
      await fetch(`${url}/uploads`, { method: 'POST', body: multipart('doc.txt', Buffer.from('bye')) })
    ).json()) as { name: string; path: string };

    expect((await fetch(`${url}/uploads/${upload.name}`, { method: 'DELETE' })).status).toBe(202);
    const run = (await (await fetch(`${url}/cleanup/run`, { method: 'POST' })).json()) as { deleted: string[] };
    expect(run.deleted).toContain(upload.path);

    const list = (await (await fetch(`${url}/uploads`)).json()) as { files: string[] };
    expect(list.files).not.toContain(upload.name);
    expect((await fetch(`${url}/uploads/${upload.name}`)).status).toBe(404);
  });

  it('keeps replay segments per session, lists them by name and cleans old ones', async () => {
    const userId = `u-${randomUUID()}`;
    const start = await fetch(`${url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    expect(start.status).toBe(201);
    const session = (await start.json()) as { timestamp: string; dir: string };
    expect(session.dir).toBe(`replay-segments/${userId}/${session.timestamp}`);
    const segments = `${url}/sessions/${userId}/${session.timestamp}/segments`;
    const put = (name: string) =>
      fetch(`${segments}/${name}`, { method: 'PUT', body: multipart(name, randomBytes(1000)) }).then((r) => r.status);

    expect(await fetch(segments).then((r) => r.json())).toEqual({ segments: [] });
    expect([await put('segment-2.ts'), await put('segment-1.ts'), await put('playlist.m3u8')]).toEqual([200, 200, 200]);
    const listed = (await (await fetch(segments)).json()) as { segments: { name: string; size: number }[] };
    expect(listed.segments.map((s) => [s.name, s.size])).toEqual([
      ['segment-1.ts', 1000],
      ['segment-2.ts', 1000],
    ]);

    await sleep(RETENTION_MS + 1500);
    expect(await put('segment-3.ts')).toBe(200);
    const cleanup = (await (await fetch(`${url}/sessions/cleanup`, { method: 'POST' })).json()) as { deleted: number };
    expect(cleanup.deleted).toBeGreaterThanOrEqual(3);
    const after = (await (await fetch(segments)).json()) as { segments: { name: string }[] };
    expect(after.segments.map((s) => s.name)).toEqual(['segment-3.ts']);

    expect((await fetch(`${url}/sessions/${userId}/${session.timestamp}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(segments)).status).toBe(404);
  });

  it('hands out a signed GET URL that serves the upload (LOCAL: Stowage, S3/Azure: the store)', async () => {
    const data = randomBytes(3000);
    const { name } = await (await fetch(`${url}/uploads`, { method: 'POST', body: multipart('s.bin', data) })).json();
    const { url: signed } = await (await fetch(`${url}/uploads/${name}/signed-url`)).json();
    const get = await fetch(new URL(signed, url));
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
  });

  if (storageType === 'LOCAL') {
    it('round-trips a signed URL on LOCAL (PUT then GET) and refuses a tampered one', async () => {
      const name = `${randomUUID()}.txt`;
      const { url: putUrl } = await (await fetch(`${url}/uploads/${name}/signed-url`, { method: 'POST' })).json();
      const put = await fetch(new URL(putUrl, url), { method: 'PUT', body: 'signed upload' });
      expect(put.status).toBe(201);

      const { url: getUrl } = await (await fetch(`${url}/uploads/${name}/signed-url`)).json();
      const get = await fetch(new URL(getUrl, url));
      expect(get.status).toBe(200);
      expect(await get.text()).toBe('signed upload');

      const tampered = new URL(getUrl, url);
      tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 86_400));
      expect((await fetch(tampered)).status).toBe(403);
      expect((await fetch(new URL(getUrl, url), { method: 'PUT', body: 'overwrite' })).status).toBe(403);
      expect((await fetch(new URL(getUrl.replace(name, 'other.txt'), url))).status).toBe(403);
    });

    it('streams a 1 GiB upload with the RSS growing by less than 64 MiB', async () => {
      const pid = app.pid!;
      const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
      const baseline = rss();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);

      const total = 1024 ** 3;
      const chunk = randomBytes(1024 * 1024);
      const hash = createHash('sha256');
      const form = multipartBody('file', 'big.bin', Buffer.alloc(0));
      const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          `${url}/uploads`,
          {
            method: 'POST',
            headers: { 'Content-Type': form.contentType, 'Content-Length': String(form.head.length + total + form.tail.length) },
          },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            hash.update(chunk);
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end(form.tail);
        };
        req.write(form.head);
        pump();
      });
      clearInterval(sampler);
      peak = Math.max(peak, rss());

      expect(result.status).toBe(201);
      const stored = JSON.parse(result.body);
      expect(stored).toMatchObject({ size: total, sha256: hash.digest('hex') });
      if (process.env.STOWAGE_E2E_REPORT_RSS) console.log(`RSS growth ${((peak - baseline) / 2 ** 20).toFixed(1)} MiB`);
      expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
      await fetch(`${url}/uploads/${stored.name}`, { method: 'DELETE' });
      await fetch(`${url}/cleanup/run`, { method: 'POST' });
    }, 120_000);
  }

  it('refuses names that would leave their folder', async () => {
    expect((await fetch(`${url}/uploads/..%2Fsecret`)).status).toBe(400);
  });

  it('logs Stowage events through Nest’s logger', async () => {
    await sleep(100);
    expect(output()).toMatch(/\[StorageService\]/);
  });
});
