import type {
  AzureBlobStorageOptions,
  LocalStorageOptions,
  S3StorageOptions,
  StorageServiceOptions,
} from 'stowage';

/** One named disk: `type` picks the provider, the other fields are that provider's own options. */
export type DiskOptions =
  | ({ type: 'LOCAL' } & LocalStorageOptions)
  | { type: 'MEMORY' }
  | ({ type: 'S3' } & S3StorageOptions)
  | ({ type: 'AZURE_BLOB' } & AzureBlobStorageOptions);

/** Signed URLs on LOCAL and MEMORY (S3 and Azure sign with their own keys). */
export interface SigningOptions {
  /**
   * The HMAC-SHA256 key. Default: `STORAGE_SIGNING_SECRET` (ConfigService, else `process.env`).
   * Without one, `getSignedUrl` on LOCAL and MEMORY rejects with `ENOTSUP`.
   */
  secret?: string;
  /**
   * What signed URLs start with: the public origin of the app and the prefix its routes live under,
   * e.g. `https://api.example.com/v1`. Default: `STORAGE_SIGNED_URL_BASE`, else none (the URL is
   * then a path, `/storage/signed/...`, relative to the app's origin).
   */
  baseUrl?: string;
}

/**
 * Options of `StorageModule.forRoot` and of `forRootAsync`'s factory. Without `disks`, these are
 * the options of the one (default) `StorageService`, as `new StorageService(options)` takes them;
 * the environment (or ConfigService) fills what is not given. With `disks`, each disk is a
 * `StorageService` of its own, `default` names the one plain `StorageService` injects.
 * Explicit options win over ConfigService, which wins over `process.env`.
 */
export interface StorageModuleOptions extends StorageServiceOptions {
  /** Named disks, injected with `@InjectStorage(name)`. */
  disks?: Record<string, DiskOptions>;
  /** The disk plain `StorageService` is. Required when there is more than one disk. */
  default?: string;
  /** Signed URLs on LOCAL and MEMORY. */
  signing?: SigningOptions;
}

/** What the service needs from Nest's ConfigService; any object with `get` will do. */
export interface ConfigReader {
  get(key: string): unknown;
}
