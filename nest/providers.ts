import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { CONFIG_SERVICE, withSettings } from './config';
import { AZURE_BLOB_STORAGE_OPTIONS, GCS_STORAGE_OPTIONS, LOCAL_STORAGE_OPTIONS, S3_STORAGE_OPTIONS, URL_SIGNER } from './constants';
import type { ConfigReader } from './options';
import { UrlSigner } from './signed-urls';

/**
 * The LOCAL provider as a Nest provider. `new LocalStorageProvider()` works as well: the root then
 * comes from its variable (`STORAGE_LOCAL_ROOT`). Under Nest, explicit options win, then
 * ConfigService, then env.
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
    super(withSettings('LOCAL', options, config));
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

/** The S3 provider's options: those given, unset fields from ConfigService, else `process.env`. */
export function s3Options(
  options: native.S3StorageOptions | null | undefined,
  config: ConfigReader | null | undefined,
): native.S3StorageOptions {
  return withSettings('S3', options, config);
}

/** The Azure provider's options: those given, unset fields from ConfigService, else `process.env`. */
export function azureOptions(
  options: native.AzureBlobStorageOptions | null | undefined,
  config: ConfigReader | null | undefined,
): native.AzureBlobStorageOptions {
  return withSettings('AZURE_BLOB', options, config);
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
    super(withSettings('GCS', options, config));
  }
}
