/** Logging: tracing events reach the callback with SPEC's levels and messages; without one, warnings and errors reach stderr. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LogEvent, MemoryStorageProvider, setLogger } from '..';
import { sleep } from './conformance/harness';

afterEach(() => setLogger(null));

it('sends debug lines for routine success and error lines for failures', async () => {
  const events: LogEvent[] = [];
  setLogger((e) => events.push(e));
  const s = new MemoryStorageProvider();
  await s.ensureDirectory('logs/a');
  await s.writeFile('logs/a/f.txt', 'x');
  await s.readFile('logs/missing').catch(() => undefined);
  await s.deleteFile('logs/gone').catch(() => undefined);
  await s.readFile('logs/a').catch(() => undefined);
  await sleep(20);
  expect(events).toContainEqual(
    expect.objectContaining({ level: 'debug', message: 'Directory ensured: logs/a', context: 'StorageService', operation: 'ensureDirectory', path: 'logs/a', provider: 'MEMORY' }),
  );
  expect(events).toContainEqual(expect.objectContaining({ level: 'debug', message: 'File written: logs/a/f.txt' }));
  // A missing file is an ordinary answer for many callers: debug, not a red ERROR line.
  expect(events).toContainEqual(
    expect.objectContaining({ level: 'debug', message: 'Failed to read file logs/missing: no such file or directory', code: 'ENOENT' }),
  );
  expect(events).toContainEqual(expect.objectContaining({ level: 'debug', operation: 'deleteFile', path: 'logs/gone', code: 'ENOENT' }));
  expect(events).toContainEqual(expect.objectContaining({ level: 'error', operation: 'readFile', path: 'logs/a', code: 'EISDIR' }));
  expect(events.filter((e) => e.level === 'error' && e.code === 'ENOENT')).toEqual([]);
});

it('stops sending when the logger is removed', async () => {
  const events: LogEvent[] = [];
  setLogger((e) => events.push(e));
  setLogger(null);
  await new MemoryStorageProvider().ensureDirectory('quiet');
  await sleep(20);
  expect(events).toEqual([]);
});

/** Runs `script` in a child node with the addon as `s`; its stdout and stderr. */
function child(script: string, env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['-e', `const s = require(${JSON.stringify(join(__dirname, '..'))});\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

describe('without a logger', () => {
  it('prints a typo in STORAGE_TYPE (variable or option) to stderr, and its fallback', () => {
    const fromEnv = child('console.log(new s.StorageService().defaultType);', { STORAGE_TYPE: 'S4' });
    expect(fromEnv).toEqual({
      status: 0,
      out: 'LOCAL\n',
      err: '[stowage] WARN [StorageService] Unknown STORAGE_TYPE "S4", falling back to LOCAL\n',
    });
    const fromOption = child("new s.StorageService({ storageType: 'AZURE' });");
    expect(fromOption.err).toBe('[stowage] WARN [StorageService] Unknown STORAGE_TYPE "AZURE", falling back to LOCAL\n');
  });

  it('prints failures as ERROR lines, but neither routine success nor a missing file', () => {
    const run = child(`const m = new s.MemoryStorageProvider();
      (async () => {
        await m.ensureDirectory('a');
        await m.writeFile('a/f.txt', 'x');
        await m.readFile('missing').catch(() => {});
        await m.deleteFile('missing').catch(() => {});
        await m.readFile('a').catch(() => {});
        console.log('done');
      })();`);
    expect(run).toEqual({ status: 0, out: 'done\n', err: '[stowage] ERROR [StorageService] Failed to read file a: illegal operation on a directory\n' });
  });

  it('is silent after setLogger(null), and prints again after setLogger()', () => {
    const run = child(`s.setLogger(null);
      new s.StorageService({ storageType: 'QUIET' });
      s.setLogger();
      new s.StorageService({ storageType: 'LOUD' });`);
    expect(run).toEqual({ status: 0, out: '', err: '[stowage] WARN [StorageService] Unknown STORAGE_TYPE "LOUD", falling back to LOCAL\n' });
  });

  it('a logger set takes every event instead of stderr', () => {
    const run = child(`s.setLogger((e) => console.log(e.level, e.message));
      new s.StorageService({ storageType: 'X' });
      setTimeout(() => {}, 50);`);
    expect(run).toEqual({ status: 0, out: 'warn Unknown STORAGE_TYPE "X", falling back to LOCAL\n', err: '' });
  });
});

it('refuses a logger that is neither a function nor null', () => {
  expect(() => setLogger(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
});

it('a logger that throws does not break storage calls', async () => {
  setLogger(() => {
    throw new Error('logger failed');
  });
  const s = new MemoryStorageProvider();
  const onUncaught = jest.fn();
  process.on('uncaughtException', onUncaught);
  await expect(s.writeFile('a.txt', 'x')).resolves.toBeUndefined();
  await sleep(20);
  process.off('uncaughtException', onUncaught);
  expect((await s.readFile('a.txt')).toString()).toBe('x');
});
