import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import type { StorageServiceOptions } from 'stowage';

/**
 * Options of `StorageModule.forRoot`: those of the native `StorageService` (storage type, provider
 * options such as `local`, ready-made `providers`, a `config` reader, a `logger`), plus `isGlobal`.
 * Explicit options win over ConfigService and the environment.
 */
export interface StorageModuleOptions extends StorageServiceOptions {
  /** Register the module globally, so feature modules need not import it. */
  isGlobal?: boolean;
}

/** Options of `StorageModule.forRootAsync`: a factory for the options, with its dependencies. */
export interface StorageModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  isGlobal?: boolean;
  useFactory: (...args: any[]) => StorageServiceOptions | Promise<StorageServiceOptions>;
  inject?: FactoryProvider['inject'];
}

/** What the service needs from Nest's ConfigService; any object with `get` will do. */
export interface ConfigReader {
  get(key: string): unknown;
}
