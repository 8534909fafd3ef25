import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { CONFIG_SERVICE, setting } from './config';
import { AZURE_BLOB_STORAGE_OPTIONS, GCS_STORAGE_OPTIONS, LOCAL_STORAGE_OPTIONS, S3_STORAGE_OPTIONS, URL_SIGNER } from './constants';
import type { ConfigReader } from './options';
import { UrlSigner } from './signed-urls';

/**
 * The LOCAL provider as a Nest provider. `new LocalStorageProvider()` works as well: the root then
 * comes from `STORAGE_LOCAL_ROOT`. Under Nest, explicit options win, then ConfigService, then env.
 * With a signing secret, `getSignedUrl` returns a URL the module's SignedUrlController serves.
 */
@Injectable()
export class LocalStorageProvider extends native.LocalStorageProvider {
  readonly #signer: UrlSigner | undefined;

  constructor(
    @Optional() @Inject(LOCAL_STORAGE_OPTIONS) options?: native.LocalStorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
    @Optional() @Inject(URL_SIGNER) signer?: UrlSigner | null,
  ) {
    const root = options?.root ?? setting(config, 'STORAGE_LOCAL_ROOT');
    super(root === undefined ? (options ?? undefined) : { ...options, root });
    this.#signer = signer ?? undefined;
  }

  override getSignedUrl(path: string, options?: native.SignedUrlOptions): Promise<string> {
    return signedUrl(this.#signer, 'LOCAL', path, options, () => super.getSignedUrl(path, options));
  }
}

/** The in-memory provider as a Nest provider, for tests and ephemeral data. */
@Injectable()
export class MemoryStorageProvider extends native.MemoryStorageProvider {
  readonly #signer: UrlSigner | undefined;

  constructor(@Optional() @Inject(URL_SIGNER) signer?: UrlSigner | null) {
    super();
    this.#signer = signer ?? undefined;
  }

  override getSignedUrl(path: string, options?: native.SignedUrlOptions): Promise<string> {
    return signedUrl(this.#signer, 'MEMORY', path, options, () => super.getSignedUrl(path, options));
  }
}

/** Signs with the disk's secret when there is one; else the native answer (ENOTSUP). */
async function signedUrl(
  signer: UrlSigner | undefined,
  provider: 'LOCAL' | 'MEMORY',
  path: string,
  options: native.SignedUrlOptions | undefined,
  unsigned: () => Promise<string>,
): Promise<string> {
  if (!signer?.enabled) return unsigned();
  return signer.sign(provider, path, options);
}

/** Option fields and the variables (SPEC's names) they come from when not given. */
const S3_VARIABLES = {
  bucket: 'AWS_S3_BUCKET',
  region: 'AWS_REGION',
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
  endpoint: 'AWS_ENDPOINT_URL',
} as const;
const AZURE_VARIABLES = {
  account: 'AZURE_STORAGE_ACCOUNT',
  accessKey: 'AZURE_STORAGE_KEY',
  container: 'AZURE_CONTAINER_NAME',
  connectionString: 'AZURE_STORAGE_CONNECTION_STRING',
} as const;
const GCS_VARIABLES = {
  bucket: 'GCS_BUCKET',
  credentials: 'GOOGLE_APPLICATION_CREDENTIALS',
  endpoint: 'GCS_ENDPOINT_URL',
} as const;

/** The S3 provider's options: those given, unset fields from ConfigService, else `process.env`. */
export function s3Options(
  options: native.S3StorageOptions | null | undefined,
  config: ConfigReader | null | undefined,
): native.S3StorageOptions {
  return withSettings(S3_VARIABLES, options, config);
}

/** The Azure provider's options: those given, unset fields from ConfigService, else `process.env`. */
export function azureOptions(
  options: native.AzureBlobStorageOptions | null | undefined,
  config: ConfigReader | null | undefined,
): native.AzureBlobStorageOptions {
  return withSettings(AZURE_VARIABLES, options, config);
}

function withSettings<T extends object>(
  variables: Record<string, string>,
  options: T | null | undefined,
  config: ConfigReader | null | undefined,
): T {
  const result: Record<string, unknown> = { ...options };
  for (const [field, key] of Object.entries(variables)) {
    if (result[field] === undefined) result[field] = setting(config, key);
  }
  return result as T;
}

/**
 * The S3 provider as a Nest provider. List it (and optionally `S3_STORAGE_OPTIONS`) in a module's
 * providers to inject it; StorageService then uses it. It is not part of StorageModule, which
 * creates S3 lazily, so a LOCAL-only app needs no S3 variables. Throws EINVAL without a bucket.
 */
@Injectable()
export class S3StorageProvider extends native.S3StorageProvider {
  constructor(
    @Optional() @Inject(S3_STORAGE_OPTIONS) options?: native.S3StorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
  ) {
    super(s3Options(options, config));
  }
}

/** The Azure Blob provider as a Nest provider; see S3StorageProvider. */
@Injectable()
export class AzureBlobStorageProvider extends native.AzureBlobStorageProvider {
  constructor(
    @Optional() @Inject(AZURE_BLOB_STORAGE_OPTIONS) options?: native.AzureBlobStorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
  ) {
    super(azureOptions(options, config));
  }
}

/** The Google Cloud Storage provider as a Nest provider; see S3StorageProvider. */
@Injectable()
export class GcsStorageProvider extends native.GcsStorageProvider {
  constructor(
    @Optional() @Inject(GCS_STORAGE_OPTIONS) options?: native.GcsStorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
  ) {
    super(withSettings(GCS_VARIABLES, options, config));
  }
}
