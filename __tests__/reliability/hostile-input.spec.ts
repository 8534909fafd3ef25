/**
 * Hostile JavaScript input: every method of LocalStorageProvider, MemoryStorageProvider and
 * StorageService called with wrong types, undefined and null, a 100 MB string, lone surrogates,
 * Buffer views with offsets, other typed arrays, DataViews, detached buffers, throwing and
 * non-boolean filters and invalid Dates (the cases are in fixtures/hostile.js). It runs in a child
 * process so that a crash shows as an exit code; every call must get what its case says: a
 * TypeError (ERR_INVALID_ARG_TYPE), an EINVAL rejection, or the documented result (README
 * "Hostile input").
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { table, writeSection } from './report';
import { SecretScanner } from './secrets';
import { workspace } from './targets';

interface Result {
  cls: string;
  method: string;
  label: string;
  expect: string;
  outcome: string;
  detail: string;
}

const space = workspace('stowage-hostile-');
afterAll(() => space.dispose());

describe('hostile JavaScript input', () => {
  it('crashes nothing, and every call gets a TypeError, an EINVAL or its documented result', () => {
    const started = Date.now();
    const child = spawnSync(process.execPath, [join(__dirname, 'fixtures', 'hostile.js'), space.root], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
      encoding: 'utf8',
    });
    const ms = Date.now() - started;
    expect({ status: child.status, signal: child.signal, stderr: child.stderr.slice(0, 2000) }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const { results, logLines } = JSON.parse(child.stdout) as { results: Result[]; logLines: string[] };
    const wrong = results.filter((r) => r.outcome !== r.expect);
    expect(wrong).toEqual([]);

    const scanner = new SecretScanner();
    for (const r of results) scanner.scan(r.detail, `${r.cls}.${r.method}`);
    for (const line of logLines) scanner.scan(line, 'log');
    expect(scanner.leaks).toEqual([]);

    const tally = (cls: string, outcome: (o: string) => boolean) =>
      results.filter((r) => r.cls === cls && outcome(r.outcome)).length;
    const classes = [...new Set(results.map((r) => r.cls))];
    writeSection(
      'hostile-input',
      30,
      'Hostile JavaScript input',
      `\`__tests__/reliability/hostile-input.spec.ts\` (cases in \`fixtures/hostile.js\`), in a child process: ` +
        `${results.length} calls in ${(ms / 1000).toFixed(1)} s, exit status ${child.status}, no signal: zero crashes. ` +
        `Every call got the outcome its case expects; ${scanner.scanned} messages and log lines scanned, ${scanner.leaks.length} secrets found.\n\n` +
        table(
          ['class', 'calls', 'TypeError', 'EINVAL', 'other documented rejection', 'resolved (documented)', 'synchronous throw (wrong `this`)'],
          classes.map((cls) => [
            cls,
            tally(cls, () => true),
            tally(cls, (o) => o === 'TypeError'),
            tally(cls, (o) => o === 'EINVAL'),
            tally(cls, (o) => !['TypeError', 'EINVAL', 'OK', 'THROWN_SYNC'].includes(o)),
            tally(cls, (o) => o === 'OK'),
            tally(cls, (o) => o === 'THROWN_SYNC'),
          ]),
        ),
    );
  }, 180_000);
});
