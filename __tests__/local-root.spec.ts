/** LOCAL with a root: symbolic links must not lead outside it, and nothing outside is touched. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageProvider } from '..';
import { codeOf } from './conformance/harness';

const work = mkdtempSync(join(tmpdir(), 'stowage-root-'));
const root = join(work, 'root');
const canary = join(work, 'canary');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fingerprint of every file and directory under `dir`: names, sizes and bytes. */
function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = statSync(full);
      hash.update(`${full}:${st.isDirectory()}:${st.size}\n`);
      if (st.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

beforeAll(() => {
  mkdirSync(join(canary, 'dir'), { recursive: true });
  writeFileSync(join(canary, 'secret.txt'), 'do not read');
  writeFileSync(join(canary, 'dir', 'inner.txt'), 'do not delete');
  mkdirSync(root, { recursive: true });
  symlinkSync(join(canary, 'secret.txt'), join(root, 'file-link'));
  symlinkSync(join(canary, 'dir'), join(root, 'dir-link'));
  symlinkSync('../canary', join(root, 'relative-link'));
  mkdirSync(join(root, 'inside'));
  symlinkSync(join(root, 'inside'), join(root, 'inside-link'));
});

describe('LOCAL with a root and symbolic links', () => {
  const provider = () => new LocalStorageProvider({ root });

  it('refuses every operation through a link that leads outside, and touches nothing there', async () => {
    const before = fingerprint(canary);
    const s = provider();
    const attempts: Array<() => Promise<unknown>> = [
      () => s.readFile('file-link'),
      () => s.writeFile('file-link', 'overwritten'),
      () => s.getFileStats('file-link'),
      () => s.readFile('dir-link/inner.txt'),
      () => s.writeFile('dir-link/new.txt', 'x'),
      () => s.deleteFile('dir-link/inner.txt'),
      () => s.listFiles('dir-link'),
      () => s.deleteDirectory('dir-link', { recursive: true, force: true }),
      () => s.deleteOldFiles('dir-link', new Date(Date.now() + 86_400_000)),
      () => s.ensureDirectory('dir-link/sub'),
      () => s.readFile('relative-link/secret.txt'),
      () => s.writeFile('relative-link/dir/inner.txt', 'x'),
      () => s.readFile(join(root, 'dir-link', 'inner.txt')),
    ];
    for (const attempt of attempts) {
      expect(await codeOf(attempt)).toBe('EACCES');
    }
    expect(fingerprint(canary)).toBe(before);
  });

  it('refuses absolute paths outside the root, even ones sharing its prefix', async () => {
    const s = provider();
    expect(await codeOf(() => s.readFile(join(canary, 'secret.txt')))).toBe('EACCES');
    expect(await codeOf(() => s.writeFile(`${root}-sibling/x`, 'x'))).toBe('EACCES');
    expect(await codeOf(() => s.readFile('/etc/hostname'))).toBe('EACCES');
  });

  it('follows links that stay inside the root', async () => {
    const s = provider();
    await s.writeFile('inside/a.txt', 'a');
    expect((await s.readFile('inside-link/a.txt')).toString()).toBe('a');
  });

  it('accepts absolute paths under the root and reports the canonical root', async () => {
    const s = provider();
    await s.writeFile(join(root, 'abs.txt'), 'abs');
    expect((await s.readFile('abs.txt')).toString()).toBe('abs');
    expect(s.root).toBe(root);
  });

  it('takes the root from STORAGE_LOCAL_ROOT when no option is given', () => {
    // A child process: jest gives each test file a copy of process.env that native code cannot see.
    const script = `const { LocalStorageProvider } = require(${JSON.stringify(join(__dirname, '..'))});
      process.stdout.write(String(new LocalStorageProvider().root));`;
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, ...env } }).toString();
    expect(run({ STORAGE_LOCAL_ROOT: join(root, 'from-env') })).toBe(join(root, 'from-env'));
    expect(run({})).toBe('null');
  });
});

describe('LOCAL temp files', () => {
  it('never show in listings and never outlive a failed write', async () => {
    const s = new LocalStorageProvider({ root });
    await s.ensureDirectory('tmp-check/dir');
    expect(await codeOf(() => s.writeFile('tmp-check/dir', 'x'))).toBe('EISDIR');
    expect(readdirSync(join(root, 'tmp-check'))).toEqual(['dir']);
    writeFileSync(join(root, 'tmp-check', '.stowage\x7ftmp-123-0-leftover'), 'x');
    expect(await s.listFiles('tmp-check')).toEqual(['dir']);
  });
});
