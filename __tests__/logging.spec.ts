/** Logging: tracing events reach the callback with SPEC's levels and messages; nothing without one. */
import { execFileSync } from 'node:child_process';
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
  await sleep(20);
  expect(events).toContainEqual(
    expect.objectContaining({ level: 'debug', message: 'Directory ensured: logs/a', context: 'StorageService', operation: 'ensureDirectory', path: 'logs/a', provider: 'MEMORY' }),
  );
  expect(events).toContainEqual(expect.objectContaining({ level: 'debug', message: 'File written: logs/a/f.txt' }));
  expect(events).toContainEqual(
    expect.objectContaining({ level: 'error', message: 'Failed to read file logs/missing: no such file or directory', code: 'ENOENT' }),
  );
});

it('stops sending when the logger is removed', async () => {
  const events: LogEvent[] = [];
  setLogger((e) => events.push(e));
  setLogger(null);
  await new MemoryStorageProvider().ensureDirectory('quiet');
  await sleep(20);
  expect(events).toEqual([]);
});

it('prints nothing when no logger is set', () => {
  const script = `const s = require(${JSON.stringify(join(__dirname, '..'))});
    const m = new s.MemoryStorageProvider();
    (async () => { await m.ensureDirectory('a'); await m.readFile('missing').catch(() => {});
      new s.StorageService({ storageType: 'NOPE' }); })();`;
  const out = execFileSync(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  expect(out.toString()).toBe('');
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
