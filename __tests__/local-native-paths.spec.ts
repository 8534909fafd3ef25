/**
 * LOCAL without a root takes OS paths, and the OS reads `name/` as a directory: a file's
 * destination that ends in a separator is refused (EISDIR when a directory, or a link to one, is
 * there; ENOTDIR otherwise), and nothing is written, replaced or left behind. (With a root, keys are
 * names and `name/` is `name`: local-root.spec.)
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageProvider } from '..';

let dir: string;
const storage = new LocalStorageProvider();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stowage-native-'));
  mkdirSync(join(dir, 'dir'));
  writeFileSync(join(dir, 'file.txt'), 'kept');
  symlinkSync('dir', join(dir, 'ldir'));
  symlinkSync('file.txt', join(dir, 'lfile'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What the directory holds: names, with links and their targets, and file contents. */
function state(): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const st = lstatSync(join(dir, name));
      if (st.isSymbolicLink()) return `${name} -> link`;
      if (st.isDirectory()) return `${name}/ [${readdirSync(join(dir, name)).join(',')}]`;
      return `${name} = ${readFileSync(join(dir, name), 'utf8')}`;
    });
}

const cases: [string, string][] = [
  ['dir/', 'EISDIR'],
  ['ldir/', 'EISDIR'],
  ['file.txt/', 'ENOTDIR'],
  ['lfile/', 'ENOTDIR'],
  ['missing/', 'ENOTDIR'],
];

const writes: Record<string, (target: string) => Promise<unknown>> = {
  writeFile: (target) => storage.writeFile(target, 'new'),
  createWriteStream: (target) =>
    new Promise((resolve, reject) => {
      const stream = storage.createWriteStream(target);
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end('new');
    }),
  copyFile: (target) => storage.copyFile(join(dir, 'file.txt'), target),
};

describe.each(Object.keys(writes))('%s to a path ending in a separator', (op) => {
  it.each(cases)('%s is %s, and nothing changes', async (name, code) => {
    const before = state();
    await expect(writes[op](join(dir, name))).rejects.toMatchObject({ code });
    expect(state()).toEqual(before);
  });
});

it('moveFile to a path ending in a separator leaves the source where it was', async () => {
  writeFileSync(join(dir, 'src.txt'), 'moving');
  for (const [name, code] of cases) {
    const before = state();
    await expect(storage.moveFile(join(dir, 'src.txt'), join(dir, name))).rejects.toMatchObject({ code });
    expect(state()).toEqual(before);
  }
});

it('a path without the separator still writes (the check is on the separator alone)', async () => {
  await storage.writeFile(join(dir, 'missing'), 'new');
  expect(readFileSync(join(dir, 'missing'), 'utf8')).toBe('new');
});
