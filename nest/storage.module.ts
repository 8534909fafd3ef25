import { DynamicModule, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { setLogger, type LocalStorageOptions } from 'stowage';
import { LOCAL_STORAGE_OPTIONS, STORAGE_OPTIONS } from './constants';
import type { StorageModuleAsyncOptions, StorageModuleOptions } from './options';
import { LocalStorageProvider, MemoryStorageProvider } from './providers';
import { StorageService } from './storage.service';

/**
 * Provides and exports `StorageService`, `LocalStorageProvider` and `MemoryStorageProvider`.
 * `forRoot(options)` takes the options directly; `forRootAsync({ imports, useFactory, inject })`
 * builds them from other providers (e.g. ConfigService).
 */
@Module({})
export class StorageModule implements OnApplicationShutdown {
  static forRoot(options: StorageModuleOptions = {}): DynamicModule {
    return definition(options.isGlobal, [], { provide: STORAGE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    return definition(options.isGlobal, options.imports ?? [], {
      provide: STORAGE_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    });
  }

  /** The Rust log callback is process-wide: release it so the app's logger can be collected. */
  onApplicationShutdown(): void {
    setLogger(null);
  }
}

function definition(
  isGlobal: boolean | undefined,
  imports: NonNullable<StorageModuleAsyncOptions['imports']>,
  optionsProvider: Provider,
): DynamicModule {
  return {
    module: StorageModule,
    global: isGlobal ?? false,
    imports,
    providers: [
      optionsProvider,
      {
        provide: LOCAL_STORAGE_OPTIONS,
        useFactory: (options: StorageModuleOptions | undefined): LocalStorageOptions | undefined =>
          options?.local,
        inject: [STORAGE_OPTIONS],
      },
      LocalStorageProvider,
      MemoryStorageProvider,
      StorageService,
    ],
    exports: [StorageService, LocalStorageProvider, MemoryStorageProvider, STORAGE_OPTIONS],
  };
}
