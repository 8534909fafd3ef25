/**
 * The generated types of `StorageService` say what the runtime does: hover docs on every public
 * member, and `writeFile` typed to accept exactly what it accepts (this file is type-checked by
 * `tsc -p __tests__/tsconfig.json`, so the calls below compile only if the types allow them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FileData, MemoryStorageProvider, StorageService } from '..';

const dts = readFileSync(join(__dirname, '..', 'index.d.ts'), 'utf8');

function classBody(name: string): string[] {
  const m = new RegExp(`export declare class ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(dts);
  if (!m) throw new Error(`no class ${name} in index.d.ts`);
  return m[1].split('\n');
}

it('every public member of StorageService has a doc comment', () => {
  const lines = classBody('StorageService');
  const members = lines
    .map((line, i) => ({ line, before: lines[i - 1] ?? '' }))
    .filter(({ line }) => /^ {2}(get |constructor\(|\w+\()/.test(line));
  expect(members.length).toBeGreaterThanOrEqual(20);
  const undocumented = members.filter(({ before }) => !before.trim().endsWith('*/')).map(({ line }) => line.trim());
  expect(undocumented).toEqual([]);
});

/** One value of every kind `writeFile` takes, each viewing bytes 1..4 of a 16-byte buffer. */
function views(): Array<[string, FileData, Buffer]> {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i));
  const bytes = (offset: number, length: number) => Buffer.from(buffer, offset, length);
  return [
    ['string', 'héllo', Buffer.from('héllo')],
    ['Buffer', Buffer.from(buffer, 1, 4), bytes(1, 4)],
    ['Int8Array', new Int8Array(buffer, 1, 4), bytes(1, 4)],
    ['Uint8Array', new Uint8Array(buffer, 1, 4), bytes(1, 4)],
    ['Uint8ClampedArray', new Uint8ClampedArray(buffer, 1, 4), bytes(1, 4)],
    ['Int16Array', new Int16Array(buffer, 2, 2), bytes(2, 4)],
    ['Uint16Array', new Uint16Array(buffer, 2, 2), bytes(2, 4)],
    ['Int32Array', new Int32Array(buffer, 4, 1), bytes(4, 4)],
    ['Uint32Array', new Uint32Array(buffer, 4, 1), bytes(4, 4)],
    ['Float32Array', new Float32Array(buffer, 4, 1), bytes(4, 4)],
    ['Float64Array', new Float64Array(buffer, 8, 1), bytes(8, 8)],
    ['BigInt64Array', new BigInt64Array(buffer, 8, 1), bytes(8, 8)],
    ['BigUint64Array', new BigUint64Array(buffer, 8, 1), bytes(8, 8)],
    ['DataView', new DataView(buffer, 1, 4), bytes(1, 4)],
  ];
}

describe.each([
  ['StorageService', () => new StorageService({ storageType: 'MEMORY' })],
  ['MemoryStorageProvider', () => new MemoryStorageProvider()],
])('%s.writeFile', (_name, make) => {
  it.each(views())('takes a %s: the bytes of its view', async (kind, data, expected) => {
    const storage = make();
    await storage.writeFile(`w/${kind}`, data);
    expect(await storage.readFile(`w/${kind}`)).toEqual(expected);
  });

  it('refuses what the type refuses, with a TypeError', async () => {
    const storage = make();
    // @ts-expect-error an ArrayBuffer is not a view: wrap it in a Uint8Array
    await expect(storage.writeFile('w/x', new ArrayBuffer(4))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    // @ts-expect-error numbers are not data
    await expect(storage.writeFile('w/x', 42)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });
});
