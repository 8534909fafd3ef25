/**
 * Every variable of the configuration table (configurationVariables()) reaches its provider
 * through StorageService ({ env }, and { config }) and through the CLI (a child process with the
 * variable in its environment), seen through the provider's `options` (credentials as "set", never
 * their value). stowage/nest: nest/configuration-table.spec.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageService, StorageType } from '..';
import { isProcessRow, isProviderRow, removeScratch, ROWS, shown, valueFor, variablesFor, withoutTableVariables } from './configuration-cases';

afterAll(removeScratch);

/** What StorageService makes of `vars`: the default type, or the row provider's options. */
function throughService(row: (typeof ROWS)[number], service: StorageService): unknown {
  if (row.provider === 'StorageService') return (service as unknown as Record<string, unknown>)[row.option === 'storageType' ? 'defaultType' : row.option];
  const options = (service.getProvider(row.provider as StorageType) as unknown as { options: Record<string, unknown> }).options;
  if (row.secret) expect(JSON.stringify(options)).not.toContain(valueFor(row));
  return options[row.option];
}

describe('the configuration table', () => {
  it('lists every variable once, with a provider, an option and a description', () => {
    expect(ROWS.length).toBeGreaterThan(0);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
    for (const row of ROWS) {
      expect(row).toMatchObject({ name: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/), provider: expect.any(String), option: expect.any(String), secret: expect.any(Boolean) });
      expect(row.description.length).toBeGreaterThan(10);
    }
    expect(ROWS.find((r) => r.name === 'AWS_SESSION_TOKEN')).toMatchObject({ provider: 'S3', option: 'sessionToken', secret: true });
  });

  it("is what README's Configuration section lists", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration\n') + 1));
    const listed = new Set([...section.matchAll(/^\|([^|]*)\|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((n) => n[1])));
    expect([...listed].sort()).toEqual(ROWS.map((r) => r.name).sort());
  });
});

const serviceRows = ROWS.filter((r) => r.provider !== 'signing' && !isProcessRow(r)); // signing: stowage/nest only

describe.each(serviceRows.map((r) => [r.name, r] as const))('%s reaches its provider through StorageService', (_name, row) => {
  it('from the env option', () => {
    const service = new StorageService({ env: variablesFor(row) });
    expect(throughService(row, service)).toBe(shown(row, valueFor(row)));
  });

  it('from config.get, before env', () => {
    const config = variablesFor(row, 'config');
    const service = new StorageService({ config: { get: (key: string) => config[key] }, env: variablesFor(row) });
    expect(throughService(row, service)).toBe(shown(row, valueFor(row, 'config')));
  });

  it('not over an explicit option', () => {
    if (row.provider === 'StorageService') return; // storageType: covered by storage-service.spec
    const key = ({ LOCAL: 'local', S3: 's3', AZURE_BLOB: 'azure' } as Record<string, string>)[row.provider] ?? row.provider.toLowerCase();
    const explicit = valueFor(row, 'explicit');
    const service = new StorageService({ env: variablesFor(row), [key]: { [row.option]: explicit } });
    expect(throughService(row, service)).toBe(shown(row, explicit));
  });
});

const BIN = join(__dirname, '..', 'bin', 'stowage.js');
/** The CLI location of each provider; the URL names the bucket or container. */
const LOCATIONS: Record<string, { loc: string; fromUrl: Record<string, string> }> = {
  LOCAL: { loc: './here', fromUrl: {} },
  S3: { loc: 's3://cli-bucket/p', fromUrl: { bucket: 'cli-bucket' } },
  AZURE_BLOB: { loc: 'azure://cli-container/p', fromUrl: { container: 'cli-container' } },
  GCS: { loc: 'gs://cli-bucket/p', fromUrl: { bucket: 'cli-bucket' } },
};

function stowage(args: string[], vars: Record<string, string>) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...withoutTableVariables(process.env), ...vars },
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

describe.each(ROWS.map((r) => [r.name, r] as const))('%s in the CLI', (_name, row) => {
  it('is listed by stowage config with its value ("set" for a credential)', () => {
    const out = stowage(['config'], { [row.name]: valueFor(row) });
    const line = out.split('\n').find((l) => l.startsWith(`${row.name}\t`));
    expect(line?.split('\t').slice(1, 3)).toEqual([shown(row, valueFor(row)), `${row.provider} ${row.option}`]);
    if (row.secret) expect(out).not.toContain(valueFor(row));
  });

  if (!isProviderRow(row) || row.provider === StorageType.MEMORY) return; // STORAGE_TYPE, signing: not the CLI's
  it('reaches the provider of a location (the URL names the bucket or container)', () => {
    const target = LOCATIONS[row.provider];
    expect(target).toBeDefined(); // a provider the CLI has a scheme for needs a case here
    const out = stowage(['config', target.loc], variablesFor(row));
    const options = JSON.parse(out) as Record<string, unknown>;
    expect(options[row.option]).toBe(target.fromUrl[row.option] ?? shown(row, valueFor(row)));
    if (row.secret) expect(out).not.toContain(valueFor(row));
  });
});
