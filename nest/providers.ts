// The root entry with the injectable provider classes in the place of its native ones, and their
// options' injection tokens: what stowage/nest exports (index.ts), so everything exported here is
// public. Each class's `@ProviderFor(type)` is its row in the provider table (provider-table.ts).
import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { azureOptions, CONFIG_SERVICE, s3Options, withSettings } from './config';
import { URL_SIGNER } from './constants';
import type { ConfigReader } from './options';
import { ProviderFor } from './provider-table';
import { UrlSigner } from './signed-urls';

export * from 'stowage';

/** Injection token for the options of the injectable `LocalStorageProvider`. */
export const LOCAL_STORAGE_OPTIONS = Symbol.for('stowage:LOCAL_STORAGE_OPTIONS');

/** Injection tokens for the options of the injectable `S3StorageProvider`, `AzureBlobStorageProvider` and `GcsStorageProvider`. */
export const S3_STORAGE_OPTIONS = Symbol.for('stowage:S3_STORAGE_OPTIONS');
export const AZURE_BLOB_STORAGE_OPTIONS = Symbol.for('stowage:AZURE_BLOB_STORAGE_OPTIONS');
export const GCS_STORAGE_OPTIONS = Symbol.for('stowage:GCS_STORAGE_OPTIONS');

/**
 * The LOCAL provider as a Nest provider. `new LocalStorageProvider()` works as well: the root then
 * comes from its variable (`STORAGE_LOCAL_ROOT`). Under Nest, explicit options win, then
 * ConfigService, then env.
 * With a signing secret, `getSignedUrl` returns a URL the module's SignedUrlController serves.
 */
@Injectable()
@ProviderFor('LOCAL')
export class LocalStorageProvider extends native.LocalStorageProvider {
  readonly #signer: UrlSigner | undefined;

  constructor(
    @Optional() @Inject(LOCAL_STORAGE_OPTIONS) options?: native.LocalStorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
    @Optional() @Inject(URL_SIGNER) signer?: UrlSigner | null,
  ) {
    super(withSettings('LOCAL', options, config));
    this.#signer = signer ?? undefined;
  }

  override getSignedUrl(path: string, options?: native.SignedUrlOptions): Promise<string> {
    return signedUrl(this.#signer, 'LOCAL', path, options, () => super.getSignedUrl(path, options));
  }
}

/** The in-memory provider as a Nest provider, for tests and ephemeral data. */
@Injectable()
@ProviderFor('MEMORY')
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

/**
 * The S3 provider as a Nest provider. List it (and optionally `S3_STORAGE_OPTIONS`) in a module's
 * providers to inject it; StorageService then uses it. It is not part of StorageModule, which
 * creates S3 lazily, so a LOCAL-only app needs no S3 variables. Throws EINVAL without a bucket.
 */
@Injectable()
@ProviderFor('S3')
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
@ProviderFor('AZURE_BLOB')
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
@ProviderFor('GCS')
export class GcsStorageProvider extends native.GcsStorageProvider {
  constructor(
    @Optional() @Inject(GCS_STORAGE_OPTIONS) options?: native.GcsStorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
  ) {
    super(withSettings('GCS', options, config));
  }
}
