import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { CONFIG_SERVICE } from './config';
import { STORAGE_OPTIONS } from './constants';
import { nestLogBridge } from './logger';
import type { ConfigReader, StorageModuleOptions } from './options';
import {
  AzureBlobStorageProvider,
  GcsStorageProvider,
  LocalStorageProvider,
  MemoryStorageProvider,
  S3StorageProvider,
} from './providers';

/**
 * The native `StorageService`, made injectable. Injected providers are used as they are, so
 * `service.getProvider(StorageType.LOCAL)` is the `LocalStorageProvider` that Nest holds and a
 * `jest.spyOn` on it sees the service's calls. Log events go to Nest's Logger.
 */
@Injectable()
export class StorageService extends native.StorageService {
  constructor(
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
    @Optional() @Inject(LocalStorageProvider) localProvider?: LocalStorageProvider | null,
    @Optional() @Inject(STORAGE_OPTIONS) options?: StorageModuleOptions | null,
    @Optional() @Inject(MemoryStorageProvider) memoryProvider?: MemoryStorageProvider | null,
    @Optional() @Inject(S3StorageProvider) s3Provider?: S3StorageProvider | null,
    @Optional() @Inject(AzureBlobStorageProvider) azureProvider?: AzureBlobStorageProvider | null,
    @Optional() @Inject(GcsStorageProvider) gcsProvider?: GcsStorageProvider | null,
  ) {
    const injected = {
      LOCAL: localProvider,
      MEMORY: memoryProvider,
      S3: s3Provider,
      AZURE_BLOB: azureProvider,
      GCS: gcsProvider,
    };
    super(serviceOptions(config, injected, options));
  }
}

type Providers = NonNullable<native.StorageServiceOptions['providers']>;

function serviceOptions(
  config: ConfigReader | null | undefined,
  injected: Record<keyof Providers, native.IStorageProvider | null | undefined>,
  options: StorageModuleOptions | null | undefined,
): native.StorageServiceOptions {
  const { isGlobal: _isGlobal, ...rest } = options ?? {};
  const providers: Providers = {};
  for (const [type, provider] of Object.entries(injected) as [keyof Providers, native.IStorageProvider][]) {
    if (provider) providers[type] = provider;
  }
  return {
    ...rest,
    providers: { ...providers, ...rest.providers },
    ...(config && !rest.config ? { config } : {}),
    // This realm's process.env: under Jest it is a per-file copy that native code cannot see.
    env: rest.env ?? process.env,
    logger: rest.logger ?? nestLogBridge,
  };
}
