// Signed URLs on LOCAL and MEMORY: getSignedUrl with a secret, served by the module's
// SignedUrlController over real HTTP; tampering and expiry get 403; no secret is ENOTSUP.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getStorageToken, StorageModule, StorageService } from 'stowage/nest';
import { tempDir } from './helpers';
import { listen, send } from './http-helpers';

async function start(imports: any[]): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  return { app, base: await listen(app) };
}

/** The URL with one query parameter replaced. */
function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

describe('signed URLs on LOCAL (default disk, secret as an option)', () => {
  let app: INestApplication;
  let base: string;
  let storage: StorageService;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    dir = tempDir();
    ({ app, base } = await start([
      StorageModule.forRoot({ storageType: 'LOCAL', local: { root: dir.path }, env: {}, signing: { secret: 's3cret' } }),
    ]));
    storage = app.get(StorageService);
    await storage.writeFile('reports/q1 résumé.pdf', 'quarterly numbers');
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  const signed = (path: string, options?: { method?: 'GET' | 'PUT'; expiresIn?: number }) =>
    storage.getSignedUrl(path, options).then((url) => `${base}${url}`);

  it('getSignedUrl returns an expiring URL that GET downloads, with Range support', async () => {
    const url = await signed('reports/q1 résumé.pdf', { expiresIn: 60 });
    expect(url).toMatch(/\/storage\/signed\/default\/reports%2Fq1%20r%C3%A9sum%C3%A9\.pdf\?provider=LOCAL&method=GET&expires=\d+&signature=/);
    const reply = await send(url);
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('quarterly numbers');
    expect(reply.headers['content-type']).toBe('application/pdf');

    const part = await send(url, { headers: { Range: 'bytes=0-8' } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe('quarterly');
  });

  it('a PUT URL uploads the request body through the streaming path', async () => {
    const data = Buffer.alloc(256 * 1024, 9);
    const url = await signed('incoming/put.bin', { method: 'PUT' });
    const reply = await send(url, { method: 'PUT', headers: { 'Content-Type': 'image/webp' }, body: data });
    expect(reply.status).toBe(201);
    expect(JSON.parse(reply.body.toString())).toEqual({
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    expect((await storage.readFile('incoming/put.bin')).equals(data)).toBe(true);
    // Stored with the type the upload sent, as S3 and Azure keep it (the name would give octet-stream).
    expect(await storage.getFileStats('incoming/put.bin')).toMatchObject({ contentType: 'image/webp' });
  });

  it('refuses (403) a changed path, method, expiry, provider or signature, and an expired URL', async () => {
    const url = await signed('reports/q1 résumé.pdf', { expiresIn: 60 });
    await storage.writeFile('reports/other.pdf', 'secret');
    const changedPath = url.replace('q1%20r%C3%A9sum%C3%A9.pdf', 'other.pdf');
    const expires = Number(new URL(url).searchParams.get('expires'));
    const cases = [
      await send(changedPath),
      await send(url, { method: 'PUT', body: 'overwrite' }),
      await send(withParam(url, 'expires', String(expires + 3600))),
      await send(withParam(url, 'provider', 'MEMORY')),
      await send(withParam(url, 'signature', 'A'.repeat(43))),
      await send(url.replace('/default/', '/uploads/')),
    ];
    for (const reply of cases) {
      expect(reply.status).toBe(403);
      expect(reply.body.toString()).not.toMatch(/quarterly|secret/);
    }
    expect((await storage.readFile('reports/q1 résumé.pdf')).toString()).toBe('quarterly numbers');

    const now = Date.now();
    const later = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    try {
      expect((await send(url)).status).toBe(403);
    } finally {
      later.mockRestore();
    }
  });

  it('an aborted PUT publishes nothing', async () => {
    const url = new URL(await signed('incoming/aborted.bin', { method: 'PUT' }));
    const req = httpRequest(url, { method: 'PUT', headers: { 'Content-Length': String(8 * 1024 * 1024) } });
    req.on('error', () => {});
    req.write(Buffer.alloc(256 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    req.destroy();
    const deadline = Date.now() + 5000;
    let left: string[];
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = readdirSync(`${dir.path}/incoming`).filter((name) => name !== 'put.bin');
    } while (left.length && Date.now() < deadline);
    expect(left).toEqual([]);
  });

  it('rejects bad options as the native getSignedUrl does', async () => {
    await expect(storage.getSignedUrl('a.txt', { expiresIn: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(storage.getSignedUrl('a.txt', { expiresIn: 604_801 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(storage.getSignedUrl('a.txt', { method: 'DELETE' as 'GET' })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('signed URLs on a named MEMORY disk (secret and base URL from the environment)', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('signs with STORAGE_SIGNING_SECRET and prefixes STORAGE_SIGNED_URL_BASE', async () => {
    process.env.STORAGE_SIGNING_SECRET = 'from-env';
    const dir = tempDir();
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          disks: { replays: { type: 'LOCAL', root: dir.path }, scratch: { type: 'MEMORY' } },
          default: 'replays',
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const base = await listen(app);
    process.env.STORAGE_SIGNED_URL_BASE = base; // read when the module was built: only the next module sees it
    const scratch = app.get<StorageService>(getStorageToken('scratch'));
    await scratch.writeFile('tmp/x.txt', 'in memory');

    const url = await scratch.getSignedUrl('tmp/x.txt');
    expect(url).toMatch(/^\/storage\/signed\/scratch\/tmp%2Fx\.txt\?provider=MEMORY&/);
    const reply = await send(`${base}${url}`);
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('in memory');
    // The same path on the other disk is another URL: a scratch URL does not open replays.
    expect((await send(`${base}${url.replace('/scratch/', '/replays/')}`)).status).toBe(403);
    await app.close();
    dir.remove();

    const withBase = await Test.createTestingModule({ imports: [StorageModule.forRoot({ storageType: 'MEMORY' })] }).compile();
    await expect(withBase.get(StorageService).getSignedUrl('a.txt')).resolves.toMatch(
      new RegExp(`^${base}/storage/signed/default/a\\.txt\\?`),
    );
    await withBase.close();
  });
});

describe('signed URLs without a secret', () => {
  it('getSignedUrl rejects with ENOTSUP on LOCAL and MEMORY, and the controller serves nothing', async () => {
    const saved = process.env.STORAGE_SIGNING_SECRET;
    delete process.env.STORAGE_SIGNING_SECRET;
    try {
      const { app, base } = await start([StorageModule.forRoot({ storageType: 'MEMORY' })]);
      const storage = app.get(StorageService);
      await storage.writeFile('a.txt', 'x');
      await expect(storage.getSignedUrl('a.txt')).rejects.toMatchObject({ code: 'ENOTSUP' });
      await expect(storage.getProvider('LOCAL').getSignedUrl('a.txt')).rejects.toMatchObject({ code: 'ENOTSUP' });
      const reply = await send(`${base}/storage/signed/default/a.txt?provider=MEMORY&method=GET&expires=9999999999&signature=x`);
      expect(reply.status).toBe(403);
      await app.close();
    } finally {
      if (saved !== undefined) process.env.STORAGE_SIGNING_SECRET = saved;
    }
  });
});
