/**
 * The I/O pool LOCAL and MEMORY run their short operations on: any thread count works, a pending
 * call keeps the process alive and an idle pool does not, worker threads get their own settling.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'stowage-pool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const child = join(__dirname, 'fixtures', 'io-pool.js');

function run(threads: string | undefined, dir: string, mode = ''): string {
  const env = { ...process.env };
  delete env.STOWAGE_LOCAL_THREADS;
  if (threads !== undefined) env.STOWAGE_LOCAL_THREADS = threads;
  // A process that hangs on an idle pool fails here by the timeout.
  return execFileSync(process.execPath, [child, dir, '300', mode], { env, timeout: 60_000, encoding: 'utf8' });
}

describe('the I/O pool', () => {
  it.each([
    ['1', '1'],
    ['the default', undefined],
    ['64', '64'],
    ['a value that is not a count (falls back to the default)', 'many'],
  ])('with STOWAGE_LOCAL_THREADS %s: 300 calls at once settle, the last pending one keeps the process alive, then it exits', (_, threads) => {
    const dir = join(work, `t-${threads ?? 'default'}`);
    const out = run(threads, dir);
    expect(out).toContain('"tag":"main","ok":true,"missing":"ENOENT"');
    expect(out).toContain('main last written');
    expect(readFileSync(join(dir, 'main', 'last.txt'), 'utf8')).toBe('last');
  });

  it('works from a worker thread too, and the worker and the process exit', () => {
    const dir = join(work, 'worker');
    const out = run('2', dir, 'worker');
    expect(out).toContain('"tag":"main","ok":true');
    expect(out).toContain('"tag":"worker","ok":true,"missing":"ENOENT"');
    expect(out).toContain('worker last written');
  });

  it('survives worker threads torn down with long listings and other calls in flight', () => {
    const out = execFileSync(process.execPath, [join(__dirname, 'fixtures', 'worker-teardown.js'), join(work, 'teardown'), '12'], {
      timeout: 120_000,
      encoding: 'utf8',
    });
    expect(out).toBe('done 12 rounds, 2000 names\n');
  });
});
