/**
 * Metadata and conditional writes (SPEC "Metadata and conditional writes"), the same way on every
 * provider: content types, headers and user metadata on writeFile, createWriteStream and
 * copyFile; ETags in getFileStats; ifNoneMatch / ifMatch, atomic under concurrency.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { FileStats, IExtendedStorageProvider } from '../..';
import { codeOf, join, Target } from './harness';

export interface MetadataCapabilities {
  /** list() entries carry the ETag (S3, Azure, MEMORY: the listing has it); LOCAL's do not. */
  listsEtags: boolean;
}

const HEADERS = {
  contentType: 'text/markdown; charset=utf-8',
  cacheControl: 'public, max-age=60',
  contentDisposition: "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
  contentEncoding: 'identity',
  contentLanguage: 'fr-CA',
};

type Stats = FileStats & Record<string, unknown>;

export function metadata(makeTarget: () => Target | Promise<Target>, can: MetadataCapabilities): void {
  let t: Target;
  let s: IExtendedStorageProvider;
  let dir: string;

  beforeAll(async () => {
    t = await makeTarget();
    s = t.provider;
  });
  beforeEach(async () => {
    dir = t.freshDir();
    await s.ensureDirectory(dir);
  });
  const p = (...names: string[]) => join(dir, ...names);
  const stats = async (path: string) => (await s.getFileStats(path)) as Stats;

  describe('metadata', () => {
    it('guesses the content type from the name, octet-stream when unknown, and gives an etag', async () => {
      await s.writeFile(p('photo.PNG'), 'x');
      await s.writeFile(p('notes'), 'x');
      const png = await stats(p('photo.PNG'));
      expect(png.contentType).toBe('image/png');
      expect(typeof png.etag).toBe('string');
      expect((png.etag as string).length).toBeGreaterThan(0);
      expect((await stats(p('notes'))).contentType).toBe('application/octet-stream');
      expect(png.size).toBe(1);
      expect(Number.isFinite(png.mtime.getTime())).toBe(true);
    });

    it('stores every header and the user metadata given to writeFile', async () => {
      await s.writeFile(p('doc.md'), '# hi', { ...HEADERS, metadata: { Owner: 'ann', build_2: '42' } });
      const st = await stats(p('doc.md'));
      expect(st).toMatchObject({ ...HEADERS, metadata: { owner: 'ann', build_2: '42' } });
      expect((await s.readFile(p('doc.md'))).toString()).toBe('# hi');
    });

    it('leaves headers that were not set out of the stats', async () => {
      await s.writeFile(p('plain.txt'), 'x');
      const st = await stats(p('plain.txt'));
      expect(st.contentType).toBe('text/plain');
      expect(st.cacheControl).toBeUndefined();
      expect(st.metadata).toBeUndefined();
    });

    it('stores the options of createWriteStream', async () => {
      const w = s.createWriteStream(p('up.bin'), { contentType: 'image/webp', metadata: { source: 'upload' } });
      await pipeline(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), w);
      expect(await stats(p('up.bin'))).toMatchObject({ contentType: 'image/webp', metadata: { source: 'upload' }, size: 4 });
    });

    it('copyFile keeps the source metadata, or replaces it when given any', async () => {
      await s.writeFile(p('a.bin'), 'data', { contentType: 'image/gif', cacheControl: 'no-cache', metadata: { k: 'v' } });
      await s.copyFile(p('a.bin'), p('kept.bin'));
      expect(await stats(p('kept.bin'))).toMatchObject({ contentType: 'image/gif', cacheControl: 'no-cache', metadata: { k: 'v' } });
      await s.copyFile(p('a.bin'), p('new.bin'), { contentType: 'text/csv' });
      const replaced = await stats(p('new.bin'));
      expect(replaced.contentType).toBe('text/csv');
      expect(replaced.cacheControl).toBeUndefined();
      expect(replaced.metadata).toBeUndefined();
      expect((await s.readFile(p('new.bin'))).toString()).toBe('data');
    });

    it('moveFile keeps the metadata', async () => {
      await s.writeFile(p('m.bin'), 'data', { contentType: 'audio/ogg', metadata: { a: '1' } });
      await s.moveFile(p('m.bin'), p('moved.bin'));
      expect(await stats(p('moved.bin'))).toMatchObject({ contentType: 'audio/ogg', metadata: { a: '1' } });
    });

    it.each([
      ['a key that is not an identifier', { metadata: { 'x-y': 'v' } }],
      ['a key starting with a digit', { metadata: { '1a': 'v' } }],
      ['keys differing only in case', { metadata: { Key: '1', key: '2' } }],
      ['a non-ASCII value', { metadata: { k: 'é' } }],
      ['a header with a line break', { cacheControl: 'max-age=1\r\nx: y' }],
      ['more than 2 KB of metadata', { metadata: { k: 'v'.repeat(2048) } }],
      ['ifNoneMatch other than *', { ifNoneMatch: 'abc' }],
    ])('refuses %s with EINVAL and writes nothing', async (_, options) => {
      expect(await codeOf(() => s.writeFile(p('bad'), 'x', options as never))).toBe('EINVAL');
      expect(await s.fileExists(p('bad'))).toBe(false);
    });

    it('list() entries carry the etag where the listing has it', async () => {
      await s.writeFile(p('e.txt'), 'x');
      const entries = [];
      for await (const entry of s.list(dir)) entries.push(entry);
      const file = entries.find((e) => e.path === 'e.txt');
      if (can.listsEtags) expect(file?.etag).toBe((await stats(p('e.txt'))).etag);
      else expect(file?.etag).toBeUndefined();
    });

    it('refuses options of the wrong type with a TypeError', async () => {
      await expect(s.writeFile(p('bad'), 'x', { contentType: 5 } as never)).rejects.toMatchObject({ name: 'TypeError' });
      await expect(s.writeFile(p('bad'), 'x', { metadata: { k: 1 } } as never)).rejects.toMatchObject({ name: 'TypeError' });
    });
  });

  describe('conditional writes', () => {
    it('ifNoneMatch "*" creates only: EEXIST when the file exists, which keeps its bytes', async () => {
      await s.writeFile(p('c'), 'first', { ifNoneMatch: '*' });
      expect(await codeOf(() => s.writeFile(p('c'), 'second', { ifNoneMatch: '*' }))).toBe('EEXIST');
      expect((await s.readFile(p('c'))).toString()).toBe('first');
    });

    it('ifMatch replaces only the version it names, else ECONFLICT', async () => {
      await s.writeFile(p('v'), 'one');
      const one = (await stats(p('v'))).etag as string;
      await s.writeFile(p('v'), 'two', { ifMatch: one });
      const two = (await stats(p('v'))).etag as string;
      expect(two).not.toBe(one);
      const stale = await s.writeFile(p('v'), 'three', { ifMatch: one }).catch((e) => e);
      expect(stale).toMatchObject({ code: 'ECONFLICT', retryable: false });
      expect((await s.readFile(p('v'))).toString()).toBe('two');
      expect(await codeOf(() => s.writeFile(p('missing'), 'x', { ifMatch: one }))).toBe('ECONFLICT');
      expect(await s.fileExists(p('missing'))).toBe(false);
    });

    it('copyFile and createWriteStream take the conditions too', async () => {
      await s.writeFile(p('src'), 'src');
      await s.writeFile(p('dst'), 'dst');
      expect(await codeOf(() => s.copyFile(p('src'), p('dst'), { ifNoneMatch: '*' }))).toBe('EEXIST');
      expect((await s.readFile(p('dst'))).toString()).toBe('dst');
      await s.copyFile(p('src'), p('fresh'), { ifNoneMatch: '*' });
      expect((await s.readFile(p('fresh'))).toString()).toBe('src');
      const w = s.createWriteStream(p('dst'), { ifNoneMatch: '*' });
      const err = await pipeline(Readable.from([Buffer.from('new')]), w).catch((e) => e);
      expect(err).toMatchObject({ code: 'EEXIST' });
      expect((await s.readFile(p('dst'))).toString()).toBe('dst');
    });

    it('16 create-only writers of one key: exactly one wins, 15 get EEXIST, the file holds its bytes', async () => {
      const key = p('race');
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => codeOf(() => s.writeFile(key, `writer-${i}`, { ifNoneMatch: '*' }))),
      );
      const winners = results.flatMap((code, i) => (code === 'OK' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((c) => c === 'EEXIST')).toHaveLength(15);
      expect((await s.readFile(key)).toString()).toBe(`writer-${winners[0]}`);
    });

    it('8 writers with ifMatch of one version: exactly one wins, 7 get ECONFLICT', async () => {
      const key = p('cas');
      await s.writeFile(key, 'base');
      const etag = (await stats(key)).etag as string;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => codeOf(() => s.writeFile(key, `cas-${i}`, { ifMatch: etag }))),
      );
      const winners = results.flatMap((code, i) => (code === 'OK' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((c) => c === 'ECONFLICT')).toHaveLength(7);
      expect((await s.readFile(key)).toString()).toBe(`cas-${winners[0]}`);
    });

    it('deleteFile with ifMatch', async () => {
      await s.writeFile(p('d'), 'one');
      const one = (await stats(p('d'))).etag as string;
      await s.writeFile(p('d'), 'two');
      expect(await codeOf(() => s.deleteFile(p('d'), { ifMatch: one }))).toBe('ECONFLICT');
      expect(await s.fileExists(p('d'))).toBe(true);
      const two = (await stats(p('d'))).etag as string;
      await s.deleteFile(p('d'), { ifMatch: two });
      expect(await s.fileExists(p('d'))).toBe(false);
    });
  });
}

/**
 * getSignedUrl with response headers (GET) and a bound content type (PUT), checked with plain
 * fetch(). `verifies`: the server checks signatures, so a PUT with another type and a URL whose
 * response type was changed must fail. `bindsContentType: false` (Azure): a PUT bound to a
 * content type is ENOTSUP.
 */
export function signedUrlHeaders(
  makeTarget: () => Target | Promise<Target>,
  extras: { verifies: boolean; bindsContentType?: boolean },
): void {
  let t: Target;
  let dir: string;
  beforeAll(async () => {
    t = await makeTarget();
  });
  beforeEach(() => {
    dir = t.freshDir();
  });
  const p = (...names: string[]) => join(dir, ...names);

  describe('signed URLs with headers', () => {
    it('a GET URL sets the response Content-Type and a non-ASCII download name (RFC 6266)', async () => {
      await t.provider.writeFile(p('report.bin'), 'hello');
      const disposition = "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf";
      const url = await t.provider.getSignedUrl(p('report.bin'), {
        responseContentType: 'application/pdf',
        responseContentDisposition: disposition,
      });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toBe(disposition);
      expect(await res.text()).toBe('hello');
    });

    if (extras.verifies) {
      it('refuses a GET URL whose signed response type was changed (403)', async () => {
        await t.provider.writeFile(p('page.bin'), 'hello');
        const url = new URL(await t.provider.getSignedUrl(p('page.bin'), { responseContentType: 'application/pdf' }));
        const name = [...url.searchParams].find(([, value]) => value === 'application/pdf')?.[0];
        expect(name).toBeDefined();
        url.searchParams.set(name as string, 'text/html');
        const res = await fetch(url);
        expect(res.status).toBe(403);
        await res.arrayBuffer();
      });
    }

    if (extras.bindsContentType === false) {
      it('a PUT URL bound to a content type is ENOTSUP', async () => {
        const put = { method: 'PUT' as const, contentType: 'image/png' };
        expect(await codeOf(() => t.provider.getSignedUrl(p('up.png'), put))).toBe('ENOTSUP');
      });
    } else it('a PUT URL bound to a content type: the upload sends it and the object keeps it', async () => {
      const url = await t.provider.getSignedUrl(p('up.png'), { method: 'PUT', contentType: 'image/png' });
      const put = await fetch(url, { method: 'PUT', body: 'png!', headers: { 'content-type': 'image/png' } });
      expect(put.status).toBe(200);
      expect(await t.provider.getFileStats(p('up.png'))).toMatchObject({ contentType: 'image/png', size: 4 });
      if (extras.verifies) {
        const other = await t.provider.getSignedUrl(p('other.png'), { method: 'PUT', contentType: 'image/png' });
        const wrong = await fetch(other, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/html' } });
        expect(wrong.ok).toBe(false);
        expect(await t.provider.fileExists(p('other.png'))).toBe(false);
      }
    });

    it('refuses a header with a line break, and mixing GET and PUT options, with EINVAL', async () => {
      const path = p('x');
      expect(await codeOf(() => t.provider.getSignedUrl(path, { responseContentType: 'a\nb' }))).toBe('EINVAL');
      expect(await codeOf(() => t.provider.getSignedUrl(path, { contentType: 'image/png' }))).toBe('EINVAL');
      expect(await codeOf(() => t.provider.getSignedUrl(path, { method: 'PUT', responseContentType: 'a/b' }))).toBe('EINVAL');
    });
  });
}
