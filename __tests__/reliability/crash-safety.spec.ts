/**
 * Crash safety (LOCAL): a child process overwrites files in a loop and is killed with SIGKILL
 * 200 times at random moments. After every kill each file holds exactly one complete version:
 * the last one whose write resolved, or the one in flight (never empty, torn or mixed), and no
 * temp file shows in listFiles. Leftover temp files (`.stowage\x7ftmp-*`) are then removed by
 * `cleanupTempFiles`, which is how they are meant to be cleaned (README "Temp files").
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStorageProvider, MemoryStorageProvider } from '../..';
import { versionOf } from './fixtures/versions';
import { table, writeSection } from './report';
import { SecretScanner } from './secrets';
import { workspace } from './targets';

const KILLS = Number(process.env.STOWAGE_CRASH_KILLS ?? 200);
const FILES = 4;
const space = workspace('stowage-crash-');
const scanner = new SecretScanner();
const files = Array.from({ length: FILES }, (_, i) => `data/f${i}.bin`);
const figures = { kills: 0, acked: 0, inFlightSeen: 0, tempsLeft: 0, tempsCleaned: 0, maxTempsAtOnce: 0, ms: 0 };

interface Run {
  acked: Map<string, number>;
}

/** Starts the child, waits until it is writing, kills it after `delayMs`, returns what it acknowledged. */
function runAndKill(delayMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'overwriter.js'), space.root, String(FILES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<string, number>();
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
        else {
          const [file, version] = line.split(' ');
          acked.set(file, Math.max(acked.get(file) ?? 0, Number(version)));
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (${code}): ${err}`));
      else resolve({ acked });
    });
  });
}

afterAll(() => {
  if (figures.kills === KILLS) {
    writeSection(
      'crash-safety',
      20,
      'Crash safety (SIGKILL during writes)',
      `\`__tests__/reliability/crash-safety.spec.ts\`: a child process overwrote ${FILES} files (1 B – 400 KB each version) ` +
        `in a loop through LOCAL and was killed with SIGKILL at a random moment, ${figures.kills} times (${(figures.ms / 1000).toFixed(1)} s).\n\n` +
        table(
          ['figure', 'value'],
          [
            ['kills', figures.kills],
            ['writes acknowledged before a kill', figures.acked],
            ['files found torn, empty or mixed', 0],
            ['files holding the in-flight version (its rename had landed, the ack not yet sent)', figures.inFlightSeen],
            ['temp files shown by listFiles', 0],
            ['temp files left on disk at the end (before cleanup)', figures.tempsLeft],
            ['most temp files on disk after one kill', figures.maxTempsAtOnce],
            ['removed by cleanupTempFiles', figures.tempsCleaned],
          ],
        ),
    );
  }
  space.dispose();
});

describe('crash safety: SIGKILL while overwriting (LOCAL)', () => {
  const storage = new LocalStorageProvider({ root: space.root });
  const lastAcked = new Map<string, number>(files.map((f) => [f, 0]));

  it(`every file holds one complete version after each of ${KILLS} kills`, async () => {
    const started = Date.now();
    for (let kill = 0; kill < KILLS; kill++) {
      const { acked } = await runAndKill(Math.floor(Math.random() * 40));
      figures.kills += 1;
      for (const file of files) {
        const before = lastAcked.get(file) ?? 0;
        const ack = Math.max(before, acked.get(file) ?? 0);
        figures.acked += ack - before;
        let data: Buffer | null = null;
        try {
          data = readFileSync(join(space.root, file));
        } catch {
          data = null; // never written yet: allowed only when nothing was acknowledged
        }
        if (data === null) {
          expect(ack).toBe(0);
          continue;
        }
        const version = versionOf(file, data);
        if (version === null) throw new Error(`kill ${kill}: ${file} is torn or mixed (${data.length} bytes)`);
        // The last acknowledged version, or the one in flight when the kill came.
        expect([ack, ack + 1]).toContain(version);
        if (version === ack + 1) figures.inFlightSeen += 1;
        lastAcked.set(file, version);
      }
      const listed = await storage.listFiles('data').catch(() => [] as string[]);
      expect(listed.filter((n) => n.startsWith('.stowage\x7ftmp-'))).toEqual([]);
      let onDisk: string[] = [];
      try {
        onDisk = readdirSync(join(space.root, 'data')).filter((n) => n.startsWith('.stowage\x7ftmp-'));
      } catch {
        onDisk = [];
      }
      figures.maxTempsAtOnce = Math.max(figures.maxTempsAtOnce, onDisk.length);
    }
    figures.ms = Date.now() - started;
    expect(figures.acked).toBeGreaterThan(0);
  }, 240_000);

  it('cleanupTempFiles removes leftover temp files older than the cutoff, and nothing else', async () => {
    const temps = () => readdirSync(join(space.root, 'data')).filter((n) => n.startsWith('.stowage\x7ftmp-'));
    const regular = () => readdirSync(join(space.root, 'data')).filter((n) => !n.startsWith('.stowage\x7ftmp-'));
    mkdirSync(join(space.root, 'data', 'sub'), { recursive: true });
    writeFileSync(join(space.root, 'data', 'sub', '.stowage\x7ftmp-1-1-planted'), 'partial');
    const keep = regular();
    figures.tempsLeft = temps().length;
    // Fresh leftovers are younger than the default cutoff (an hour): they might be writes in flight.
    expect(await storage.cleanupTempFiles('data')).toBe(0);
    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const name of temps()) utimesSync(join(space.root, 'data', name), hourAgo, hourAgo);
    const removed = await storage.cleanupTempFiles('data', new Date(Date.now() - 3_600_000));
    expect(removed).toBe(figures.tempsLeft);
    expect(temps()).toEqual([]);
    expect(regular()).toEqual(keep);
    // At any depth, with an explicit cutoff of now.
    expect(await storage.cleanupTempFiles('.', new Date(Date.now() + 1000))).toBe(1);
    figures.tempsCleaned = removed + 1;
    expect(await storage.cleanupTempFiles('missing-dir')).toBe(0);
    expect(await scanner.codeOf(() => storage.cleanupTempFiles('../x'))).toBe('EACCES');
    expect(await scanner.codeOf(() => storage.cleanupTempFiles('data', new Date(NaN)))).toBe('EINVAL');
    expect(await scanner.codeOf(() => storage.cleanupTempFiles('data', 'yesterday' as never))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('MEMORY has no temp files: cleanupTempFiles resolves 0', async () => {
    const memory = new MemoryStorageProvider();
    await memory.writeFile('a/b.txt', 'x');
    expect(await memory.cleanupTempFiles('a', new Date(Date.now() + 1000))).toBe(0);
    expect(scanner.leaks).toEqual([]);
  });
});
