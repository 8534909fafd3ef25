import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { CONFIG_SERVICE } from './config';
import { STORAGE_SERVICE_OPTIONS } from './constants';
import { nestLogBridge } from './logger';
import type { ConfigReader } from './options';
import { AzureBlobStorageProvider, LocalStorageProvider, MemoryStorageProvider, S3StorageProvider } from './providers';

/**
 * The native `StorageService`, made injectable. Its first argument is the root entry's:
 * `new StorageService({ storageType: 'MEMORY' })` means the same from `stowage` and `stowage/nest`.
 * The arguments after it are filled by Nest (ConfigService and the provider instances it holds)
 * and are not meant to be passed by hand. Injected providers are used as they are, so
 * `service.getProvider(StorageType.LOCAL)` is the `LocalStorageProvider` that Nest holds and a
 * `jest.spyOn` on it sees the service's calls. Log events go to Nest's Logger.
 */
@Injectable()
export class StorageService extends native.StorageService {
  constructor(
    @Optional() @Inject(STORAGE_SERVICE_OPTIONS) options?: native.StorageServiceOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
    @Optional() @Inject(LocalStorageProvider) localProvider?: LocalStorageProvider | null,
    @Optional() @Inject(MemoryStorageProvider) memoryProvider?: MemoryStorageProvider | null,
    @Optional() @Inject(S3StorageProvider) s3Provider?: S3StorageProvider | null,
    @Optional() @Inject(AzureBlobStorageProvider) azureProvider?: AzureBlobStorageProvider | null,
  ) {
    if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
      throw Object.assign(
        new TypeError('The "options" argument of StorageService must be an object such as { storageType: "LOCAL" }'),
        { code: 'ERR_INVALID_ARG_TYPE' },
      );
    }
    const injected = { LOCAL: localProvider, MEMORY: memoryProvider, S3: s3Provider, AZURE_BLOB: azureProvider };
    super(serviceOptions(options, config, injected));
  }
}

type Providers = NonNullable<native.StorageServiceOptions['providers']>;

function serviceOptions(
  options: native.StorageServiceOptions | null | undefined,
  config: ConfigReader | null | undefined,
  injected: Record<keyof Providers, native.IStorageProvider | null | undefined>,
): native.StorageServiceOptions {
  const given = options ?? {};
  const providers: Providers = {};
  for (const [type, provider] of Object.entries(injected) as [keyof Providers, native.IStorageProvider][]) {
    if (provider) providers[type] = provider;
  }
  return {
    ...given,
    providers: { ...providers, ...given.providers },
    ...(config && !given.config ? { config } : {}),
    // This realm's process.env: under Jest it is a per-file copy that native code cannot see.
    env: given.env ?? process.env,
    logger: given.logger ?? nestLogBridge,
  };
}
