/** Targets for the object stores, from the servers `scripts/test-servers.sh start` runs. */
import { readFileSync } from 'node:fs';
import type { AzureBlobStorageOptions, GcsStorageOptions, S3StorageOptions } from '../..';
import { SecretScanner } from '../reliability/secrets';

const env = process.env;

/** moto: the main S3 endpoint. */
export function motoOptions(): S3StorageOptions | undefined {
  if (!env.STOWAGE_TEST_S3_ENDPOINT) return undefined;
  return {
    bucket: env.STOWAGE_TEST_S3_BUCKET,
    region: env.STOWAGE_TEST_S3_REGION,
    accessKeyId: env.STOWAGE_TEST_S3_ACCESS_KEY_ID,
    secretAccessKey: env.STOWAGE_TEST_S3_SECRET_ACCESS_KEY,
    endpoint: env.STOWAGE_TEST_S3_ENDPOINT,
  };
}

/** s3s-fs: the strict endpoint, which checks SigV4 signatures. */
export function strictS3Options(): S3StorageOptions | undefined {
  if (!env.STOWAGE_TEST_S3_STRICT_ENDPOINT) return undefined;
  return {
    bucket: env.STOWAGE_TEST_S3_STRICT_BUCKET,
    region: env.STOWAGE_TEST_S3_REGION ?? 'us-east-1',
    accessKeyId: env.STOWAGE_TEST_S3_STRICT_ACCESS_KEY_ID,
    secretAccessKey: env.STOWAGE_TEST_S3_STRICT_SECRET_ACCESS_KEY,
    endpoint: env.STOWAGE_TEST_S3_STRICT_ENDPOINT,
  };
}

/** Azurite. */
export function azuriteOptions(): AzureBlobStorageOptions | undefined {
  if (!env.STOWAGE_TEST_AZURE_CONNECTION_STRING) return undefined;
  return { connectionString: env.STOWAGE_TEST_AZURE_CONNECTION_STRING, container: env.STOWAGE_TEST_AZURE_CONTAINER };
}

/**
 * fake-gcs-server, through the test-only proxy that bridges the XML-API writes it does not serve
 * (scripts/gcs-upload-proxy.js), with a throwaway service-account key.
 */
export function gcsOptions(): GcsStorageOptions | undefined {
  if (!env.STOWAGE_TEST_GCS_ENDPOINT) return undefined;
  return {
    bucket: env.STOWAGE_TEST_GCS_BUCKET,
    credentials: env.STOWAGE_TEST_GCS_CREDENTIALS,
    endpoint: env.STOWAGE_TEST_GCS_ENDPOINT,
  };
}

/** The private key in a service-account key file, for the secrets scanner. */
function privateKeyOf(credentials: string | undefined | null): string | undefined {
  if (!credentials) return undefined;
  const text = credentials.trimStart().startsWith('{') ? credentials : readFileSync(credentials, 'utf8');
  return (JSON.parse(text) as { private_key?: string }).private_key;
}

/**
 * `describe`, or a skip that says why when the servers are not running. Every log line of the
 * block is scanned for the configured keys (SecretScanner), and a last test fails on a leak.
 */
export function describeWith<T extends S3StorageOptions | AzureBlobStorageOptions | GcsStorageOptions>(
  options: T | undefined,
  name: string,
  body: (options: T) => void,
): void {
  if (options === undefined) {
    describe.skip(`${name} (no test server: run scripts/test-servers.sh start and source .test-servers/env)`, () => {
      it('is skipped', () => undefined);
    });
  } else {
    describe(name, () => {
      const o = options as S3StorageOptions & AzureBlobStorageOptions & GcsStorageOptions;
      const key = privateKeyOf(o.credentials);
      const scanner = new SecretScanner().add(
        o.accessKeyId,
        o.secretAccessKey,
        o.connectionString,
        o.accessKey,
        key,
        // The PEM body line by line: a message could carry a piece of it.
        ...(key ?? '').split('\n').filter((line) => line.length > 40),
      );
      let stopLogs = () => undefined as void;
      beforeAll(() => {
        stopLogs = scanner.captureLogs();
      });
      afterAll(() => stopLogs());
      body(options);
      it('leaks no configured key in any log line', () => {
        expect(scanner.count).toBeGreaterThan(0);
        expect(scanner.leaks).toEqual([]);
      });
    });
  }
}
