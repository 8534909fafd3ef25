/**
 * Streams keep memory bounded: a 1 GiB file copied through createReadStream -> createWriteStream
 * on LOCAL keeps the copying process under 100 MiB RSS, and the copy is byte for byte the same.
 * Runs on every Node version `npm test` uses (20 and 24): Node 24's V8 leaves dead Buffers to
 * pile up to 64 MiB before collecting, which the streams' GC nudge (src/streams.rs) keeps down.
 * STOWAGE_STREAM_TEST_MIB sizes the file (default 1024).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MIB = 1024 * 1024;
const size = Number(process.env.STOWAGE_STREAM_TEST_MIB ?? 1024);
const work = mkdtempSync(join(tmpdir(), 'stowage-stream-mem-'));
const source = join(work, 'source.bin');
let sourceHash = '';

beforeAll(() => {
  const hash = createHash('sha256');
  const block = randomBytes(MIB);
  const fd = openSync(source, 'w');
  for (let i = 0; i < size; i += 1) {
    block.writeUInt32LE(i, 0); // every MiB differs
    hash.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  sourceHash = hash.digest('hex');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Runs the copy in a fresh process (so the RSS is the copy's alone) and checks the result. */
async function copy(name: string, ...args: string[]): Promise<number> {
  const outDir = join(work, name);
  const target = join(outDir, 'copy.bin');
  const out = execFileSync(process.execPath, [join(__dirname, 'fixtures', 'stream-copy.js'), source, target, ...args], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const { peak } = JSON.parse(out) as { peak: number };
  expect(await sha256File(target)).toBe(sourceHash);
  expect(readdirSync(outDir)).toEqual(['copy.bin']); // no temp file left
  expect(existsSync(source)).toBe(true);
  rmSync(outDir, { recursive: true, force: true });
  return peak;
}

it(`copies a ${size} MiB file through the streams under 100 MiB RSS (Node ${process.version})`, async () => {
  const peak = await copy('default');
  expect(Math.round(peak / MIB)).toBeLessThan(100);
}, 900_000);

it(`writes ${size} MiB from fs.createReadStream with 1 MiB chunks under 100 MiB RSS (Node ${process.version})`, async () => {
  // Node's own stream on the read side: the write side's nudge collects its dead chunks too.
  const peak = await copy('from-fs', String(MIB), 'fs');
  expect(Math.round(peak / MIB)).toBeLessThan(100);
}, 900_000);
