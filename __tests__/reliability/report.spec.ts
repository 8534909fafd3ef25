/**
 * A test run never rewrites the tracked RELIABILITY.md: specs write their sections into
 * `.test-results/RELIABILITY.md`; the tracked file changes only with STOWAGE_UPDATE_RELIABILITY=1
 * or `report.js --update`. Checked on a copy of report.js in a scratch repo layout.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'stowage-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const script = join(scratch, '__tests__', 'reliability', 'report.js');
mkdirSync(join(scratch, '__tests__', 'reliability'), { recursive: true });
copyFileSync(join(__dirname, 'report.js'), script);
const tracked = join(scratch, 'RELIABILITY.md');
const runReport = join(scratch, '.test-results', 'RELIABILITY.md');

function node(args: string[], env: Record<string, string> = {}) {
  const { STOWAGE_UPDATE_RELIABILITY: _, ...rest } = process.env;
  const run = spawnSync(process.execPath, args, { cwd: scratch, encoding: 'utf8', env: { ...rest, ...env } });
  return { code: run.status, out: run.stdout, err: run.stderr };
}
const write = (part: string, order: number, env: Record<string, string> = {}) =>
  node(['-e', `require(${JSON.stringify(script)}).writeSection(${JSON.stringify(part)}, ${order}, 'Title ${part}', 'figures of ${part}')`], env);
const parts = (file: string) => [...readFileSync(file, 'utf8').matchAll(/<!-- part:(\S+) /g)].map((m) => m[1]);

it('writes a run into .test-results/, and the tracked file only on request', () => {
  writeFileSync(tracked, '# old header\n\n<!-- part:kept order:5 -->\n## Kept\n\nold figures\n<!-- /part -->\n');
  const before = readFileSync(tracked, 'utf8');

  expect(write('run-a', 20)).toMatchObject({ code: 0, err: '' });
  expect(write('run-b', 10)).toMatchObject({ code: 0, err: '' });
  expect(readFileSync(tracked, 'utf8')).toBe(before);
  expect(parts(runReport)).toEqual(['run-b', 'run-a']);
  expect(readFileSync(runReport, 'utf8')).toContain('figures of run-a');

  expect(write('direct', 30, { STOWAGE_UPDATE_RELIABILITY: '1' }).code).toBe(0);
  expect(parts(tracked)).toEqual(['kept', 'direct']);
  expect(readFileSync(tracked, 'utf8')).toContain('STOWAGE_UPDATE_RELIABILITY=1'); // the header says how

  expect(node([script, '--update'])).toMatchObject({ code: 0, out: 'reliability: 2 sections copied into RELIABILITY.md\n' });
  expect(parts(tracked)).toEqual(['kept', 'run-b', 'run-a', 'direct']);
  expect(readFileSync(tracked, 'utf8')).toContain('old figures');
  expect(existsSync(`${tracked}.lock`)).toBe(false);
});

it('--update without a run report says so and changes nothing', () => {
  rmSync(join(scratch, '.test-results'), { recursive: true, force: true });
  const before = readFileSync(tracked, 'utf8');
  expect(node([script, '--update'])).toMatchObject({ code: 1, err: expect.stringContaining('run the suite first') });
  expect(readFileSync(tracked, 'utf8')).toBe(before);
  expect(node([script]).code).toBe(2);
});
