// Everything the root entry exports, so a backend imports from one place; the injectable provider
// classes (./providers, which re-exports the root entry) and StorageService below take the place of
// the native ones of the same name.
export * from './providers';

export { StorageModule, type StorageModuleAsyncOptions } from './storage.module';
export { getStorageToken, InjectStorage } from './disks';
export { SignedUrlController } from './signed-url.controller';
export { SIGNED_URL_ROUTE, UrlSigner } from './signed-urls';
export { StorageService } from './storage.service';
export { STORAGE_OPTIONS, STORAGE_SERVICE_OPTIONS } from './constants';
export { nestLogBridge } from './logger';
export type { ConfigReader, DiskOptions, SigningOptions, StorageModuleOptions } from './options';
export { StorageExceptionFilter, statusForStorageError, isStorageError } from './storage-exception.filter';
export { downloadFile, type DownloadOptions, type DownloadRequest, type DownloadSource } from './download';
export {
  streamInto,
  stowageStorage,
  type IncomingUpload,
  type StoredUpload,
  type StowageStorageOptions,
  type UploadTarget,
} from './multer-storage';
export { StorageHealthIndicator, type StorageHealthOptions, type StorageHealthResult } from './health';
