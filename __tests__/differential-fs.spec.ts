/**
 * LOCAL against node's fs/promises: random sequences of operations, run once through Stowage and
 * once through a plain fs implementation (the backend's current service), must give the same
 * results and the same error codes wherever SPEC and fs agree. (They differ on purpose in
 * writeFile creating parents, which this test keeps out of play by ensuring parents first.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalStorageProvider } from '..';

const work = mkdtempSync(join(tmpdir(), 'stowage-diff-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The operations the comparison covers; results are compared as text. */
interface Ops {
  ensureDirectory(p: string): Promise<unknown>;
  directoryExists(p: string): Promise<unknown>;
  fileExists(p: string): Promise<unknown>;
  deleteDirectory(p: string): Promise<unknown>;
  deleteFile(p: string): Promise<unknown>;
  listFiles(p: string): Promise<unknown>;
  size(p: string): Promise<unknown>;
  readFile(p: string): Promise<unknown>;
  writeFile(p: string, data: string): Promise<unknown>;
}

/** The operations as the original fs-based service wrote them. */
const plain: Ops = {
  ensureDirectory: (p: string) => fs.mkdir(p, { recursive: true }).then(() => undefined),
  directoryExists: (p: string) => fs.stat(p).then((s) => s.isDirectory(), () => false),
  fileExists: (p: string) => fs.stat(p).then((s) => s.isFile(), () => false),
  deleteDirectory: (p: string) => fs.rmdir(p),
  deleteFile: (p: string) => fs.unlink(p),
  listFiles: async (p: string) => (await fs.readdir(p)).sort(),
  // SPEC: getFileStats of a directory is EISDIR (fs.stat would answer); the one deliberate change here.
  size: async (p: string) => {
    const st = await fs.stat(p);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    return st.size;
  },
  readFile: (p: string) => fs.readFile(p),
  writeFile: (p: string, data: string) => fs.writeFile(p, data),
};

function stowage(s: LocalStorageProvider): Ops {
  return {
    ensureDirectory: (p) => s.ensureDirectory(p),
    directoryExists: (p) => s.directoryExists(p),
    fileExists: (p) => s.fileExists(p),
    deleteDirectory: (p) => s.deleteDirectory(p),
    deleteFile: (p) => s.deleteFile(p),
    listFiles: (p) => s.listFiles(p),
    size: async (p) => (await s.getFileStats(p)).size,
    readFile: (p) => s.readFile(p),
    writeFile: (p, data) => s.writeFile(p, data),
  };
}

/** A small deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state % n;
  };
}

const NAMES = ['a', 'b', 'd', 'd/a', 'd/e', 'd/e/b', 'a/x', 'b/y/z'];
const OPS = ['ensureDirectory', 'directoryExists', 'fileExists', 'deleteDirectory', 'deleteFile', 'listFiles', 'size', 'readFile', 'write'] as const;

async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    const v = await fn();
    return `ok ${Buffer.isBuffer(v) ? `buffer:${v.toString()}` : JSON.stringify(v)}`;
  } catch (e) {
    return `error ${(e as { code?: string }).code}`;
  }
}

async function run(impl: Ops, base: string, seed: number): Promise<string[]> {
  const next = random(seed);
  const log: string[] = [];
  for (let i = 0; i < 250; i += 1) {
    const op = OPS[next(OPS.length)];
    const path = join(base, NAMES[next(NAMES.length)]);
    if (op === 'write') {
      const data = `v${i}`;
      log.push(`${op} ${path.slice(base.length)} ` + (await outcome(async () => {
        await impl.ensureDirectory(dirname(path));
        await impl.writeFile(path, data);
      })));
    } else {
      log.push(`${op} ${path.slice(base.length)} ` + (await outcome(() => impl[op](path))));
    }
  }
  return log;
}

describe('LOCAL agrees with fs/promises', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`on random operation sequence #${seed}`, async () => {
      const a = join(work, `fs-${seed}`);
      const b = join(work, `stowage-${seed}`);
      await fs.mkdir(a);
      await fs.mkdir(b);
      const expected = await run(plain, a, seed);
      const actual = await run(stowage(new LocalStorageProvider()), b, seed);
      expect(actual).toEqual(expected);
      // The sequences must exercise both successes and failures to mean anything.
      expect(expected.some((l) => l.includes(' error '))).toBe(true);
      expect(expected.some((l) => l.includes('buffer:'))).toBe(true);
    });
  }
});
