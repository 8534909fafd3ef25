import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { CONFIG_SERVICE } from './config';
import { STORAGE_SERVICE_OPTIONS } from './constants';
import { nestLogBridge } from './logger';
import type { ConfigReader } from './options';
import { injectProviderClasses, providerClasses } from './provider-table';
// The injectable provider classes, entered in the provider table as providers.ts declares them.
import './providers';

/** The provider table's rows: each class is injected, optionally, after the service's two arguments. */
const PROVIDER_CLASSES = providerClasses();

/**
 * The native `StorageService`, made injectable. Its first argument is the root entry's:
 * `new StorageService({ storageType: 'MEMORY' })` means the same from `stowage` and `stowage/nest`.
 * The arguments after it are filled by Nest (ConfigService, then the instance Nest holds of each
 * injectable provider class, in the provider table's order) and are not meant to be passed by
 * hand. Injected providers are used as they are, so `service.getProvider(StorageType.LOCAL)` is
 * the `LocalStorageProvider` that Nest holds and a `jest.spyOn` on it sees the service's calls.
 * Log events go to Nest's Logger.
 */
@Injectable()
export class StorageService extends native.StorageService {
  constructor(
    @Optional() @Inject(STORAGE_SERVICE_OPTIONS) options?: native.StorageServiceOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
    ...providers: (native.IStorageProvider | null | undefined)[]
  ) {
    checkOptions(options);
    const injected = Object.fromEntries(PROVIDER_CLASSES.map(([type], i) => [type, providers[i]]));
    checkInjected(injected);
    super(serviceOptions(options, config, injected));
  }
}

// `@Optional() @Inject(Class)` on the arguments after the first two, one per injectable class.
injectProviderClasses(StorageService, 2);

type Providers = NonNullable<native.StorageServiceOptions['providers']>;

function argumentError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** The first argument is the root entry's options object; a ConfigService there is the old Nest-only shape. */
function checkOptions(options: unknown): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw argumentError('The "options" argument of StorageService must be an object such as { storageType: "LOCAL" }');
  }
  if (typeof (options as { get?: unknown }).get === 'function') {
    throw argumentError(
      'StorageService takes its options first, as from the root entry: new StorageService({ storageType, config }) ' +
        '(a ConfigService goes in `config`)',
    );
  }
}

/** The arguments after the first are Nest's: provider objects, never options. */
function checkInjected(injected: Record<string, unknown>): void {
  for (const [type, provider] of Object.entries(injected)) {
    if (provider === undefined || provider === null) continue;
    if (typeof (provider as { readFile?: unknown }).readFile !== 'function') {
      throw argumentError(
        `StorageService: the ${type} provider argument is not a storage provider. Pass options first, as from the ` +
          'root entry: new StorageService({ storageType: "MEMORY" }); the later arguments are filled by Nest',
      );
    }
  }
}

function serviceOptions(
  options: native.StorageServiceOptions | null | undefined,
  config: ConfigReader | null | undefined,
  injected: Partial<Record<keyof Providers, native.IStorageProvider | null | undefined>>,
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
