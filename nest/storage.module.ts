import {
  ConfigurableModuleBuilder,
  DynamicModule,
  Module,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { setLogger, type LocalStorageOptions, type StorageServiceOptions } from 'stowage';
import { CONFIG_SERVICE } from './config';
import { LOCAL_STORAGE_OPTIONS, STORAGE_OPTIONS, STORAGE_SERVICE_OPTIONS } from './constants';
import { defaultDiskName, diskServiceOptions, getStorageToken, registerDisk } from './disks';
import type { ConfigReader, StorageModuleOptions } from './options';
import { LocalStorageProvider, MemoryStorageProvider } from './providers';
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

/**
 * `imports: [StorageModule]` alone provides and exports `StorageService`, `LocalStorageProvider`
 * and `MemoryStorageProvider`, configured from ConfigService when the app has one visible here
 * (a global ConfigModule) and from `process.env` otherwise, exactly as `forRoot()` with no
 * options. S3 and Azure providers are created by the service when first asked for
 * (`storage.getProvider(StorageType.S3)`), so a LOCAL-only app needs none of their variables.
 */
@Module({
  providers: [
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

  /** The Rust log callback is process-wide: release it so the app's logger can be collected. */
  onApplicationShutdown(): void {
    setLogger(null);
  }
}

/** Adds one provider per disk name, and exports them and the module options. */
function withDisks(definition: DynamicModule, names: string[]): DynamicModule {
  const disks: Provider[] = names.map((name) => ({
    provide: getStorageToken(name),
    inject: [STORAGE_OPTIONS, { token: CONFIG_SERVICE, optional: true }, StorageService],
    useFactory: (options: StorageModuleOptions, config: ConfigReader | undefined, main: StorageService) => {
      if (!options.disks?.[name]) {
        throw new TypeError(`StorageModule: the options have no disk named "${name}"`);
      }
      const disk = defaultDiskName(options) === name ? main : new StorageService(diskServiceOptions(options, name), config);
      registerDisk(name, disk);
      return disk;
    },
  }));
  return {
    ...definition,
    providers: [...(definition.providers ?? []), ...disks],
    exports: [...(definition.exports ?? []), STORAGE_OPTIONS, ...disks.map((d) => (d as { provide: symbol }).provide)],
  };
}
