/**
 * SPEC.md's ten operations, one meaning on every provider. Every provider's spec calls
 * `conformance(target)`; a provider is done when all of this passes.
 */
import { codeOf, join, sleep, Target } from './harness';

export function conformance(makeTarget: () => Target | Promise<Target>): void {
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

  describe('ensureDirectory', () => {
    it('creates the directory and its missing parents', async () => {
      await t.provider.ensureDirectory(p('a', 'b', 'c'));
      expect(await t.provider.directoryExists(p('a'))).toBe(true);
      expect(await t.provider.directoryExists(p('a', 'b', 'c'))).toBe(true);
    });
    it('is fine when the directory already exists', async () => {
      await t.provider.ensureDirectory(p('x'));
      await expect(t.provider.ensureDirectory(p('x'))).resolves.toBeUndefined();
    });
    it('keeps what the directory holds', async () => {
      await t.provider.writeFile(p('x', 'f.txt'), 'kept');
      await t.provider.ensureDirectory(p('x'));
      expect((await t.provider.readFile(p('x', 'f.txt'))).toString()).toBe('kept');
    });
    it('fails with EEXIST or ENOTDIR when a file is at the path', async () => {
      await t.provider.writeFile(p('file'), 'x');
      expect(['EEXIST', 'ENOTDIR']).toContain(await codeOf(() => t.provider.ensureDirectory(p('file'))));
      expect(await t.provider.fileExists(p('file'))).toBe(true);
    });
    it('fails with ENOTDIR or EEXIST when a file is in place of a parent', async () => {
      await t.provider.writeFile(p('file'), 'x');
      expect(['EEXIST', 'ENOTDIR']).toContain(await codeOf(() => t.provider.ensureDirectory(p('file', 'sub'))));
    });
  });

  describe('directoryExists', () => {
    it('is true for a directory', async () => {
      expect(await t.provider.directoryExists(dir)).toBe(true);
    });
    it('is false for a file', async () => {
      await t.provider.writeFile(p('f'), 'x');
      expect(await t.provider.directoryExists(p('f'))).toBe(false);
    });
    it('is false, not an error, for a missing path or one under a file', async () => {
      expect(await t.provider.directoryExists(p('missing'))).toBe(false);
      await t.provider.writeFile(p('f'), 'x');
      expect(await t.provider.directoryExists(p('f', 'below'))).toBe(false);
    });
    it('is true for a directory that only holds files', async () => {
      await t.provider.writeFile(p('implicit', 'f.txt'), 'x');
      expect(await t.provider.directoryExists(p('implicit'))).toBe(true);
    });
  });

  describe('deleteDirectory', () => {
    it('removes an empty directory without recursive', async () => {
      await t.provider.ensureDirectory(p('empty'));
      await t.provider.deleteDirectory(p('empty'));
      expect(await t.provider.directoryExists(p('empty'))).toBe(false);
    });
    it('refuses a non-empty directory with ENOTEMPTY and keeps its contents', async () => {
      await t.provider.writeFile(p('full', 'f.txt'), 'x');
      expect(await codeOf(() => t.provider.deleteDirectory(p('full')))).toBe('ENOTEMPTY');
      expect(await t.provider.fileExists(p('full', 'f.txt'))).toBe(true);
    });
    it('removes the whole tree with recursive', async () => {
      await t.provider.writeFile(p('tree', 'a.txt'), 'a');
      await t.provider.writeFile(p('tree', 'sub', 'b.txt'), 'b');
      await t.provider.ensureDirectory(p('tree', 'sub', 'empty'));
      await t.provider.deleteDirectory(p('tree'), { recursive: true });
      expect(await t.provider.directoryExists(p('tree'))).toBe(false);
      expect(await t.provider.fileExists(p('tree', 'sub', 'b.txt'))).toBe(false);
      expect(await t.provider.listFiles(dir)).toEqual([]);
    });
    it('leaves siblings that share a name prefix alone', async () => {
      await t.provider.writeFile(p('tree', 'a.txt'), 'a');
      await t.provider.writeFile(p('tree2', 'b.txt'), 'b');
      await t.provider.writeFile(p('tree.txt'), 'c');
      await t.provider.deleteDirectory(p('tree'), { recursive: true });
      expect(await t.provider.listFiles(dir)).toEqual(['tree.txt', 'tree2']);
    });
    it('fails with ENOENT for a missing directory', async () => {
      expect(await codeOf(() => t.provider.deleteDirectory(p('missing')))).toBe('ENOENT');
      expect(await codeOf(() => t.provider.deleteDirectory(p('missing'), { recursive: true }))).toBe('ENOENT');
    });
    it('resolves for a missing directory with force', async () => {
      await expect(t.provider.deleteDirectory(p('missing'), { force: true })).resolves.toBeUndefined();
      await expect(t.provider.deleteDirectory(p('missing'), { recursive: true, force: true })).resolves.toBeUndefined();
    });
    it('fails with ENOTDIR for a file and keeps it', async () => {
      await t.provider.writeFile(p('f'), 'x');
      expect(await codeOf(() => t.provider.deleteDirectory(p('f')))).toBe('ENOTDIR');
      expect(await codeOf(() => t.provider.deleteDirectory(p('f'), { recursive: true, force: true }))).toBe('ENOTDIR');
      expect(await t.provider.fileExists(p('f'))).toBe(true);
    });
  });

  describe('a directory made by writeFile as a parent', () => {
    /** `d` holds nothing any more, and is still a directory until deleteDirectory removes it. */
    const stays = async (d: string) => {
      expect(await t.provider.directoryExists(d)).toBe(true);
      expect(await t.provider.listFiles(d)).toEqual([]);
      expect(await t.provider.listFiles(dir)).toContain('d');
      await t.provider.deleteDirectory(d);
      expect(await t.provider.directoryExists(d)).toBe(false);
    };
    /** A cutoff after the files written so far (object stores keep whole seconds). */
    const ageOut = async (...files: string[]) => {
      if (t.timeTravel) {
        const cutoff = new Date(Date.now() - 60_000);
        for (const f of files) await t.timeTravel(f, new Date(cutoff.getTime() - 60_000));
        return cutoff;
      }
      await sleep(1100);
      return new Date();
    };
    it('stays after its last file is deleted', async () => {
      await t.provider.writeFile(p('d', 'x.txt'), 'x');
      await t.provider.deleteFile(p('d', 'x.txt'));
      await stays(p('d'));
    });
    it('stays after its last file is moved away', async () => {
      await t.provider.writeFile(p('d', 'x.txt'), 'x');
      await t.provider.moveFile(p('d', 'x.txt'), p('moved.txt'));
      await stays(p('d'));
    });
    it('stays after deleteOldFiles ages its last file out', async () => {
      await t.provider.writeFile(p('d', 'x.txt'), 'x');
      expect(await t.provider.deleteOldFiles(p('d'), await ageOut(p('d', 'x.txt')))).toBe(1);
      await stays(p('d'));
    });
    it('and its sub-directories stay after a recursive deleteOldFiles', async () => {
      await t.provider.writeFile(p('d', 'sub', 'deep', 'x.txt'), 'x');
      await t.provider.writeFile(p('d', 'y.txt'), 'y');
      const cutoff = await ageOut(p('d', 'sub', 'deep', 'x.txt'), p('d', 'y.txt'));
      expect(await t.provider.deleteOldFiles(p('d'), cutoff, { recursive: true })).toBe(2);
      expect(await t.provider.listFiles(p('d'))).toEqual(['sub']);
      expect(await t.provider.listFiles(p('d', 'sub'))).toEqual(['deep']);
      expect(await t.provider.directoryExists(p('d', 'sub', 'deep'))).toBe(true);
      await t.provider.deleteDirectory(p('d'), { recursive: true });
      expect(await t.provider.directoryExists(p('d'))).toBe(false);
    });
  });

  describe('deleteFile', () => {
    it('removes one file and nothing else', async () => {
      await t.provider.writeFile(p('a.txt'), 'a');
      await t.provider.writeFile(p('b.txt'), 'b');
      await t.provider.deleteFile(p('a.txt'));
      expect(await t.provider.fileExists(p('a.txt'))).toBe(false);
      expect(await t.provider.listFiles(dir)).toEqual(['b.txt']);
    });
    it('fails with ENOENT for a missing file', async () => {
      expect(await codeOf(() => t.provider.deleteFile(p('missing.txt')))).toBe('ENOENT');
    });
    it('fails with EISDIR for a directory and keeps it', async () => {
      await t.provider.ensureDirectory(p('d'));
      expect(await codeOf(() => t.provider.deleteFile(p('d')))).toBe('EISDIR');
      expect(await t.provider.directoryExists(p('d'))).toBe(true);
    });
  });

  describe('fileExists', () => {
    it('is true for a file, false for a directory and for a missing path', async () => {
      await t.provider.writeFile(p('f.txt'), 'x');
      await t.provider.ensureDirectory(p('d'));
      expect(await t.provider.fileExists(p('f.txt'))).toBe(true);
      expect(await t.provider.fileExists(p('d'))).toBe(false);
      expect(await t.provider.fileExists(p('missing'))).toBe(false);
      expect(await t.provider.fileExists(p('f.txt', 'below'))).toBe(false);
    });
  });

  describe('listFiles', () => {
    it('lists names (not paths) of files and sub-directories, sorted', async () => {
      await t.provider.writeFile(p('b.txt'), 'b');
      await t.provider.writeFile(p('a.txt'), 'a');
      await t.provider.writeFile(p('sub', 'deep.txt'), 'd');
      await t.provider.ensureDirectory(p('empty'));
      expect(await t.provider.listFiles(dir)).toEqual(['a.txt', 'b.txt', 'empty', 'sub']);
    });
    it('lists an empty directory as []', async () => {
      await t.provider.ensureDirectory(p('empty'));
      expect(await t.provider.listFiles(p('empty'))).toEqual([]);
    });
    it('keeps the names the filter returns true for', async () => {
      for (const name of ['seg-1.ts', 'seg-2.ts', 'index.m3u8']) await t.provider.writeFile(p(name), name);
      const seen: string[] = [];
      const names = await t.provider.listFiles(dir, {
        filter: (n) => {
          seen.push(n);
          return n.endsWith('.ts');
        },
      });
      expect(names).toEqual(['seg-1.ts', 'seg-2.ts']);
      expect(seen.sort()).toEqual(['index.m3u8', 'seg-1.ts', 'seg-2.ts']);
    });
    const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    it('counts what the filter returns by truthiness, and lists names beyond ASCII', async () => {
      const names = ['a.txt', 'é-ü.txt', '日本.txt', 'b c.txt', 'emoji-😀.txt'];
      for (const name of names) await t.provider.writeFile(p(name), name);
      expect(await t.provider.listFiles(dir)).toEqual([...names].sort(byteOrder));
      const kept = await t.provider.listFiles(dir, { filter: (n) => (n.includes('.') ? n.length % 2 : '') as never });
      expect(kept).toEqual(names.filter((n) => n.length % 2).sort(byteOrder));
    });
    it('a filter may call the provider while listFiles settles', async () => {
      for (const name of ['x1', 'x2', 'x3']) await t.provider.writeFile(p(name), name);
      const started: Promise<boolean>[] = [];
      const names = await t.provider.listFiles(dir, {
        filter: (n) => {
          started.push(t.provider.fileExists(p(n)));
          return n !== 'x2';
        },
      });
      expect(names).toEqual(['x1', 'x3']);
      expect(await Promise.all(started)).toEqual([true, true, true]);
    });
    it('accepts a trailing slash on the directory', async () => {
      await t.provider.writeFile(p('a.txt'), 'a');
      expect(await t.provider.listFiles(dir + '/')).toEqual(['a.txt']);
    });
    it('fails with ENOENT for a missing directory and ENOTDIR for a file', async () => {
      await t.provider.writeFile(p('f'), 'x');
      expect(await codeOf(() => t.provider.listFiles(p('missing')))).toBe('ENOENT');
      expect(await codeOf(() => t.provider.listFiles(p('f')))).toBe('ENOTDIR');
    });
  });

  describe('getFileStats', () => {
    it('gives size, mtime and ctime of a file', async () => {
      const before = Date.now();
      await t.provider.writeFile(p('f.bin'), Buffer.alloc(1234, 7));
      const stats = await t.provider.getFileStats(p('f.bin'));
      expect(stats.size).toBe(1234);
      // Dates from the addon come from another realm than jest's: check the tag, not instanceof.
      expect(Object.prototype.toString.call(stats.mtime)).toBe('[object Date]');
      expect(Object.prototype.toString.call(stats.ctime)).toBe('[object Date]');
      expect(Number.isNaN(stats.mtime.getTime())).toBe(false);
      expect(Number.isNaN(stats.ctime.getTime())).toBe(false);
      // Object stores keep whole seconds; allow for that and a little clock skew.
      expect(stats.mtime.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(stats.mtime.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
    });
    it('fails with ENOENT for a missing file and EISDIR for a directory', async () => {
      await t.provider.ensureDirectory(p('d'));
      expect(await codeOf(() => t.provider.getFileStats(p('missing')))).toBe('ENOENT');
      expect(await codeOf(() => t.provider.getFileStats(p('d')))).toBe('EISDIR');
    });
  });

  describe('readFile and writeFile', () => {
    it('round-trips every byte value', async () => {
      const data = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      await t.provider.writeFile(p('bytes.bin'), data);
      const read = await t.provider.readFile(p('bytes.bin'));
      expect(Buffer.isBuffer(read)).toBe(true);
      expect(Buffer.compare(read, data)).toBe(0);
    });
    it('writes a string as UTF-8', async () => {
      await t.provider.writeFile(p('u.txt'), 'héllo wörld ✓ 𝄞');
      expect((await t.provider.readFile(p('u.txt'))).toString('utf8')).toBe('héllo wörld ✓ 𝄞');
      expect((await t.provider.getFileStats(p('u.txt'))).size).toBe(Buffer.byteLength('héllo wörld ✓ 𝄞'));
    });
    it('writes only the viewed bytes of a Buffer slice or Uint8Array', async () => {
      const whole = Buffer.from('0123456789');
      await t.provider.writeFile(p('slice.txt'), whole.subarray(2, 5));
      expect((await t.provider.readFile(p('slice.txt'))).toString()).toBe('234');
      await t.provider.writeFile(p('u8.txt'), new Uint8Array(whole.buffer, whole.byteOffset + 7, 3));
      expect((await t.provider.readFile(p('u8.txt'))).toString()).toBe('789');
    });
    it('writes an empty file', async () => {
      await t.provider.writeFile(p('empty.txt'), '');
      expect((await t.provider.readFile(p('empty.txt'))).length).toBe(0);
      expect(await t.provider.fileExists(p('empty.txt'))).toBe(true);
    });
    it('creates missing parent directories', async () => {
      await t.provider.writeFile(p('new', 'deep', 'f.txt'), 'x');
      expect(await t.provider.directoryExists(p('new', 'deep'))).toBe(true);
      expect(await t.provider.listFiles(p('new'))).toEqual(['deep']);
    });
    it('replaces an existing file', async () => {
      await t.provider.writeFile(p('f.txt'), 'a much longer first version');
      await t.provider.writeFile(p('f.txt'), 'short');
      expect((await t.provider.readFile(p('f.txt'))).toString()).toBe('short');
      expect(await t.provider.listFiles(dir)).toEqual(['f.txt']);
    });
    // 33 MiB: LOCAL and MEMORY write such a buffer from both ends (src/ops.rs, PIECEWISE_WRITE).
    it('writes and replaces a 33 MiB buffer whole, and refuses it over a directory or under a file', async () => {
      const big = Buffer.alloc(33 << 20);
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
      await t.provider.writeFile(p('big.bin'), 'old');
      await t.provider.writeFile(p('big.bin'), big);
      expect((await t.provider.readFile(p('big.bin'))).equals(big)).toBe(true);
      await t.provider.writeFile(p('d', 'inner.txt'), 'x');
      expect(await codeOf(() => t.provider.writeFile(p('d'), big))).toBe('EISDIR');
      expect(['ENOTDIR', 'EEXIST']).toContain(await codeOf(() => t.provider.writeFile(p('big.bin', 'under'), big)));
      expect((await t.provider.readFile(p('big.bin'))).equals(big)).toBe(true);
      expect(await t.provider.listFiles(dir)).toEqual(['big.bin', 'd']);
      // Nothing of the refused writes is stored (object stores send a large body while the write
      // checks run, holding its end back until they pass).
      expect(await t.provider.fileExists(p('big.bin', 'under'))).toBe(false);
      await t.provider.deleteDirectory(p('d'), { recursive: true });
      expect(await t.provider.fileExists(p('d'))).toBe(false);
    });
    it('does not let a later change to the caller buffer alter a finished write', async () => {
      const buf = Buffer.from('stable');
      await t.provider.writeFile(p('f.txt'), buf);
      buf.fill(0);
      expect((await t.provider.readFile(p('f.txt'))).toString()).toBe('stable');
    });
    it('fails with EISDIR when a directory is at the path, and keeps it', async () => {
      await t.provider.writeFile(p('d', 'inner.txt'), 'x');
      expect(await codeOf(() => t.provider.writeFile(p('d'), 'x'))).toBe('EISDIR');
      expect(await t.provider.fileExists(p('d', 'inner.txt'))).toBe(true);
    });
    it('fails with ENOTDIR or EEXIST when a file is in place of a parent', async () => {
      await t.provider.writeFile(p('f'), 'x');
      expect(['ENOTDIR', 'EEXIST']).toContain(await codeOf(() => t.provider.writeFile(p('f', 'g.txt'), 'y')));
      expect((await t.provider.readFile(p('f'))).toString()).toBe('x');
    });
    it('reading fails with ENOENT for a missing file and EISDIR for a directory', async () => {
      await t.provider.ensureDirectory(p('d'));
      expect(await codeOf(() => t.provider.readFile(p('missing')))).toBe('ENOENT');
      expect(await codeOf(() => t.provider.readFile(p('d')))).toBe('EISDIR');
    });
    it('keeps names with spaces, unicode, plus signs and percent signs literal', async () => {
      const names = ['a b.txt', 'ü-ñ-日本.txt', 'c+d.txt', '%2e%2e.txt', 'e%20f.txt'];
      for (const name of names) await t.provider.writeFile(p(name), name);
      expect(await t.provider.listFiles(dir)).toEqual([...names].sort());
      for (const name of names) expect((await t.provider.readFile(p(name))).toString()).toBe(name);
    });
  });

  describe('deleteOldFiles', () => {
    it('deletes only the files older than the cutoff, leaves sub-directories, and counts', async () => {
      await t.provider.writeFile(p('old-1.ts'), '1');
      await t.provider.writeFile(p('old-2.ts'), '2');
      await t.provider.writeFile(p('sub', 'old-inside.ts'), '3');
      await t.provider.ensureDirectory(p('empty-sub'));
      let cutoff: Date;
      if (t.timeTravel) {
        cutoff = new Date(Date.now() - 60_000);
        for (const f of ['old-1.ts', 'old-2.ts', 'sub/old-inside.ts']) await t.timeTravel(p(f), new Date(cutoff.getTime() - 60_000));
      } else {
        // Object stores keep whole seconds: leave a full second on each side of the cutoff.
        await sleep(1100);
        cutoff = new Date();
        await sleep(1100);
      }
      await t.provider.writeFile(p('new.ts'), 'n');
      expect(await t.provider.deleteOldFiles(dir, cutoff)).toBe(2);
      expect(await t.provider.listFiles(dir)).toEqual(['empty-sub', 'new.ts', 'sub']);
      expect(await t.provider.fileExists(p('sub', 'old-inside.ts'))).toBe(true);
      expect(await t.provider.deleteOldFiles(dir, cutoff)).toBe(0);
    });
    it('returns 0 for a missing directory', async () => {
      expect(await t.provider.deleteOldFiles(p('missing'), new Date())).toBe(0);
    });
    it('rejects an invalid date with EINVAL and a non-date with a TypeError', async () => {
      await expect(t.provider.deleteOldFiles(dir, new Date('nope'))).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(t.provider.deleteOldFiles(dir, 'yesterday' as unknown as Date)).rejects.toMatchObject({ name: 'TypeError' });
    });
  });

  describe('errors', () => {
    it('carry code, path, operation, provider and retryable', async () => {
      const missing = p('missing.txt');
      await expect(t.provider.readFile(missing)).rejects.toMatchObject({
        code: 'ENOENT',
        path: missing,
        operation: 'readFile',
        provider: t.providerName,
        retryable: false,
      });
      const err = await t.provider.readFile(missing).catch((e) => e);
      expect(err.message).toContain('readFile');
      expect(err.message).toContain(missing);
      expect(err.constructor.name).toBe('Error');
    });
    it('refuse NUL and control characters with EINVAL', async () => {
      for (const bad of [p('a\0b'), p('a\nb'), p('a\u0001b'), p('a\u007fb')]) {
        expect(await codeOf(() => t.provider.writeFile(bad, 'x'))).toBe('EINVAL');
        expect(await codeOf(() => t.provider.readFile(bad))).toBe('EINVAL');
      }
      expect(await codeOf(() => t.provider.readFile(''))).toBe('EINVAL');
    });
    it('reject a wrong argument type with a TypeError, never a crash', async () => {
      const bad: unknown[] = [undefined, null, 42, {}, [], Symbol('s'), () => 1];
      for (const value of bad) {
        await expect(t.provider.readFile(value as string)).rejects.toMatchObject({ name: 'TypeError' });
        await expect(t.provider.writeFile(p('f'), value as string)).rejects.toMatchObject({ name: 'TypeError' });
      }
      await expect(t.provider.deleteDirectory(dir, 'yes' as never)).rejects.toMatchObject({ name: 'TypeError' });
      await expect(t.provider.listFiles(dir, { filter: 'x' as never })).rejects.toMatchObject({ name: 'TypeError' });
      expect(await t.provider.fileExists(p('f'))).toBe(false);
    });
    it('a filter that throws rejects listFiles with what it threw', async () => {
      await t.provider.writeFile(p('a'), 'x');
      await expect(
        t.provider.listFiles(dir, {
          filter: () => {
            throw new Error('filter failed');
          },
        }),
      ).rejects.toMatchObject({ message: 'filter failed' });
    });
  });
}

/**
 * Extra rules for providers that confine paths to a root (LOCAL with a root, MEMORY, object stores).
 * `keyed`: paths are keys, so a leading `/` is dropped (object stores, MEMORY) rather than
 * checked against the root directory (LOCAL).
 */
export function confinement(makeTarget: () => Target | Promise<Target>, keyed: boolean): void {
  let t: Target;
  beforeAll(async () => {
    t = await makeTarget();
  });
  it('refuses paths that leave the root with EACCES', async () => {
    for (const bad of ['..', '../x', 'a/../../x', 'a/../b', '/..', './../x', 'a/b/../../../etc/passwd']) {
      expect(await codeOf(() => t.provider.writeFile(bad, 'x'))).toBe('EACCES');
      expect(await codeOf(() => t.provider.readFile(bad))).toBe('EACCES');
      expect(await codeOf(() => t.provider.deleteDirectory(bad, { recursive: true, force: true }))).toBe('EACCES');
    }
  });
  it('refuses backslashes and dot-only names with EINVAL', async () => {
    for (const bad of ['..\\x', 'a\\b', '...', '.. ']) {
      expect(await codeOf(() => t.provider.writeFile(bad, 'x'))).toBe('EINVAL');
    }
  });
  if (keyed) {
    it('maps a leading / or ./ to the same key', async () => {
      const name = `${t.freshDir().replace(/^\.?\/*/, '')}`;
      await t.provider.writeFile(`${name}/f.txt`, 'same');
      expect((await t.provider.readFile(`/${name}/f.txt`)).toString()).toBe('same');
      expect((await t.provider.readFile(`./${name}/f.txt`)).toString()).toBe('same');
      await t.provider.deleteDirectory(`/${name}`, { recursive: true });
    });
  }
  it('refuses to delete the root itself', async () => {
    expect(await codeOf(() => t.provider.deleteDirectory('/', { recursive: true }))).toBe('EACCES');
  });
}
