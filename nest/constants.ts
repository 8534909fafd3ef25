/** Injection token for the options given to `StorageModule.forRoot` / `forRootAsync`. */
export const STORAGE_OPTIONS = Symbol.for('stowage:STORAGE_OPTIONS');

/** Injection token for the first constructor argument of the injectable `StorageService`. */
export const STORAGE_SERVICE_OPTIONS = Symbol.for('stowage:STORAGE_SERVICE_OPTIONS');

/** The Nest logger context of every Stowage log line. */
export const LOG_CONTEXT = 'StorageService';

/** Injection token of the default disk's `UrlSigner` (signed URLs on LOCAL and MEMORY). */
export const URL_SIGNER = Symbol.for('stowage:URL_SIGNER');

/** The name signed URLs carry for the default disk when the module has no named disks. */
export const DEFAULT_DISK_NAME = 'default';
