/**
 * Walks of LOCAL and MEMORY under attack (issue 19): a tree far deeper than a recursion could
 * follow, a sub-directory swapped for a link while a recursive deleteOldFiles runs, 8 writers
 * rewriting old files while deleteOldFiles runs (with and without options), names that are not
 * UTF-8 beside a name that is U+FFFD, and the smaller LOCAL cases (a huge chunkSize on a small
 * file, a write stream whose queued buffer is transferred, user files named like old temp files,
 * `{ root: '' }`, a number as deleteOldFiles' date). Deep trees and the link swapper are made by
 * a small Python helper (`os.mkdir(..., dir_fd=...)`, so no path grows with the depth).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LocalStorageProvider,
  MemoryStorageProvider,
  setLogger,
  transfer,
  type IStorageProvider,
  type LogEvent,
} from '../..';
import { table, writeSection } from './report';

/** On tmpfs where there is one: deep trees and thousands of small files are quick to make there. */
const space = (() => {
  const work = realpathSync(mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'stowage-walks-')));
  const root = join(work, 'root');
  mkdirSync(root);
  return { root, dispose: () => rmSync(work, { recursive: true, force: true }) };
})();
const figures = new Map<string, string>();
afterAll(() => {
  setLogger(null);
  if (figures.size === 5) {
    writeSection(
      'walks',
      45,
      'Deep trees, swapped links, rewrites and odd names (LOCAL, MEMORY)',
      [...figures.values()].join('\n\n'),
    );
  }
  space.dispose();
});

const HOUR = 3600_000;
const provider = (root: string | null): LocalStorageProvider =>
  root === null ? new LocalStorageProvider() : new LocalStorageProvider({ root });

function python(script: string, ...args: string[]): void {
  const run = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
}

/** `depth` nested directories `d` under `top`, an old file at the first and the last level, an old temp file at the last. */
const DEEP_TREE = `
import os, sys, time
top, depth, temp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.mkdir(top)
fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
old = time.time() - 7200
for level in range(depth):
    if level in (0, depth - 1):
        for name in ('old.txt', temp) if level else ('old.txt',):
            f = os.open(name, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
            os.utime(f, (old, old))
            os.close(f)
    if level + 1 < depth:
        os.mkdir('d', dir_fd=fd)
        child = os.open('d', os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
`;

describe('walks', () => {
  it('a 10,000-level tree is swept, aged out, refused by listings and transfer, and deleted, with and without a root', async () => {
    const DEPTH = 10_000;
    const rows: Array<Array<string | number>> = [];
    const memory = new MemoryStorageProvider();
    for (const rooted of [true, false]) {
      const top = join(space.root, rooted ? 'deep-rooted' : 'deep-native');
      python(DEEP_TREE, top, String(DEPTH), '.stowage\x7ftmp-1-1-left');
      const p = provider(rooted ? space.root : null);
      const dir = rooted ? 'deep-rooted' : top;
      const cutoff = new Date(Date.now() - HOUR);
      const temps = await p.cleanupTempFiles(dir, cutoff);
      const old = await p.deleteOldFiles(dir, cutoff, { recursive: true });
      const listed = await p.listFiles(dir, { recursive: true }).then(
        () => 'resolved',
        (e) => e.code,
      );
      const moved = await transfer(p, dir, memory, 'copy').then(
        () => 'resolved',
        (e) => e.code,
      );
      const signal = rooted ? new AbortController().signal : undefined;
      await p.deleteDirectory(dir, { recursive: true, signal });
      expect({ temps, old, listed, moved, gone: !existsSync(top) }).toEqual({
        temps: 1,
        old: 2,
        listed: 'EINVAL',
        moved: 'EINVAL',
        gone: true,
      });
      rows.push([rooted ? 'LOCAL (root)' : 'LOCAL', DEPTH, temps, old, listed, moved, 'deleted']);
    }
    figures.set(
      'deep',
      `**Deep trees.** A tree of ${DEPTH.toLocaleString('en')} nested directories (an old file at the top and the bottom, an old temp file at the bottom), walked in the Node process: ` +
        `no crash (before the walks were made iterative, \`cleanupTempFiles\` ended the process with SIGSEGV at ~2,900 levels and a rooted recursive \`deleteDirectory\` at ~4,500). ` +
        `Listings and \`transfer\` refuse a tree deeper than 4,096 levels with EINVAL (README "Deep trees"); ` +
        `\`crates/core/tests/deep_trees.rs\` does the same on 100,000 levels, and checks that \`deleteOldFiles\` on 12,000 levels deletes exactly its 13 old files.\n\n` +
        table(['target', 'levels', 'cleanupTempFiles', 'deleteOldFiles (recursive)', 'listFiles (recursive)', 'transfer', 'deleteDirectory (recursive)'], rows),
    );
  });

  it('a recursive deleteOldFiles never deletes through a sub-directory swapped for a link', async () => {
    const FILES = 300;
    const CYCLES = 10;
    const rows: Array<Array<string | number>> = [];
    // Swaps t/sub (a directory) with a link to ../sibling and back, as fast as it can, until SIGTERM.
    const SWAPPER = `
import os, signal, sys
t = sys.argv[1]
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
swaps = 0
print('go', flush=True)
while not stop:
    os.rename(t + '/sub', t + '/sub-parked')
    os.rename(t + '/sub-link', t + '/sub')
    os.rename(t + '/sub', t + '/sub-link')
    os.rename(t + '/sub-parked', t + '/sub')
    swaps += 1
print(swaps, flush=True)
`;
    for (const rooted of [true, false]) {
      const base = join(space.root, rooted ? 'swap-rooted' : 'swap-native');
      const t = join(base, 't');
      const sibling = join(base, 'sibling');
      mkdirSync(join(t, 'sub'), { recursive: true });
      mkdirSync(sibling, { recursive: true });
      symlinkSync('../sibling', join(t, 'sub-link'));
      const p = provider(rooted ? space.root : null);
      const dir = rooted ? 'swap-rooted/t' : t;
      const old = new Date(Date.now() - 2 * HOUR);
      let lost = 0;
      let deleted = 0;
      let swaps = 0;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        for (const d of [join(t, 'sub'), sibling]) {
          for (let i = 0; i < FILES; i++) {
            writeFileSync(join(d, `f${i}`), 'x');
            utimesSync(join(d, `f${i}`), old, old);
          }
        }
        const swapper = spawn('python3', ['-c', SWAPPER, t], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        swapper.stdout.on('data', (b) => (out += b));
        await new Promise<void>((resolve) => swapper.stdout.once('data', () => resolve()));
        deleted += await p.deleteOldFiles(dir, new Date(Date.now() - HOUR), { recursive: true });
        swapper.kill('SIGTERM');
        await new Promise((resolve) => swapper.once('exit', resolve));
        swaps += Number(out.split('\n')[1] ?? 0);
        lost += FILES - readdirSync(sibling).length;
      }
      expect({ lost, swaps: swaps > 0 }).toEqual({ lost: 0, swaps: true });
      rows.push([rooted ? 'LOCAL (root)' : 'LOCAL', CYCLES, swaps, deleted, lost]);
    }
    figures.set(
      'swap',
      `**Swapped links.** \`t/sub\` and \`sibling\` each hold ${FILES} old files with the same names; while \`deleteOldFiles('t', cutoff, { recursive: true })\` runs, a Python process swaps \`t/sub\` with a link to \`../sibling\` and back as fast as it can. ` +
        `Every file is judged and deleted relative to the handle of the directory it was read from, and sub-directories are opened with \`O_NOFOLLOW\`: files of \`sibling\` lost must be 0 (before: 1,524 in 10 cycles without a root, 116 with one).\n\n` +
        table(['target', 'cycles', 'swaps', 'files deleted in t/sub', 'sibling files lost'], rows),
    );
  });

  it('deleteOldFiles never deletes a file rewritten after it was judged old, with or without options', async () => {
    const FILES = 200;
    const ROUNDS = 3;
    const WRITERS = 8;
    const rows: Array<Array<string | number>> = [];
    const targets: Array<[string, () => IStorageProvider, string]> = [
      ['LOCAL (root)', () => provider(space.root), 'rewrite-rooted'],
      ['LOCAL', () => provider(null), join(space.root, 'rewrite-native')],
      ['MEMORY', () => new MemoryStorageProvider(), 'rewrite'],
    ];
    const modes: Array<[string, (p: IStorageProvider, dir: string, cutoff: Date) => Promise<number>]> = [
      ['no options', (p, dir, cutoff) => p.deleteOldFiles(dir, cutoff)],
      ['{ signal }', (p, dir, cutoff) => p.deleteOldFiles(dir, cutoff, { signal: new AbortController().signal })],
      ['{ recursive: true }', (p, dir, cutoff) => p.deleteOldFiles(dir, cutoff, { recursive: true })],
    ];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let totalLost = 0;
    for (const [name, make, dir] of targets) {
      for (const [mode, run] of modes) {
        const p = make();
        let rewrites = 0;
        let lost = 0;
        let deleted = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const files = Array.from({ length: FILES }, (_, i) => `${dir}/f${i}`);
          await Promise.all(files.map((f) => p.writeFile(f, 'old')));
          await sleep(15);
          const cutoff = new Date();
          await sleep(15);
          const fresh = new Map<string, string>();
          let writing = true;
          const writers = Array.from({ length: WRITERS }, async (_, w) => {
            for (let i = w; i < FILES; i += WRITERS) {
              const data = `fresh ${round} ${i}`;
              await p.writeFile(files[i], data);
              fresh.set(files[i], data);
              rewrites++;
              if (i % 4 === 0) await sleep(0);
            }
          });
          const sweeper = (async () => {
            while (writing) {
              deleted += await run(p, dir, cutoff);
              await sleep(0);
            }
          })();
          await Promise.all(writers);
          writing = false;
          await sweeper;
          for (const [f, data] of fresh) {
            const now = await p.readFile(f).then(
              (b) => b.toString(),
              () => null,
            );
            if (now !== data) lost++;
          }
          await p.deleteDirectory(dir, { recursive: true });
        }
        totalLost += lost;
        rows.push([name, mode, ROUNDS, rewrites, deleted, lost]);
      }
    }
    expect(rows.filter((r) => r[5] !== 0)).toEqual([]);
    expect(totalLost).toBe(0);
    figures.set(
      'rewrites',
      `**Rewrites during deleteOldFiles.** ${FILES} old files per round; ${WRITERS} writers rewrite every one of them (\`writeFile\`) while \`deleteOldFiles\` runs again and again with a cutoff between the old and the new versions. ` +
        `A fresh file lost is a rewrite that resolved but was not there, with its bytes, afterwards. LOCAL moves each file judged old aside, judges what it moved again and puts back one that changed (never over a newer file); MEMORY judges and deletes under one lock. ` +
        `The same algorithm runs with and without options (before: 2 of 1,601 fresh rewrites deleted without options, ~1,400 of ~4,900 with any options object).\n\n` +
        table(['target', 'options', 'rounds', 'fresh rewrites', 'old files deleted', 'fresh files lost'], rows),
    );
  });

  it('names that are not UTF-8 are skipped with a warning, never confused with U+FFFD, and removed by a recursive delete', async () => {
    const events: LogEvent[] = [];
    setLogger((e) => events.push(e));
    const rows: Array<Array<string | number>> = [];
    for (const rooted of [true, false]) {
      const top = join(space.root, rooted ? 'odd-rooted' : 'odd-native');
      mkdirSync(join(top, 'sub'), { recursive: true });
      const raw = (...parts: Array<string | number[]>) =>
        Buffer.concat([Buffer.from(top), ...parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x)))]);
      const old = new Date(Date.now() - 2 * HOUR);
      for (const at of ['/', '/sub/']) {
        writeFileSync(raw(at, [0xff]), 'old bytes of 0xFF');
        utimesSync(raw(at, [0xff]), old, old);
        writeFileSync(raw(at, '\ufffd'), 'fresh U+FFFD');
      }
      const p = provider(rooted ? space.root : null);
      const dir = rooted ? 'odd-rooted' : top;
      const memory = new MemoryStorageProvider();
      const listed = await p.listFiles(dir);
      const tree = await p.listFiles(dir, { recursive: true });
      const copied = await transfer(p, dir, memory, 'copy');
      const copy = (await memory.readFile('copy/sub/\ufffd')).toString();
      const aged = (await p.deleteOldFiles(dir, new Date(Date.now() - HOUR))) + (await p.deleteOldFiles(dir, new Date(Date.now() - HOUR), { recursive: true }));
      const kept = (await p.readFile(`${dir}/sub/\ufffd`)).toString();
      await new Promise((r) => setImmediate(r));
      const warned = events.filter((e) => e.level === 'warn' && e.message.includes('\\xFF')).length;
      await p.deleteDirectory(dir, { recursive: true });
      expect({ listed, tree, copied: [copied.copied, copied.failed.length], copy, aged, kept, warned: warned > 0, gone: !existsSync(top) }).toEqual({
        listed: ['sub', '\ufffd'],
        tree: ['sub', 'sub/\ufffd', '\ufffd'],
        copied: [2, 0],
        copy: 'fresh U+FFFD',
        aged: 0,
        kept: 'fresh U+FFFD',
        warned: true,
        gone: true,
      });
      events.length = 0;
      rows.push([rooted ? 'LOCAL (root)' : 'LOCAL', listed.length, tree.length, `${copied.copied} (own bytes)`, aged, 'both removed']);
    }
    setLogger(null);
    figures.set(
      'utf8',
      `**Names that are not UTF-8.** A file named with the byte 0xFF (old) beside one named U+FFFD (fresh), in a directory and its sub-directory: listings, \`transfer\` and \`deleteOldFiles\` skip the 0xFF names with a warning that shows them as \`\\xFF\`, ` +
        `and never take one for the other (before: \`listFiles\` gave one name twice, \`transfer\` copied one file's bytes twice, a recursive \`deleteOldFiles\` deleted the fresh file and kept the old one); a recursive \`deleteDirectory\` removes both, working from directory handles.\n\n` +
        table(['target', 'listFiles names', 'recursive names', 'transfer copied', 'deleteOldFiles deleted', 'deleteDirectory'], rows),
    );
  });

  it('LOCAL: small reads with a huge chunkSize, transferred chunks, temp-like user names, an empty root, a number as date', async () => {
    const p = provider(space.root);
    const results: Array<[string, string]> = [];
    // 1. A 5-byte file read with a 1 GiB chunkSize allocates what the file holds.
    await p.writeFile('small.txt', 'hello');
    const before = process.memoryUsage().rss;
    const stream = p.createReadStream('small.txt', { chunkSize: 1 << 30 });
    const first: Buffer = await new Promise((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    const grew = process.memoryUsage().rss - before;
    stream.destroy();
    expect({ first: first.toString(), grewUnder64MiB: grew < 64 << 20 }).toEqual({ first: 'hello', grewUnder64MiB: true });
    results.push(['5-byte file, chunkSize 1 GiB: RSS growth while the chunk is held', `${(grew / 2 ** 20).toFixed(1)} MiB`]);
    // 2. A queued chunk whose buffer is transferred: the stream finishes or errors, never hangs.
    const w = p.createWriteStream('transferred.bin');
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<string>((resolve) => {
      w.once('finish', () => resolve('finish'));
      w.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.name} ${e.code}`));
      timer = setTimeout(() => resolve('hung'), 5000);
    }).finally(() => clearTimeout(timer));
    const queued = new Uint8Array(1 << 16);
    w.write(Buffer.alloc(1 << 16));
    w.write(Buffer.from(queued.buffer));
    structuredClone(queued.buffer, { transfer: [queued.buffer] });
    w.end();
    const outcome = await ended;
    expect(outcome).not.toBe('hung');
    results.push(['write stream whose queued chunk was transferred', outcome]);
    // 3. User files named like the old temp files are ordinary files; Stowage's own prefix is EINVAL.
    mkdirSync(join(space.root, 'temp-like'));
    writeFileSync(join(space.root, 'temp-like', '.stowage-tmp-1-1-mine'), 'mine');
    utimesSync(join(space.root, 'temp-like', '.stowage-tmp-1-1-mine'), new Date(0), new Date(0));
    const listed = await p.listFiles('temp-like');
    const swept = await p.cleanupTempFiles('temp-like', new Date(Date.now() + HOUR));
    const reserved = await p.writeFile('temp-like/.stowage\x7ftmp-x', 'x').then(
      () => 'resolved',
      (e) => e.code,
    );
    const refused = await p.deleteDirectory('temp-like').then(
      () => 'resolved',
      (e) => e.code,
    );
    expect({ listed, swept, reserved, refused }).toEqual({ listed: ['.stowage-tmp-1-1-mine'], swept: 0, reserved: 'EINVAL', refused: 'ENOTEMPTY' });
    results.push(['a user file `.stowage-tmp-1-1-mine`', `listed, kept by cleanupTempFiles (${swept} removed); Stowage's prefix in a path: ${reserved}`]);
    // 4. `{ root: '' }` is EINVAL, not "no root".
    let empty = 'constructed';
    try {
      new LocalStorageProvider({ root: '' });
    } catch (e) {
      empty = (e as NodeJS.ErrnoException).code ?? String(e);
    }
    expect(empty).toBe('EINVAL');
    results.push(["`new LocalStorageProvider({ root: '' })`", empty]);
    // 5. A number as deleteOldFiles' date is a TypeError, as the README says.
    const number = await p.deleteOldFiles('temp-like', Date.now() as unknown as Date).then(
      () => 'resolved',
      (e) => `${e.name} ${e.code}`,
    );
    expect(number).toBe('TypeError ERR_INVALID_ARG_TYPE');
    results.push(['`deleteOldFiles(dir, Date.now())`', number]);
    figures.set('small', `**Smaller LOCAL cases.**\n\n` + table(['case', 'outcome'], results));
  });
});
