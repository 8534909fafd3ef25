// Everything the root entry exports, so a backend imports from one place; the injectable classes
// below take the place of the native ones of the same name.
export * from 'stowage';

export { StorageModule } from './storage.module';
export { StorageService } from './storage.service';
export {
  AzureBlobStorageProvider,
  GcsStorageProvider,
  LocalStorageProvider,
  MemoryStorageProvider,
  S3StorageProvider,
} from './providers';
export {
  AZURE_BLOB_STORAGE_OPTIONS,
  GCS_STORAGE_OPTIONS,
  LOCAL_STORAGE_OPTIONS,
  S3_STORAGE_OPTIONS,
  STORAGE_OPTIONS,
} from './constants';
export { nestLogBridge } from './logger';
export type { StorageModuleOptions, StorageModuleAsyncOptions, ConfigReader } from './options';
