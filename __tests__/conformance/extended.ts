/**
 * Beyond SPEC's ten, the same way on every provider: range reads, copyFile and moveFile,
 * checksum, recursive listings and `list()`, recursive deleteOldFiles, and AbortSignal on the
 * long deletes. Each provider spec calls `extended(target)`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ListEntry } from '../..';
import { codeOf, join, sleep, Target } from './harness';

const MiB = 1024 * 1024;
const digest = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest('hex');

async function all(iterator: AsyncIterable<ListEntry>): Promise<ListEntry[]> {
  const entries: ListEntry[] = [];
  for await (const entry of iterator) entries.push(entry);
  return entries;
}

/** Writes `count` small files under `dir`, a few at a time. */
async function fill(t: Target, dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => t.provider.writeFile(join(dir, `f-${i + j}`), 'x'));
    await Promise.all(batch);
  }
}

export function extended(makeTarget: () => Target | Promise<Target>): void {
  let t: Target;
  let dir: string;

  beforeAll(async () => {
    t = await makeTarget();
  });
  beforeEach(async () => {
    dir = t.freshDir();
    await t.provider.ensureDirectory(dir);
  });

  const p = (...names: string[]) => join(dir, ...names);

  describe('readFile with a range', () => {
    it('reads start to end, both inclusive, like fs.createReadStream', async () => {
      await t.provider.writeFile(p('f'), 'abcdefghij');
      const read = async (range: { start?: number; end?: number }) => (await t.provider.readFile(p('f'), range)).toString();
      expect(await read({ start: 2, end: 4 })).toBe('cde');
      expect(await read({ start: 3 })).toBe('defghij');
      expect(await read({ end: 2 })).toBe('abc');
      expect(await read({ start: 4, end: 4 })).toBe('e');
      expect(await read({})).toBe('abcdefghij');
    });
    it('gives what exists past the end, and nothing from past the end', async () => {
      await t.provider.writeFile(p('f'), 'abcdefghij');
      await t.provider.writeFile(p('empty'), '');
      expect((await t.provider.readFile(p('f'), { start: 8, end: 100 })).toString()).toBe('ij');
      expect((await t.provider.readFile(p('f'), { start: 10 })).length).toBe(0);
      expect((await t.provider.readFile(p('f'), { start: 1000, end: 2000 })).length).toBe(0);
      expect((await t.provider.readFile(p('empty'), { start: 0, end: 0 })).length).toBe(0);
    });
    it('reads ranges of a file larger than a chunk', async () => {
      const data = randomBytes(3 * MiB + 17);
      await t.provider.writeFile(p('big'), data);
      const got = await t.provider.readFile(p('big'), { start: MiB - 3, end: 2 * MiB + 5 });
      expect(Buffer.compare(got, data.subarray(MiB - 3, 2 * MiB + 6))).toBe(0);
      const tail = await t.provider.readFile(p('big'), { start: 3 * MiB });
      expect(Buffer.compare(tail, data.subarray(3 * MiB))).toBe(0);
    });
    it('refuses start > end, negative and fractional positions with a RangeError, as fs does', async () => {
      await t.provider.writeFile(p('f'), 'abc');
      for (const range of [{ start: 2, end: 1 }, { start: -1 }, { end: -2 }, { start: 1.5 }]) {
        await expect(t.provider.readFile(p('f'), range)).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      }
      const wrong = { start: '1' } as unknown as { start: number };
      await expect(t.provider.readFile(p('f'), wrong)).rejects.toMatchObject({ name: 'TypeError' });
    });
    it('fails with ENOENT for a missing file and EISDIR for a directory', async () => {
      expect(await codeOf(() => t.provider.readFile(p('missing'), { start: 1 }))).toBe('ENOENT');
      await t.provider.ensureDirectory(p('d'));
      expect(await codeOf(() => t.provider.readFile(p('d'), { start: 1 }))).toBe('EISDIR');
    });
  });

  for (const op of ['copyFile', 'moveFile'] as const) {
    const run = (src: string, dst: string) => t.provider[op](src, dst);
    describe(op, () => {
      it('puts the bytes at the destination, creating its parents', async () => {
        await t.provider.writeFile(p('src.txt'), 'payload');
        await run(p('src.txt'), p('new', 'deep', 'dst.txt'));
        expect((await t.provider.readFile(p('new', 'deep', 'dst.txt'))).toString()).toBe('payload');
        expect(await t.provider.fileExists(p('src.txt'))).toBe(op === 'copyFile');
      });
      it('replaces an existing destination file', async () => {
        await t.provider.writeFile(p('src.txt'), 'new');
        await t.provider.writeFile(p('dst.txt'), 'old bytes');
        await run(p('src.txt'), p('dst.txt'));
        expect((await t.provider.readFile(p('dst.txt'))).toString()).toBe('new');
      });
      it('keeps a file given as its own destination', async () => {
        await t.provider.writeFile(p('same.txt'), 'kept');
        await run(p('same.txt'), p('same.txt'));
        expect((await t.provider.readFile(p('same.txt'))).toString()).toBe('kept');
      });
      it('fails with ENOENT for a missing source and EISDIR for a directory source', async () => {
        expect(await codeOf(() => run(p('missing'), p('dst')))).toBe('ENOENT');
        await t.provider.ensureDirectory(p('d'));
        expect(await codeOf(() => run(p('d'), p('dst')))).toBe('EISDIR');
        expect(await t.provider.fileExists(p('dst'))).toBe(false);
      });
      it('fails with EISDIR when the destination is a directory, and keeps both', async () => {
        await t.provider.writeFile(p('src.txt'), 'x');
        await t.provider.writeFile(p('d', 'inside.txt'), 'i');
        expect(await codeOf(() => run(p('src.txt'), p('d')))).toBe('EISDIR');
        expect(await t.provider.fileExists(p('src.txt'))).toBe(true);
        expect(await t.provider.listFiles(p('d'))).toEqual(['inside.txt']);
      });
      it('fails with ENOTDIR when a file is in place of a parent of the destination', async () => {
        await t.provider.writeFile(p('src.txt'), 'x');
        await t.provider.writeFile(p('file'), 'f');
        expect(await codeOf(() => run(p('src.txt'), p('file', 'dst.txt')))).toBe('ENOTDIR');
        expect(await t.provider.fileExists(p('src.txt'))).toBe(true);
      });
      it('rejects a non-string path with a TypeError', async () => {
        await expect(t.provider[op](p('a'), 42 as unknown as string)).rejects.toMatchObject({ name: 'TypeError' });
      });
    });
  }

  describe('checksum', () => {
    it('matches createHash for sha256 (the default) and md5, for empty, small and multi-chunk files', async () => {
      const files: [string, Buffer][] = [
        ['empty', Buffer.alloc(0)],
        ['small', Buffer.from('héllo ✓')],
        ['big', randomBytes(2 * MiB + 123)],
      ];
      for (const [name, data] of files) {
        await t.provider.writeFile(p(name), data);
        expect(await t.provider.checksum(p(name))).toBe(digest('sha256', data));
        expect(await t.provider.checksum(p(name), 'sha256')).toBe(digest('sha256', data));
        expect(await t.provider.checksum(p(name), 'md5')).toBe(digest('md5', data));
      }
    });
    it('refuses an unknown algorithm with EINVAL and a non-string with a TypeError', async () => {
      await t.provider.writeFile(p('f'), 'x');
      expect(await codeOf(() => t.provider.checksum(p('f'), 'sha1' as 'md5'))).toBe('EINVAL');
      await expect(t.provider.checksum(p('f'), 5 as unknown as 'md5')).rejects.toMatchObject({ name: 'TypeError' });
    });
    it('fails with ENOENT for a missing file and EISDIR for a directory', async () => {
      expect(await codeOf(() => t.provider.checksum(p('missing')))).toBe('ENOENT');
      await t.provider.ensureDirectory(p('d'));
      expect(await codeOf(() => t.provider.checksum(p('d')))).toBe('EISDIR');
    });
  });

  describe('recursive listings', () => {
    const tree = async () => {
      await t.provider.writeFile(p('a.txt'), 'aa');
      await t.provider.writeFile(p('sub', 'b.txt'), 'bbb');
      await t.provider.writeFile(p('sub', 'deep', 'c.txt'), 'c');
      await t.provider.ensureDirectory(p('empty'));
    };
    const everything = ['a.txt', 'empty', 'sub', 'sub/b.txt', 'sub/deep', 'sub/deep/c.txt'];

    it('listFiles with recursive gives every path relative to the directory, sorted', async () => {
      await tree();
      expect(await t.provider.listFiles(dir, { recursive: true })).toEqual(everything);
      expect(await t.provider.listFiles(p('sub'), { recursive: true })).toEqual(['b.txt', 'deep', 'deep/c.txt']);
      expect(await t.provider.listFiles(dir, { recursive: true, filter: (f) => f.endsWith('.txt') })).toEqual([
        'a.txt',
        'sub/b.txt',
        'sub/deep/c.txt',
      ]);
    });
    it('list yields the direct children with size, mtime and isDirectory', async () => {
      await tree();
      const entries = await all(t.provider.list(dir));
      entries.sort((a, b) => a.path.localeCompare(b.path));
      expect(entries.map((e) => [e.path, e.isDirectory, e.size])).toEqual([
        ['a.txt', false, 2],
        ['empty', true, 0],
        ['sub', true, 0],
      ]);
      expect(Object.prototype.toString.call(entries[0].mtime)).toBe('[object Date]');
      expect(Math.abs((entries[0].mtime as Date).getTime() - Date.now())).toBeLessThan(120_000);
      expect(entries[1].mtime).toBeNull();
    });
    it('list with recursive yields the whole tree', async () => {
      await tree();
      const entries = await all(t.provider.list(dir, { recursive: true }));
      expect(entries.map((e) => e.path).sort()).toEqual(everything);
      expect(entries.find((e) => e.path === 'sub/deep/c.txt')).toMatchObject({ size: 1, isDirectory: false });
    });
    it('list pages through more entries than one page holds, and stops early on break', async () => {
      await fill(t, p('many'), 1050);
      const names = await all(t.provider.list(p('many')));
      expect(names.length).toBe(1050);
      expect(new Set(names.map((e) => e.path)).size).toBe(1050);
      let seen = 0;
      for await (const _ of t.provider.list(p('many'))) {
        if (++seen === 3) break;
      }
      expect(seen).toBe(3);
    });
    it('fails with ENOENT for a missing directory and ENOTDIR for a file', async () => {
      await t.provider.writeFile(p('file'), 'x');
      expect(await codeOf(() => t.provider.listFiles(p('missing'), { recursive: true }))).toBe('ENOENT');
      expect(await codeOf(() => t.provider.listFiles(p('file'), { recursive: true }))).toBe('ENOTDIR');
      await expect(all(t.provider.list(p('missing')))).rejects.toMatchObject({ code: 'ENOENT', operation: 'list' });
      await expect(all(t.provider.list(p('file'), { recursive: true }))).rejects.toMatchObject({ code: 'ENOTDIR' });
      await expect(all(t.provider.list(42 as unknown as string))).rejects.toMatchObject({ name: 'TypeError' });
    });
  });

  describe('deleteOldFiles with recursive', () => {
    it('deletes old files at any depth and keeps new files and every directory', async () => {
      const old = ['a-old', 'sub/b-old', 'sub/deep/c-old'];
      await t.provider.ensureDirectory(p('sub', 'deep')); // object stores: a marker keeps it once emptied
      for (const f of old) await t.provider.writeFile(p(f), 'o');
      let cutoff: Date;
      if (t.timeTravel) {
        cutoff = new Date(Date.now() - 60_000);
        for (const f of old) await t.timeTravel(p(f), new Date(cutoff.getTime() - 60_000));
      } else {
        await sleep(1100); // object stores keep whole seconds
        cutoff = new Date();
        await sleep(1100);
      }
      await t.provider.writeFile(p('sub', 'new'), 'n');
      expect(await t.provider.deleteOldFiles(dir, cutoff, { recursive: true })).toBe(3);
      expect(await t.provider.listFiles(dir, { recursive: true })).toEqual(['sub', 'sub/deep', 'sub/new']);
      expect(await t.provider.deleteOldFiles(p('missing'), cutoff, { recursive: true })).toBe(0);
    });
  });

  describe('AbortSignal', () => {
    const abortError = { name: 'AbortError', code: 'ABORT_ERR' };

    it('an aborted signal stops deleteOldFiles before it deletes anything', async () => {
      await t.provider.writeFile(p('sub', 'f'), 'x');
      const signal = AbortSignal.abort();
      const future = new Date(Date.now() + 60_000);
      await expect(t.provider.deleteOldFiles(dir, future, { recursive: true, signal })).rejects.toMatchObject(abortError);
      expect(await t.provider.fileExists(p('sub', 'f'))).toBe(true);
    });
    it('an aborted signal stops a recursive deleteDirectory before it deletes anything', async () => {
      await t.provider.writeFile(p('tree', 'f'), 'x');
      const signal = AbortSignal.abort();
      await expect(t.provider.deleteDirectory(p('tree'), { recursive: true, signal })).rejects.toMatchObject(abortError);
      expect(await t.provider.fileExists(p('tree', 'f'))).toBe(true);
    });
    it('aborting while a recursive delete runs rejects with an AbortError promptly', async () => {
      await fill(t, p('tree'), 300);
      const controller = new AbortController();
      const started = Date.now();
      const deleting = t.provider.deleteDirectory(p('tree'), { recursive: true, signal: controller.signal });
      controller.abort();
      const outcome = await deleting.then(() => 'done', (e) => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      if (outcome === 'done') {
        // MEMORY deletes in one step: it may finish before the abort arrives, and then wholly.
        expect(await t.provider.directoryExists(p('tree'))).toBe(false);
      } else {
        expect(outcome).toMatchObject(abortError);
      }
      const aging = t.provider.deleteOldFiles(dir, new Date(Date.now() + 60_000), { recursive: true, signal: controller.signal });
      await expect(aging).rejects.toMatchObject(abortError);
    });
    it('a signal that never fires changes nothing, and its listener is removed afterwards', async () => {
      await t.provider.writeFile(p('tree', 'f'), 'x');
      const signal = new AbortController().signal;
      const add = jest.spyOn(signal, 'addEventListener');
      const remove = jest.spyOn(signal, 'removeEventListener');
      await t.provider.deleteDirectory(p('tree'), { recursive: true, signal });
      expect(await t.provider.directoryExists(p('tree'))).toBe(false);
      expect(await t.provider.deleteOldFiles(dir, new Date(0), { signal })).toBe(0);
      expect(add).toHaveBeenCalledTimes(2);
      expect(remove).toHaveBeenCalledTimes(2);
      expect(remove.mock.calls[0][1]).toBe(add.mock.calls[0][1]);
    });
    it('refuses a signal that is not an AbortSignal with a TypeError', async () => {
      const signal = { aborted: 'no' } as unknown as AbortSignal;
      await expect(t.provider.deleteOldFiles(dir, new Date(), { signal })).rejects.toMatchObject({ name: 'TypeError' });
      await expect(t.provider.deleteDirectory(p('x'), { signal })).rejects.toMatchObject({ name: 'TypeError' });
    });
  });
}
