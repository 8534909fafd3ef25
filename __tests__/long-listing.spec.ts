/**
 * Long LOCAL listings: past 4,096 names the names reach JavaScript in pieces while the directory
 * is still being read (and go through the filter as they arrive), and their order by name comes
 * at the end (crates/core/src/names.rs, src/ops.rs listFiles). The result must be exactly the
 * short path's: every name once, sorted by bytes, the filter called once per name, and a
 * throwing filter rejecting with what it threw.
 */
import { existsSync, mkdirSync, mkdtempSync, opendirSync, readdirSync, rmSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { LocalStorageProvider, MemoryStorageProvider } from '..';

const work = mkdtempSync(join(tmpdir(), 'stowage-long-list-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PIECE = 4096;

/** Names in a shuffled creation order: ASCII and not, short and long, files and directories. */
function namesFor(count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = (i * 7919) % count;
    if (n % 97 === 0) names.push(`dir-${n}`);
    else if (n % 13 === 0) names.push(`ü-${n}-${'x'.repeat(n % 40)}.m4s`);
    else names.push(`seg-${String(n).padStart(6, '0')}.${n % 2 === 0 ? 'ts' : 'm4s'}`);
  }
  return names;
}

function build(dir: string, names: string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    if (name.startsWith('dir-')) mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), '');
  }
  // Interrupted writes' temp files never show in a listing.
  writeFileSync(join(dir, '.stowage\x7ftmp-1-abc'), '');
  writeFileSync(join(dir, '.stowage\x7ftmp-2-def'), '');
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe.each([
  ['no root', () => new LocalStorageProvider(), (dir: string) => dir],
  ['a root', () => new LocalStorageProvider({ root: work }), (dir: string) => dir.slice(work.length + 1)],
])('LOCAL (%s): a listing of more than one piece', (_label, make, at) => {
  const provider = make();
  // Exactly one and two pieces (nothing left over), and pieces with a rest.
  for (const count of [PIECE, 2 * PIECE, 3 * PIECE + 517]) {
    it(`${count} entries: every name once, sorted by bytes; the filter sees each once`, async () => {
      const dir = join(work, `${_label.replace(' ', '-')}-${count}`);
      build(dir, namesFor(count));
      const want = readdirSync(dir).filter((n) => !n.startsWith('.stowage\x7ftmp-')).sort(byBytes);
      expect(want).toHaveLength(count);

      expect(await provider.listFiles(at(dir))).toEqual(want);
      const seen: string[] = [];
      const kept = await provider.listFiles(at(dir), {
        filter: (name) => {
          seen.push(name);
          return name.endsWith('.ts') || name.startsWith('ü');
        },
      });
      expect(seen.sort(byBytes)).toEqual(want);
      expect(kept).toEqual(want.filter((n) => n.endsWith('.ts') || n.startsWith('ü')));
      // Kept by truthiness, like Array#filter; none and all.
      const truthy = (name: string) => [0, 1, '', 'x', null, {}][name.length % 6];
      const fromJs = truthy as unknown as (name: string) => boolean; // what a JS caller may pass
      expect(await provider.listFiles(at(dir), { filter: fromJs })).toEqual(want.filter(truthy));
      expect(await provider.listFiles(at(dir), { filter: () => false })).toEqual([]);
      expect(await provider.listFiles(at(dir), { filter: () => true })).toEqual(want);

      // A filter that throws late (the last name by name; anywhere in the reading) rejects with
      // what it threw, and is not called again after it threw.
      const late = want[want.length - 1];
      let after = 0;
      let threw = false;
      const thrown = { code: 'FILTER', late };
      await expect(
        provider.listFiles(at(dir), {
          filter: (name) => {
            if (threw) after += 1;
            if (name === late) {
              threw = true;
              throw thrown;
            }
            return true;
          },
        }),
      ).rejects.toBe(thrown);
      expect(after).toBe(0);
    });
  }

  it('keeps concurrent long listings apart, and a filter may start another', async () => {
    const a = join(work, `${_label.replace(' ', '-')}-a`);
    const b = join(work, `${_label.replace(' ', '-')}-b`);
    build(a, namesFor(2 * PIECE + 1).map((n) => `a-${n}`));
    build(b, namesFor(3 * PIECE + 2).map((n) => `b-${n}`));
    const wantA = readdirSync(a).filter((n) => !n.startsWith('.stowage\x7ftmp-')).sort(byBytes);
    const wantB = readdirSync(b).filter((n) => !n.startsWith('.stowage\x7ftmp-')).sort(byBytes);
    const inner: Promise<string[]>[] = [];
    const [gotA, gotB, gotA2] = await Promise.all([
      provider.listFiles(at(a), {
        filter: (name) => {
          if (name === wantA[10]) inner.push(provider.listFiles(at(b)));
          return true;
        },
      }),
      provider.listFiles(at(b)),
      provider.listFiles(at(a), { filter: (name) => name.startsWith('a-seg') }),
    ]);
    expect(gotA).toEqual(wantA);
    expect(gotB).toEqual(wantB);
    expect(gotA2).toEqual(wantA.filter((n) => n.startsWith('a-seg')));
    expect(inner).toHaveLength(1);
    expect(await inner[0]).toEqual(wantB);
  });

  it('fails a long listing of a missing directory or a file with its code', async () => {
    await expect(provider.listFiles(at(join(work, 'missing-long')))).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(join(work, 'plain-file'), 'x');
    await expect(provider.listFiles(at(join(work, 'plain-file')))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

/** The names of `dir` in the order the filesystem gives them (`readdirSync` sorts them). */
function found(dir: string): string[] {
  const handle = opendirSync(dir);
  const names: string[] = [];
  try {
    for (let entry = handle.readSync(); entry; entry = handle.readSync()) names.push(entry.name);
  } finally {
    handle.closeSync();
  }
  return names;
}

const TMPFS_MAGIC = 0x01021994;
const shm = existsSync('/dev/shm') && statfsSync('/dev/shm').type === TMPFS_MAGIC;

describe('LOCAL: a long listing found in order by name, or backwards', () => {
  // tmpfs lists a directory newest first: names made in order come backwards, names made
  // backwards come in order — the two orders a long listing returns without reordering its names.
  (shm ? it : it.skip)('is returned sorted, filtered or not (on the tmpfs at /dev/shm)', async () => {
    const base = mkdtempSync('/dev/shm/stowage-long-list-');
    try {
      const names = Array.from({ length: 2 * PIECE + 5 }, (_, i) => `seg-${String(i).padStart(6, '0')}.${i % 2 ? 'm4s' : 'ts'}`);
      for (const [label, made] of [
        ['in-order', names],
        ['backwards', [...names].reverse()],
      ] as const) {
        const dir = join(base, label);
        mkdirSync(dir);
        for (const name of made) writeFileSync(join(dir, name), '');
        expect(found(dir)).toEqual([...made].reverse()); // newest first, as assumed
        const provider = new LocalStorageProvider();
        expect(await provider.listFiles(dir)).toEqual(names);
        expect(await provider.listFiles(dir, { filter: (n) => n.endsWith('.ts') })).toEqual(names.filter((n) => n.endsWith('.ts')));
        expect(await provider.listFiles(dir, { filter: (n) => n < 'seg-000100' })).toEqual(names.slice(0, 100));
        expect(await provider.listFiles(dir, { filter: () => false })).toEqual([]);
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('LOCAL with and without a root: links that lead nowhere', () => {
  it.each([
    ['without a root', () => new LocalStorageProvider(), (dir: string) => dir],
    ['with a root', () => new LocalStorageProvider({ root: work }), (dir: string) => relative(work, dir)],
  ])('are left out of a listing (short or long) and deleteOldFiles, which do not fail because of them: %s', async (label, make, at) => {
    const provider = make();
    for (const count of [3, PIECE + 3]) {
      const dir = join(work, `broken-links-${label.replace(/ /g, '-')}-${count}`);
      const names = namesFor(count).filter((n) => !n.startsWith('dir-'));
      build(dir, names);
      symlinkSync('loop', join(dir, 'loop')); // points at itself
      symlinkSync('missing', join(dir, 'dangling'));
      symlinkSync(`${names[0]}/below`, join(dir, 'through-a-file'));
      symlinkSync('n'.repeat(300), join(dir, 'too-long')); // ENAMETOOLONG when followed
      symlinkSync(names[1], join(dir, 'good-link'));
      const want = [...names, 'good-link'].sort(byBytes);
      expect(await provider.listFiles(at(dir))).toEqual(want);
      expect(await provider.listFiles(at(dir), { recursive: true })).toEqual(want);
      const listed: string[] = [];
      for await (const entry of provider.list(at(dir))) listed.push(entry.path);
      expect(listed.sort(byBytes)).toEqual(want);
      // Nothing is older than the epoch: nothing deleted, the links that lead nowhere included.
      const entries = readdirSync(dir).sort();
      await expect(provider.deleteOldFiles(at(dir), new Date(0))).resolves.toBe(0);
      expect(readdirSync(dir).sort()).toEqual(entries);
    }
  });
});

describe('a filter or an options getter that throws', () => {
  const provider = new LocalStorageProvider();
  const short = join(work, 'thrown-short');
  const long = join(work, 'thrown-long');
  beforeAll(() => {
    build(short, ['a.ts', 'b.ts']);
    build(long, namesFor(PIECE + 1));
  });
  // Not only Errors: whatever was thrown is what the promise rejects with.
  for (const [label, value] of [
    ['a number', 42],
    ['a string', 'nope'],
    ['a plain object', { code: 'MINE' }],
    ['undefined', undefined],
    ['an Error', new Error('boom')],
  ] as const) {
    it(`rejects with exactly what it threw: ${label}`, async () => {
      for (const dir of [short, long]) {
        const filter = () => {
          throw value;
        };
        await expect(provider.listFiles(dir, { filter })).rejects.toBe(value);
      }
      const options = {
        get filter(): () => boolean {
          throw value;
        },
      };
      await expect(provider.listFiles(short, options)).rejects.toBe(value);
    });
  }
});

describe('MEMORY: a long listing', () => {
  it('is sorted by bytes, every name through the filter once, like LOCAL', async () => {
    const provider = new MemoryStorageProvider();
    const names = namesFor(PIECE + 10).filter((n) => !n.startsWith('dir-'));
    for (const name of names) await provider.writeFile(`long/${name}`, '');
    const want = [...names].sort(byBytes);
    const seen: string[] = [];
    expect(await provider.listFiles('long', { filter: (n) => (seen.push(n), true) })).toEqual(want);
    expect(seen.sort(byBytes)).toEqual(want);
  });
});
