/**
 * Concurrency: 1,000 concurrent writers and readers on one file and on many files, on LOCAL
 * (with a root) and MEMORY. A reader only ever sees one complete, current version, and a write
 * that started after another resolved always wins over it (the last resolved write wins; of
 * writes that overlap in time, one of them, never a mix).
 */
import { LocalStorageProvider, MemoryStorageProvider, type IStorageProvider } from '../..';
import { content, versionOf } from './fixtures/versions';
import { table, writeSection } from './report';
import { SecretScanner } from './secrets';
import { workspace } from './targets';

const OPS = 1000;
const space = workspace('stowage-concurrency-');
const scanner = new SecretScanner();
const rows: Array<Array<string | number>> = [];
afterAll(() => {
  if (rows.length === 4) {
    writeSection(
      'concurrency',
      40,
      'Concurrency',
      `\`__tests__/reliability/concurrency.spec.ts\`: ${OPS} operations started within 20 ms (half writes of 1 B – 64 KB, half reads), ` +
        `on one file and spread over 100 files. *torn*: reads that were not exactly one complete version. *stale*: reads that ` +
        `returned a version already replaced by a write that resolved before the read began. *lost*: files whose final content ` +
        `was not a write, or a write that a later-started write should have replaced. *≠ last resolved*: files whose final ` +
        `content is another overlapping write than the one whose promise resolved last — allowed: when two writes overlap, ` +
        `their order is the order of their renames, and two promises settled within microseconds may be delivered in the ` +
        `other order; a write started after another resolved always wins (README "Reliability").\n\n` +
        table(['target', 'files', 'writes', 'reads', 'torn', 'stale', 'lost', '≠ last resolved', 'ms'], rows),
    );
  }
  space.dispose();
});

interface Write {
  version: number;
  called: number;
  resolved: number;
}

/**
 * Starts OPS operations within a few milliseconds of each other (each waits 0–20 ms), half writes and
 * half reads, and checks them like a linearizable register: a read returns one complete version
 * that was not already overwritten before the read began; afterwards the file holds a write that no
 * later-started write followed; a write started after everything settled wins.
 */
async function storm(name: string, p: IStorageProvider, fileCount: number): Promise<void> {
  const files = Array.from({ length: fileCount }, (_, i) => `storm-${fileCount}/f${i}.bin`);
  const writesOf = new Map<string, Write[]>();
  for (const f of files) {
    await p.writeFile(f, content(f, 0, 10));
    writesOf.set(f, [{ version: 0, called: 0, resolved: 0 }]);
  }
  const lastResolved = new Map<string, number>(files.map((f) => [f, 0]));
  let torn = 0;
  let stale = 0;
  const reads: Array<{ file: string; version: number; called: number }> = [];
  const now = () => performance.now();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: OPS }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * 7) % 21));
      const file = files[i % fileCount];
      const called = now();
      if (i % 2 === 0) {
        const version = i + 1;
        await p.writeFile(file, content(file, version, 1 + ((i * 7919) % 65_536)));
        writesOf.get(file)!.push({ version, called, resolved: now() });
        lastResolved.set(file, version);
      } else {
        const version = versionOf(file, await p.readFile(file));
        if (version === null) torn += 1;
        else reads.push({ file, version, called });
      }
    }),
  );
  const ms = Date.now() - started;
  // A read is stale when a write started after its version's write resolved, and itself resolved before the read began.
  for (const r of reads) {
    const writes = writesOf.get(r.file)!;
    const mine = writes.find((w) => w.version === r.version)!;
    if (writes.some((w) => w.called > mine.resolved && w.resolved < r.called)) stale += 1;
  }
  let lost = 0;
  let notLastResolved = 0;
  for (const f of files) {
    const final = versionOf(f, await p.readFile(f));
    const writes = writesOf.get(f)!;
    const winner = writes.find((w) => w.version === final);
    // Lost: the final content is no write at all, or one that a later-started write should have replaced.
    if (!winner || writes.some((w) => w.called > winner.resolved)) lost += 1;
    if (final !== lastResolved.get(f)) notLastResolved += 1;
  }
  rows.push([name, fileCount, OPS / 2, OPS / 2, torn, stale, lost, notLastResolved, ms]);
  expect({ torn, stale, lost }).toEqual({ torn: 0, stale: 0, lost: 0 });
  // And a write made after the storm is what a read sees.
  await p.writeFile(files[0], content(files[0], 999_999, 3));
  expect(versionOf(files[0], await p.readFile(files[0]))).toBe(999_999);
}

describe.each([
  ['LOCAL (root)', () => new LocalStorageProvider({ root: space.root })],
  ['MEMORY', () => new MemoryStorageProvider()],
])('1,000 concurrent writers and readers on %s', (name, make) => {
  const p = make();
  it('on one file: readers see whole, current versions; no resolved write is lost', () => storm(name, p, 1));
  it('on 100 files: the same, for each file', () => storm(name, p, 100));
  it('leaks no secret', () => expect(scanner.leaks).toEqual([]));
});
