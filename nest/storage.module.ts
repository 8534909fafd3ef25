import {
  ConfigurableModuleBuilder,
  DynamicModule,
  Module,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { setLogger, type LocalStorageOptions, type StorageServiceOptions } from 'stowage';
import { CONFIG_SERVICE } from './config';
import {
  DEFAULT_DISK_NAME,
  STORAGE_OPTIONS,
  STORAGE_SERVICE_OPTIONS,
  URL_SIGNER,
} from './constants';
import { defaultDiskName, diskServiceOptions, getStorageToken, registerDisk, signerToken } from './disks';
import type { ConfigReader, StorageModuleOptions } from './options';
import { LOCAL_STORAGE_OPTIONS, LocalStorageProvider, MemoryStorageProvider } from './providers';
import { SignedUrlController } from './signed-url.controller';
import { urlSigner, UrlSigner } from './signed-urls';
import { StorageService } from './storage.service';

const { ConfigurableModuleClass, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<StorageModuleOptions>({
  optionsInjectionToken: STORAGE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/**
 * Options of `StorageModule.forRootAsync`: `useFactory` (or `useClass`/`useExisting`) builds the
 * options of `forRoot`; `disks` lists the names of the disks it configures, so that
 * `@InjectStorage(name)` can be resolved before the factory has run.
 */
export type StorageModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE & { disks?: string[] };

const OPTIONAL_MODULE_OPTIONS = { token: STORAGE_OPTIONS, optional: true };
const OPTIONAL_CONFIG = { token: CONFIG_SERVICE, optional: true };

/**
 * `imports: [StorageModule]` alone provides and exports `StorageService`, `LocalStorageProvider`
 * and `MemoryStorageProvider`, configured from ConfigService when the app has one visible here
 * (a global ConfigModule) and from `process.env` otherwise, exactly as `forRoot()` with no
 * options. S3 and Azure providers are created by the service when first asked for
 * (`storage.getProvider(StorageType.S3)`), so a LOCAL-only app needs none of their variables.
 * It mounts SignedUrlController (`/storage/signed/...`), which serves the signed URLs of LOCAL and
 * MEMORY and refuses (403) every request when no signing secret is configured.
 */
@Module({
  controllers: [SignedUrlController],
  providers: [
    {
      provide: URL_SIGNER,
      useFactory: (options?: StorageModuleOptions, config?: ConfigReader): UrlSigner =>
        urlSigner(options?.signing, options?.config ?? config, defaultDiskName(options) ?? DEFAULT_DISK_NAME),
      inject: [OPTIONAL_MODULE_OPTIONS, OPTIONAL_CONFIG],
    },
    {
      provide: STORAGE_SERVICE_OPTIONS,
      useFactory: (options?: StorageModuleOptions): StorageServiceOptions => diskServiceOptions(options),
      inject: [OPTIONAL_MODULE_OPTIONS],
    },
    {
      provide: LOCAL_STORAGE_OPTIONS,
      useFactory: (options: StorageServiceOptions): LocalStorageOptions | undefined => options.local,
      inject: [STORAGE_SERVICE_OPTIONS],
    },
    LocalStorageProvider,
    MemoryStorageProvider,
    StorageService,
  ],
  exports: [StorageService, LocalStorageProvider, MemoryStorageProvider],
})
export class StorageModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(storage: StorageService) {
    super();
    registerDisk(undefined, storage);
  }

  /** Options given directly; `disks` makes one injectable `StorageService` per named disk. */
  static forRoot(options: StorageModuleOptions & { isGlobal?: boolean } = {}): DynamicModule {
    defaultDiskName(options); // a wrong `default` fails here, where the options are written
    return withDisks(super.forRoot(options), Object.keys(options.disks ?? {}));
  }

  /** Options built by a factory with injected dependencies, e.g. ConfigService. */
  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    return withDisks(super.forRootAsync(options), options.disks ?? []);
  }

  /**
   * The Rust log callback is process-wide: release it so the app's logger can be collected, and
   * give events back to the default (warnings and errors on stderr).
   */
  onApplicationShutdown(): void {
    setLogger();
  }
}

/** Adds a StorageService and a UrlSigner per disk name, and exports the services and the options. */
function withDisks(definition: DynamicModule, names: string[]): DynamicModule {
  const signers: Provider[] = names.map((name) => ({
    provide: signerToken(name),
    inject: [STORAGE_OPTIONS, OPTIONAL_CONFIG],
    useFactory: (options: StorageModuleOptions, config?: ConfigReader) =>
      urlSigner(options.signing, options.config ?? config, name),
  }));
  const disks: Provider[] = names.map((name) => ({
    provide: getStorageToken(name),
    inject: [STORAGE_OPTIONS, OPTIONAL_CONFIG, StorageService, signerToken(name)],
    useFactory: (options: StorageModuleOptions, config: ConfigReader | undefined, main: StorageService, signer: UrlSigner) => {
      const disk = defaultDiskName(options) === name ? main : namedDisk(options, name, config, signer);
      registerDisk(name, disk);
      return disk;
    },
  }));
  return {
    ...definition,
    providers: [...(definition.providers ?? []), ...signers, ...disks],
    exports: [...(definition.exports ?? []), STORAGE_OPTIONS, ...names.map(getStorageToken)],
  };
}

/** A disk other than the default: its own service, LOCAL/MEMORY providers signing with its signer. */
function namedDisk(
  options: StorageModuleOptions,
  name: string,
  config: ConfigReader | undefined,
  signer: UrlSigner,
): StorageService {
  const disk = options.disks?.[name];
  if (!disk) throw new TypeError(`StorageModule: the options have no disk named "${name}"`);
  const service = diskServiceOptions(options, name);
  const providers =
    disk.type === 'LOCAL'
      ? { LOCAL: new LocalStorageProvider(service.local, service.config ?? config, signer) }
      : disk.type === 'MEMORY'
        ? { MEMORY: new MemoryStorageProvider(signer) }
        : {};
  return new StorageService({ ...service, providers }, config);
}
