import { configurationVariables, type AzureBlobStorageOptions, type S3StorageOptions } from 'stowage';
import type { ConfigReader } from './options';

/** An export of an optional peer package, `undefined` when the package is not installed. */
export function optionalExport(pkg: string, name: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(pkg)[name];
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    if (code === 'MODULE_NOT_FOUND' && String(message).includes(`'${pkg}'`)) {
      return undefined;
    }
    throw err;
  }
}

/**
 * `@nestjs/config` is optional: an app without it still works, reading `process.env`.
 * When it is installed, its `ConfigService` class is the injection token, so a ConfigService that
 * the app (or a test's `{ provide: ConfigService, useValue }`) provides is picked up.
 * This is the ConfigService class when `@nestjs/config` is installed, else a token nothing provides.
 */
export const CONFIG_SERVICE: any =
  optionalExport('@nestjs/config', 'ConfigService') ?? Symbol.for('stowage:NO_CONFIG_SERVICE');

/** A setting from ConfigService, else this realm's `process.env` (under Jest a copy native code cannot see). */
function setting(config: { get(key: string): unknown } | null | undefined, key: string): string | undefined {
  const value = config?.get(key) ?? process.env[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The configuration table (variable, provider, option): the same rows the native side reads. */
const TABLE = configurationVariables();

/**
 * `provider`'s options (a StorageType, or `signing`): those given, unset ones from their
 * variables in the configuration table, read from ConfigService, else `process.env`.
 */
export function withSettings<T extends object>(
  provider: string,
  options: T | null | undefined,
  config: { get(key: string): unknown } | null | undefined,
): T {
  const result: Record<string, unknown> = { ...options };
  for (const row of TABLE) {
    if (row.provider !== provider || (result[row.option] !== undefined && result[row.option] !== null)) continue;
    const value = setting(config, row.name);
    if (value !== undefined) result[row.option] = value;
  }
  return result as T;
}

/** The S3 provider's options: those given, unset fields from ConfigService, else `process.env`. */
export function s3Options(
  options: S3StorageOptions | null | undefined,
  config: ConfigReader | null | undefined,
): S3StorageOptions {
  return withSettings('S3', options, config);
}

/** The Azure provider's options: those given, unset fields from ConfigService, else `process.env`. */
export function azureOptions(
  options: AzureBlobStorageOptions | null | undefined,
  config: ConfigReader | null | undefined,
): AzureBlobStorageOptions {
  return withSettings('AZURE_BLOB', options, config);
}
