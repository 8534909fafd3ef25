/**
 * createReadStream, createWriteStream and getSignedUrl, the same way on every provider.
 * Each provider spec calls `streams(target, extras)`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LocalStorageProvider } from '../..';
import { codeOf, join, sleep, Target } from './harness';

type Streaming = Pick<LocalStorageProvider, 'createReadStream' | 'createWriteStream' | 'getSignedUrl'>;

export interface StreamExtras {
  /** Every name really in the directory, internal ones (temp files) included. */
  rawNames?: (dir: string) => Promise<string[]>;
  /** The provider signs URLs (S3, Azure); the others must reject with ENOTSUP. */
  signs?: boolean;
  /** The server checks signatures (Azurite, s3s-fs; moto does not). */
  verifiesSignatures?: boolean;
}

const streaming = (t: Target) => t.provider as unknown as Streaming;

async function collect(readable: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk as Buffer);
  return chunks;
}

const errorOf = (stream: Readable | Writable) =>
  new Promise<NodeJS.ErrnoException>((resolve) => {
    stream.on('error', resolve);
    if (stream instanceof Readable) stream.resume();
  });

const closed = (stream: Writable) =>
  stream.closed ? Promise.resolve() : new Promise((resolve) => stream.on('close', resolve));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export function streams(makeTarget: () => Target | Promise<Target>, extras: StreamExtras = {}): void {
  let t: Target;
  let s: Streaming;
  let dir: string;
  beforeAll(async () => {
    t = await makeTarget();
    s = streaming(t);
  });
  beforeEach(async () => {
    dir = t.freshDir();
    await t.provider.ensureDirectory(dir);
  });
  const p = (...names: string[]) => join(dir, ...names);

  describe('createReadStream', () => {
    it('reads the whole file in chunks of at most chunkSize bytes', async () => {
      const data = randomBytes(10_000);
      await t.provider.writeFile(p('f.bin'), data);
      const chunks = await collect(s.createReadStream(p('f.bin'), { chunkSize: 4096 }));
      expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1808]);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    });
    it('reads chunks of 1 MiB without chunkSize (the documented default)', async () => {
      const data = randomBytes(2 * 1024 * 1024 + 5);
      await t.provider.writeFile(p('f.bin'), data);
      const chunks = await collect(s.createReadStream(p('f.bin')));
      expect(chunks.map((c) => c.length)).toEqual([1024 * 1024, 1024 * 1024, 5]);
      expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
    });
    it('reads start to end inclusive, like fs.createReadStream', async () => {
      await t.provider.writeFile(p('f.txt'), '0123456789');
      const read = async (o: { start?: number; end?: number }) =>
        Buffer.concat(await collect(s.createReadStream(p('f.txt'), o))).toString();
      expect(await read({ start: 2, end: 4 })).toBe('234');
      expect(await read({ start: 7 })).toBe('789');
      expect(await read({ end: 0 })).toBe('0');
      expect(await read({ start: 8, end: 100 })).toBe('89');
      expect(await read({ start: 100 })).toBe('');
    });
    it('reads an empty file as no chunks', async () => {
      await t.provider.writeFile(p('empty'), '');
      expect(await collect(s.createReadStream(p('empty')))).toEqual([]);
    });
    it('emits ENOENT for a missing file and EISDIR for a directory', async () => {
      expect(await errorOf(s.createReadStream(p('missing')))).toMatchObject({ code: 'ENOENT', operation: 'createReadStream' });
      await t.provider.ensureDirectory(p('sub'));
      expect((await errorOf(s.createReadStream(p('sub')))).code).toBe('EISDIR');
    });
    it('throws for a bad range before opening anything', () => {
      expect(() => s.createReadStream(p('f'), { start: 5, end: 2 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => s.createReadStream(p('f'), { start: -1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => s.createReadStream(p('f'), { start: '1' as unknown as number })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
      );
    });
    it('is destroyed with an AbortError when its signal aborts', async () => {
      await t.provider.writeFile(p('f.bin'), randomBytes(50_000));
      const controller = new AbortController();
      const stream = s.createReadStream(p('f.bin'), { chunkSize: 1000, signal: controller.signal });
      const error = errorOf(stream);
      controller.abort();
      expect((await error).name).toBe('AbortError');
    });
  });

  describe('createWriteStream', () => {
    it('publishes the file only when it finishes, creating parents', async () => {
      const target = p('a', 'b', 'f.bin');
      const w = s.createWriteStream(target);
      const done = new Promise((resolve, reject) => w.on('finish', resolve).on('error', reject));
      w.write(Buffer.from('first '));
      await new Promise((resolve) => w.write('second', resolve));
      expect(await t.provider.fileExists(target)).toBe(false);
      w.end();
      await done;
      await sleep(0);
      expect((await t.provider.readFile(target)).toString()).toBe('first second');
    });
    it('copies a file through createReadStream, byte for byte', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      await t.provider.writeFile(p('src.bin'), data);
      await pipeline(s.createReadStream(p('src.bin'), { chunkSize: 256 * 1024 }), s.createWriteStream(p('dst.bin')));
      expect(sha256(await t.provider.readFile(p('dst.bin')))).toBe(sha256(data));
    });
    it('replaces an existing file, which keeps its old bytes until the finish', async () => {
      await t.provider.writeFile(p('f.txt'), 'old');
      const w = s.createWriteStream(p('f.txt'));
      await new Promise((resolve) => w.write('new bytes', resolve));
      expect((await t.provider.readFile(p('f.txt'))).toString()).toBe('old');
      await new Promise((resolve) => w.end(resolve));
      expect((await t.provider.readFile(p('f.txt'))).toString()).toBe('new bytes');
    });
    it('leaves nothing behind when destroyed mid-way', async () => {
      await t.provider.writeFile(p('kept.txt'), 'old');
      for (const name of ['new.bin', 'kept.txt']) {
        const w = s.createWriteStream(p(name));
        await new Promise((resolve) => w.write(randomBytes(100_000), resolve));
        w.on('error', () => undefined);
        w.destroy(new Error('stop'));
        await closed(w);
      }
      await sleep(50);
      expect(await t.provider.fileExists(p('new.bin'))).toBe(false);
      expect((await t.provider.readFile(p('kept.txt'))).toString()).toBe('old');
      expect(await t.provider.listFiles(dir)).toEqual(['kept.txt']);
      if (extras.rawNames) expect(await extras.rawNames(dir)).toEqual(['kept.txt']);
    });
    it('leaves nothing behind when its signal aborts', async () => {
      const controller = new AbortController();
      const w = s.createWriteStream(p('f.bin'), { signal: controller.signal });
      const error = errorOf(w);
      await new Promise((resolve) => w.write(randomBytes(1000), resolve));
      controller.abort();
      expect((await error).name).toBe('AbortError');
      await closed(w);
      expect(await t.provider.fileExists(p('f.bin'))).toBe(false);
      if (extras.rawNames) expect(await extras.rawNames(dir)).toEqual([]);
    });
    it('emits EISDIR for a directory at the path', async () => {
      await t.provider.ensureDirectory(p('sub'));
      expect(await errorOf(s.createWriteStream(p('sub')))).toMatchObject({ code: 'EISDIR', operation: 'createWriteStream' });
      expect(await t.provider.directoryExists(p('sub'))).toBe(true);
    });
  });

  describe('getSignedUrl', () => {
    if (!extras.signs) {
      it('rejects with ENOTSUP', async () => {
        await t.provider.writeFile(p('f.txt'), 'x');
        expect(await codeOf(() => s.getSignedUrl(p('f.txt')))).toBe('ENOTSUP');
      });
      return;
    }
    it('gives a URL that plain fetch() can GET', async () => {
      await t.provider.writeFile(p('f.txt'), 'signed bytes');
      const url = await s.getSignedUrl(p('f.txt'), { expiresIn: 60, method: 'GET' });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('signed bytes');
    });
    it('gives a URL that plain fetch() can PUT (Azure needs x-ms-blob-type: BlockBlob)', async () => {
      const url = await s.getSignedUrl(p('up.txt'), { expiresIn: 60, method: 'PUT' });
      const response = await fetch(url, { method: 'PUT', body: 'uploaded', headers: { 'x-ms-blob-type': 'BlockBlob' } });
      expect(response.ok).toBe(true);
      expect((await t.provider.readFile(p('up.txt'))).toString()).toBe('uploaded');
    });
    it.each(['a b.txt', 'é ü ✓.txt', '100%.txt', 'x#y.txt', 'what?.txt', "it's & (1)+[2].txt"])(
      'signs a name that needs percent-encoding (%p): plain fetch() can GET and PUT it',
      async (name) => {
        await t.provider.writeFile(p('sub', name), 'signed bytes');
        const get = await s.getSignedUrl(p('sub', name), { expiresIn: 60 });
        const response = await fetch(get);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe('signed bytes');
        const put = await s.getSignedUrl(p('sub', `up ${name}`), { expiresIn: 60, method: 'PUT' });
        const uploaded = await fetch(put, { method: 'PUT', body: 'uploaded', headers: { 'x-ms-blob-type': 'BlockBlob' } });
        expect(uploaded.status).toBeLessThan(300);
        expect((await t.provider.readFile(p('sub', `up ${name}`))).toString()).toBe('uploaded');
      },
    );
    (extras.verifiesSignatures ? it : it.skip)('refuses a GET URL for a PUT and a tampered URL', async () => {
      await t.provider.writeFile(p('f.txt'), 'x');
      const url = await s.getSignedUrl(p('f.txt'), { expiresIn: 60 });
      expect((await fetch(url, { method: 'PUT', body: 'y', headers: { 'x-ms-blob-type': 'BlockBlob' } })).ok).toBe(false);
      expect((await fetch(url.replace('f.txt', 'g.txt'))).ok).toBe(false);
      expect((await t.provider.readFile(p('f.txt'))).toString()).toBe('x');
    });
    it('checks its options', async () => {
      expect(await codeOf(() => s.getSignedUrl(p('f'), { expiresIn: 0 }))).toBe('EINVAL');
      expect(await codeOf(() => s.getSignedUrl(p('f'), { expiresIn: 8 * 24 * 3600 }))).toBe('EINVAL');
      expect(await codeOf(() => s.getSignedUrl(p('f'), { method: 'DELETE' as 'GET' }))).toBe('EINVAL');
    });
  });
}
