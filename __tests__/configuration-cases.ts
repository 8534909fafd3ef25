/**
 * The configuration table's rows as test cases: a distinctive value each row's provider accepts,
 * the other variables that provider needs to be built, and where its effective option shows.
 * Shared by configuration-table.spec.ts (StorageService, CLI) and nest/configuration-table.spec.ts.
 * A new row is covered without a change here unless its provider needs other variables to be
 * built (REQUIRED) or its value a shape (valueFor).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configurationVariables, StorageType, type ConfigurationVariable } from '../index';

export const ROWS = configurationVariables();

/** Where LOCAL roots of the cases are created; `removeScratch()` in an afterAll. */
const scratch = mkdtempSync(join(tmpdir(), 'stowage-config-'));
export const removeScratch = (): void => rmSync(scratch, { recursive: true, force: true });

/** The rows that configure a storage provider (LOCAL, S3, ...), not the service or stowage/nest. */
export const isProviderRow = (row: ConfigurationVariable): boolean =>
  (Object.values(StorageType) as string[]).includes(row.provider);

/** Rows read from the process environment only, where they are used (the I/O pool's threads: io-pool.spec). */
export const isProcessRow = (row: ConfigurationVariable): boolean => row.provider === 'process';

/** Options a provider cannot be built without, filled by a baseline variable when not under test. */
const REQUIRED: Record<string, string[]> = {
  S3: ['bucket'],
  AZURE_BLOB: ['account', 'container'],
  GCS: ['bucket'],
  signing: ['secret'],
};
/** Options that go in pairs: object_store refuses one without the other (read from the process environment too). */
const WITH: Record<string, string[]> = {
  'S3 accessKeyId': ['secretAccessKey'],
  'S3 secretAccessKey': ['accessKeyId'],
  // A custom endpoint without keys is refused rather than left to the cloud credential chain.
  'S3 endpoint': ['accessKeyId', 'secretAccessKey'],
};

/** A real RSA key: a GCS provider parses the service-account key it is given when it is built. */
const GCS_PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });

/** A value no default could produce, of the shape the option takes. */
export function valueFor(row: ConfigurationVariable, tag = 'v'): string {
  const word = `${tag}${row.name.toLowerCase().replace(/_/g, '')}`;
  switch (row.option) {
    case 'storageType':
      return 'MEMORY'; // the default is LOCAL
    case 'root':
      return join(scratch, word);
    case 'endpoint':
    case 'baseUrl':
      return `http://127.0.0.1:9/${word}`;
    case 'accessKey':
      return Buffer.from(word).toString('base64');
    case 'credentials': // a GCS service-account key, inline
      return JSON.stringify({ type: 'service_account', client_email: `${word}@example.iam.gserviceaccount.com`, private_key: GCS_PRIVATE_KEY, private_key_id: word });
    case 'connectionString':
      return `AccountName=${word};AccountKey=${Buffer.from(word).toString('base64')};BlobEndpoint=http://127.0.0.1:9/${word}`;
    default:
      return word;
  }
}

/** `row` set to its value, plus what its provider needs otherwise (`baseline` values). */
export function variablesFor(row: ConfigurationVariable, tag = 'v'): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const option of [...(REQUIRED[row.provider] ?? []), ...(WITH[`${row.provider} ${row.option}`] ?? [])]) {
    const needed = ROWS.find((r) => r.provider === row.provider && r.option === option)!;
    if (option !== row.option) vars[needed.name] = valueFor(needed, 'baseline');
  }
  vars[row.name] = valueFor(row, tag);
  return vars;
}

/** What the provider's `options` shows for `row` set to `value`: the value, or "set" for a credential. */
export function shown(row: ConfigurationVariable, value: string): string {
  return row.secret ? 'set' : value;
}

/** Every table variable removed from `env` (a test's process.env), so only what a test sets is there. */
export function withoutTableVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const row of ROWS) delete copy[row.name];
  return copy;
}
