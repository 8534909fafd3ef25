/**
 * Streams keep memory bounded: a 1 GiB file copied through createReadStream -> createWriteStream
 * on LOCAL keeps the copying process under 100 MiB RSS, and the copy is byte for byte the same.
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
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

it(`copies a ${size} MiB file through the streams under 100 MiB RSS`, async () => {
  const source = join(work, 'source.bin');
  const hash = createHash('sha256');
  const block = randomBytes(MIB);
  const fd = openSync(source, 'w');
  for (let i = 0; i < size; i += 1) {
    block.writeUInt32LE(i, 0); // every MiB differs
    hash.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  const target = join(work, 'out', 'copy.bin');
  const out = execFileSync(process.execPath, [join(__dirname, 'fixtures', 'stream-copy.js'), source, target], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const { peak } = JSON.parse(out) as { peak: number };
  expect(peak).toBeLessThan(100 * MIB);
  expect(await sha256File(target)).toBe(hash.digest('hex'));
  expect(readdirSync(join(work, 'out'))).toEqual(['copy.bin']); // no temp file left
  expect(existsSync(source)).toBe(true);
}, 900_000);
