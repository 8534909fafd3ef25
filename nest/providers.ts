import { Inject, Injectable, Optional } from '@nestjs/common';
import * as native from 'stowage';
import { CONFIG_SERVICE } from './config';
import { LOCAL_STORAGE_OPTIONS } from './constants';
import type { ConfigReader } from './options';

/** From ConfigService, else this realm's process.env (under Jest a copy native code cannot see). */
function setting(config: ConfigReader | null | undefined, key: string): string | undefined {
  const value = config?.get(key) ?? process.env[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The LOCAL provider as a Nest provider. `new LocalStorageProvider()` works as well: the root then
 * comes from `STORAGE_LOCAL_ROOT`. Under Nest, explicit options win, then ConfigService, then env.
 */
@Injectable()
export class LocalStorageProvider extends native.LocalStorageProvider {
  constructor(
    @Optional() @Inject(LOCAL_STORAGE_OPTIONS) options?: native.LocalStorageOptions | null,
    @Optional() @Inject(CONFIG_SERVICE) config?: ConfigReader | null,
  ) {
    const root = options?.root ?? setting(config, 'STORAGE_LOCAL_ROOT');
    super(root === undefined ? (options ?? undefined) : { ...options, root });
  }
}

/** The in-memory provider as a Nest provider, for tests and ephemeral data. */
@Injectable()
export class MemoryStorageProvider extends native.MemoryStorageProvider {
  constructor() {
    super();
  }
}
