/**
 * Constructor options of wrong types are TypeErrors with `code: 'ERR_INVALID_ARG_TYPE'` naming the
 * option, never napi's conversion text. The table of options is read from the generated
 * index.d.ts, so an option added to a constructor without a check fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AzureBlobStorageProvider,
  GcsStorageProvider,
  LocalStorageProvider,
  MemoryStorageProvider,
  S3StorageProvider,
  StorageService,
} from '..';

const dts = readFileSync(join(__dirname, '..', 'index.d.ts'), 'utf8');

/** The fields of `export interface name { ... }` in index.d.ts: name → TypeScript type. */
function fields(name: string): Map<string, string> {
  const body = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(dts);
  if (!body) throw new Error(`no interface ${name} in index.d.ts`);
  const out = new Map<string, string>();
  for (const m of body[1].matchAll(/^ {2}(\w+)\??: (.+)$/gm)) out.set(m[1], m[2]);
  return out;
}

type Case = { option: string; value: unknown; expected: string; received: string };

/** A value of the wrong type for a field of TypeScript type `ts`, and what the error must say. */
function wrongFor(ts: string): { value: unknown; expected: string; received: string } {
  if (ts === 'string') return { value: 42, expected: 'string', received: 'number' };
  if (ts === 'boolean') return { value: 'yes', expected: 'boolean', received: 'string' };
  if (ts === 'number') return { value: '5', expected: 'number', received: 'string' };
  if (ts.includes('=>')) return { value: 'log', expected: 'function', received: 'string' };
  if (ts.startsWith('StorageType')) return { value: 3, expected: 'string', received: 'number' };
  return { value: 7, expected: 'object', received: 'number' };
}

/** One case per option at any depth, nested options (`retry.maxRetries`) included. */
function cases(iface: string, prefix = ''): Case[] {
  const out: Case[] = [];
  for (const [name, ts] of fields(iface)) {
    const option = `${prefix}${name}`;
    out.push({ option, ...wrongFor(ts) });
    const nested = /^(\w+Options)$/.exec(ts);
    if (nested) out.push(...cases(nested[1], `${option}.`));
  }
  return out;
}

/** `{ a: { b: value } }` for the option `a.b`. */
function optionsWith(option: string, value: unknown): Record<string, unknown> {
  return option
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

const constructors: Array<[string, string, (options: unknown) => unknown]> = [
  ['LocalStorageProvider', 'LocalStorageOptions', (o) => new LocalStorageProvider(o as never)],
  ['S3StorageProvider', 'S3StorageOptions', (o) => new S3StorageProvider(o as never)],
  ['AzureBlobStorageProvider', 'AzureBlobStorageOptions', (o) => new AzureBlobStorageProvider(o as never)],
  ['GcsStorageProvider', 'GcsStorageOptions', (o) => new GcsStorageProvider(o as never)],
  ['StorageService', 'StorageServiceOptions', (o) => new StorageService(o as never)],
];

/** StorageServiceOptions members whose type is not an options interface but still has checked members. */
const serviceExtras: Case[] = [
  { option: 'config.get', value: 'get', expected: 'function', received: 'string' },
  { option: 'providers.S3', value: 'x', expected: 'object', received: 'string' },
  { option: 'providers.LOCAL', value: 1, expected: 'object', received: 'number' },
  { option: 'providers.GCS', value: true, expected: 'object', received: 'boolean' },
];

describe.each(constructors)('new %s(options)', (_name, iface, create) => {
  const table = [...cases(iface), ...(iface === 'StorageServiceOptions' ? serviceExtras : [])];

  it('has options to check (the table is read from index.d.ts)', () => {
    expect(table.length).toBeGreaterThanOrEqual(2);
  });

  it.each(table)('$option: $received instead of $expected is a TypeError naming it', ({ option, value, expected, received }) => {
    let thrown: unknown;
    try {
      create(optionsWith(option, value));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: `The "${option}" option must be of type ${expected}. Received type ${received}`,
    });
  });

  it('an options argument that is not an object is a TypeError', () => {
    expect(() => create('fast')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'The "options" argument must be an object. Received string' }),
    );
  });

  it('a getter that throws throws what it threw', () => {
    const first = [...fields(iface).keys()][0];
    const options = Object.defineProperty({}, first, {
      enumerable: true,
      get() {
        throw new Error('from the getter');
      },
    });
    expect(() => create(options)).toThrow('from the getter');
  });
});

describe('options of the right types', () => {
  it('null and undefined mean unset, for the argument and for each option', () => {
    expect(new LocalStorageProvider(null).root).toBeNull();
    expect(new LocalStorageProvider({ root: undefined, fsync: null as never }).root).toBeNull();
    expect(new StorageService({ storageType: 'MEMORY', local: { root: null as never }, logger: null as never }).defaultType).toBe('MEMORY');
  });

  it('are taken as before', () => {
    const config = new (class {
      private values: Record<string, string> = { STORAGE_TYPE: 'MEMORY' };
      get(key: string) {
        return this.values[key]; // `this` must be the object given
      }
    })();
    const service = new StorageService({ config, providers: { MEMORY: new MemoryStorageProvider() } });
    expect(service.defaultType).toBe('MEMORY');
    expect(() => new S3StorageProvider({ bucket: 'b', region: 'us-east-1', retry: { maxRetries: 0 }, multipart: { partSize: 5 << 20 }, skipWriteChecks: true })).not.toThrow();
  });
});
