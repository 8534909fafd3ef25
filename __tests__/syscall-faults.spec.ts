/**
 * LOCAL operations whose syscalls fail: strace fails chosen syscalls of a child process
 * (`-e inject`, counted per thread; the child runs one pool thread, STOWAGE_LOCAL_THREADS=1), as a
 * failing device would, and a file size limit stops a write as a full disk would. What must hold: the promise rejects with a coded error,
 * nothing is left behind (no temp file, no half-written file, no names kept in memory), the old
 * content survives, and the next call works. Needs strace and ptrace; scripts/test.sh installs
 * strace where it is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'stowage-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TRACE = ['-f', '-qq', '--seccomp-bpf', '-o', '/dev/null'];
const strace = spawnSync('strace', [...TRACE, '-e', 'trace=getdents64', 'true']).status === 0;
const withStrace = strace ? it : it.skip;

/**
 * Runs `fixture` (in fixtures/) on one pool thread, behind `wrapper` (the command and arguments
 * that start it: strace, or a shell setting a limit), with `node` options and `args`; its JSON.
 */
function runFixture(wrapper: string[], fixture: string, args: string[], node: string[] = []): any {
  const [command, ...wrapperArgs] = wrapper;
  const out = execFileSync(command, [...wrapperArgs, process.execPath, ...node, join(__dirname, 'fixtures', fixture), ...args], {
    env: { ...process.env, STOWAGE_LOCAL_THREADS: '1' },
    timeout: 120_000,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

/** `runFixture` under strace, failing the `syscalls` as `inject` says. */
function underStrace(syscalls: string, inject: string, fixture: string, args: string[], node: string[] = []): any {
  return runFixture(['strace', ...TRACE, '-e', `trace=${syscalls}`, '-e', `inject=${syscalls}:${inject}`], fixture, args, node);
}

describe('LOCAL: a long listing that fails halfway through the directory', () => {
  const PIECE = 4096;
  const dir = join(work, 'listing');
  beforeAll(() => {
    mkdirSync(dir);
    for (let i = 0; i < 20_000; i += 1) writeFileSync(join(dir, `entry-${String(i).padStart(6, '0')}.ts`), '');
  });
  // Every second getdents64 of the pool thread fails: each listing reads its first 256 KiB.
  const failing = (mode = '') =>
    underStrace('getdents64', 'error=EIO:when=2+2', 'failing-listing.js', [dir, '100', mode], ['--expose-gc']);

  withStrace('rejects with EIO after a piece went through the filter, and leaves nothing behind', () => {
    const { codes, seen, growthMiB } = failing();
    expect(codes).toEqual({ EIO: 100 });
    expect(seen).toBe(100 * PIECE); // each failed after its first piece of names was filtered
    // The names gathered before the failure are let go of (~200 KiB a listing otherwise).
    expect(growthMiB).toBeLessThan(5);
  });

  withStrace('rejects with what the filter threw, which came before the EIO', () => {
    const { codes, seen, growthMiB } = failing('throw');
    expect(codes).toEqual({ THROWN: 100 });
    expect(seen).toBe(100); // the filter saw no name after it threw
    expect(growthMiB).toBeLessThan(5);
  });
});

describe('LOCAL: a write that fails', () => {
  // Every write publishes with a rename relative to its directory's handle (renameat, or
  // renameat2 where the architecture has no renameat): the first two fail, the third goes through.
  withStrace('at the rename (a small write and a large one): EIO, the old content kept, no temp file', () => {
    const steps = underStrace('rename,renameat,renameat2', 'error=EIO:when=1..2', 'failing-write.js', [join(work, 'rename'), 'rename']);
    for (const step of [steps.small, steps.big]) {
      expect(step).toMatchObject({ code: 'EIO', content: steps.old, entries: ['file.bin'] });
      expect(step.message).toContain('writeFile');
    }
    expect(steps.again).toMatchObject({ code: null, content: steps.againExpected, entries: ['file.bin'] });
  });

  // Not strace here: a thread's Nth write is not a fixed MiB of a large write (the JS thread
  // copies pieces from the end when the writer falls behind), and every other thread's Nth write
  // would fail too. A file size limit stops the write at a fixed size instead, as a full disk would.
  it('outgrowing the file size limit at 48 MiB of 64 (writeFile, and a write stream over an old file): EIO saying why, no temp file, the old content kept, and the next write works', () => {
    const steps = runFixture(['bash', '-c', 'ulimit -f 49152 && exec "$0" "$@"'], 'failing-write.js', [join(work, 'fsize'), 'fsize']);
    expect(steps.big).toMatchObject({ code: 'EIO', content: null, entries: [] });
    expect(steps.big.message).toContain('file too large');
    expect(steps.stream).toMatchObject({ code: 'EIO', content: steps.stream.old, entries: ['stream.bin'] });
    expect(steps.stream.message).toContain('file too large');
    expect(steps.again).toMatchObject({ code: null, content: steps.againExpected, entries: ['file.bin'] });
  });
});

describe('LOCAL on a filesystem without extended attributes', () => {
  // Every xattr syscall fails as such a filesystem answers (EOPNOTSUPP is ENOTSUP on Linux).
  const XATTR = 'fsetxattr,fgetxattr,flistxattr,setxattr,getxattr,listxattr,lsetxattr,lgetxattr,llistxattr';

  withStrace('a plain write works and its type is guessed; a write with other metadata is ENOTSUP and leaves nothing', () => {
    const r = underStrace(XATTR, 'error=EOPNOTSUPP', 'no-xattrs.js', [join(work, 'no-xattrs')]);
    const before = ['keep.txt', 'photo.png', 'typed.png'];
    expect(r.plain).toEqual({ code: null, contentType: 'image/png', content: 'png', entries: ['keep.txt', 'photo.png'] });
    // An explicit contentType is dropped for the name's guess (README, "Where it is stored").
    expect(r.typed).toEqual({ code: null, contentType: 'image/png', content: 'png', entries: before });
    // Refused before anything is published: no file, no temp file.
    for (const step of [r.metadata, r.header, r.copy]) {
      expect(step).toEqual({ code: 'ENOTSUP', contentType: null, content: null, entries: before });
    }
    // Over an existing file (writeFile and a write stream): the old content stays.
    for (const step of [r.overOld, r.stream]) {
      expect(step).toEqual({ code: 'ENOTSUP', contentType: 'text/plain', content: 'old', entries: before });
    }
    // transfer's source-ETag record is dropped, not refused: sync works and falls back to SHA-256.
    expect(r.sync).toEqual({ first: { copied: 1, skipped: 0, failed: [] }, second: { copied: 0, skipped: 1, failed: [] }, content: 'aaaa' });
  });
});

describe('LOCAL: deleteOldFiles while some deletes fail', () => {
  withStrace.each([
    ['without a root', ''],
    ['with a root', 'root'],
  ])('%s: a file that fails is logged and skipped, and the count is what was deleted', (_, mode) => {
    const dir = join(work, `delete-${mode || 'native'}`);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const hourAgo = new Date(Date.now() - 3_600_000);
    const olds = Array.from({ length: 200 }, (_, i) => `old-${String(i).padStart(3, '0')}.ts`);
    const news = Array.from({ length: 200 }, (_, i) => `new-${String(i).padStart(3, '0')}.ts`);
    for (const name of olds) {
      writeFileSync(join(dir, name), '');
      utimesSync(join(dir, name), hourAgo, hourAgo);
    }
    for (const name of news) writeFileSync(join(dir, name), '');
    // Every second unlink of each thread fails.
    const r = underStrace('unlink,unlinkat', 'error=EIO:when=2+2', 'failing-delete.js', [dir, mode]);
    expect(r.code).toBeNull();
    const leftOld = r.left.filter((n: string) => n.startsWith('old-'));
    expect(r.deleted).toBeGreaterThan(0);
    expect(leftOld.length).toBeGreaterThan(0);
    expect(r.deleted + leftOld.length).toBe(200);
    // One warning per file left, naming it and the reason.
    const named = r.warns.map((w: string) => /^Failed to delete old file .*\/(old-\d{3}\.ts): input\/output error$/.exec(w)?.[1]);
    expect(named.sort()).toEqual(leftOld);
    expect(r.left).toEqual([...leftOld, ...news, 'sub'].sort());
  });
});
