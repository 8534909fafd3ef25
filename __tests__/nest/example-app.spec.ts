// End-to-end test of examples/nest-app: starts it with `bash scripts/example.sh` (what
// `npm run example` runs) on a free port and makes real HTTP requests.
// STOWAGE_E2E_TYPES=LOCAL,S3,AZURE_BLOB runs it once per storage type (LOCAL by default); the S3
// and Azure runs take their variables (AWS_*, AZURE_*) from the environment.
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from './helpers';

const REPO = join(__dirname, '..', '..');
const TYPES = (process.env.STOWAGE_E2E_TYPES ?? 'LOCAL').split(',').filter(Boolean);
const RETENTION_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startApp(env: NodeJS.ProcessEnv): Promise<{ app: ChildProcess; url: string; output: () => string }> {
  const app = spawn('bash', ['scripts/example.sh'], {
    cwd: REPO,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVELS: 'log,warn,error,debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ app, url: match[1], output: () => output });
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
    const env: NodeJS.ProcessEnv = { STORAGE_TYPE: storageType, SEGMENT_RETENTION_MS: String(RETENTION_MS) };
    if (storageType === 'LOCAL') env.STORAGE_LOCAL_ROOT = dataDir.path;
    ({ app, url, output } = await startApp(env));
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
    expect(Buffer.from(await download.arrayBuffer())).toEqual(data);
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

  it('refuses names that would leave their folder', async () => {
    expect((await fetch(`${url}/uploads/..%2Fsecret`)).status).toBe(400);
  });

  it('logs Stowage events through Nest’s logger', async () => {
    await sleep(100);
    expect(output()).toMatch(/\[StorageService\]/);
  });
});
