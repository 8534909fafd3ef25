import { Inject } from '@nestjs/common';
import type { StorageServiceOptions } from 'stowage';
import type { DiskOptions, StorageModuleOptions } from './options';

/** The injection token of the disk `name`'s `StorageService`. */
export function getStorageToken(name: string): symbol {
  return Symbol.for(`stowage:disk:${name}`);
}

/** The injection token of the disk `name`'s `UrlSigner` (signed URLs on LOCAL and MEMORY). */
export function signerToken(name: string): symbol {
  return Symbol.for(`stowage:signer:${name}`);
}

/** Injects the `StorageService` of the disk `name` (`StorageModule.forRoot({ disks })`). */
export function InjectStorage(name: string): ParameterDecorator & PropertyDecorator {
  return Inject(getStorageToken(name));
}

/** The name of the disk plain `StorageService` is; `undefined` without `disks`. */
export function defaultDiskName(options: StorageModuleOptions | null | undefined): string | undefined {
  const names = Object.keys(options?.disks ?? {});
  if (names.length === 0) return undefined;
  const chosen = options?.default ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined) {
    throw new TypeError(`StorageModule: "default" must name one of the disks (${names.join(', ')})`);
  }
  if (!names.includes(chosen)) {
    throw new TypeError(`StorageModule: the default disk "${chosen}" is not one of the disks (${names.join(', ')})`);
  }
  return chosen;
}

/**
 * The options of one disk's `StorageService`: without `name`, the default disk (the module's own
 * options when there are no `disks`). Module-only fields are left out.
 */
export function diskServiceOptions(
  options: StorageModuleOptions | null | undefined,
  name?: string,
): StorageServiceOptions {
  const { disks, default: _default, signing: _signing, ...service } = options ?? {};
  const disk = name ?? defaultDiskName(options);
  if (disk === undefined) return service;
  const chosen = disks?.[disk];
  if (!chosen) throw new TypeError(`StorageModule: no disk named "${disk}"`);
  return { ...common(service), ...providerOptions(chosen) };
}

/** What every disk shares: where configuration is read, and the logger. */
function common(service: StorageServiceOptions): StorageServiceOptions {
  const { config, env, logger } = service;
  return { config, env, logger };
}

function providerOptions(disk: DiskOptions): StorageServiceOptions {
  switch (disk.type) {
    case 'LOCAL': {
      const { type, ...local } = disk;
      return { storageType: type, local };
    }
    case 'MEMORY':
      return { storageType: 'MEMORY' };
    case 'S3': {
      const { type, ...s3 } = disk;
      return { storageType: type, s3 };
    }
    case 'AZURE_BLOB': {
      const { type, ...azure } = disk;
      return { storageType: type, azure };
    }
    default:
      throw new TypeError(
        `StorageModule: a disk's "type" must be LOCAL, MEMORY, S3 or AZURE_BLOB (received ${JSON.stringify((disk as { type?: unknown }).type)})`,
      );
  }
}

/**
 * The disks of the last StorageModule instantiated in this process, by name (`''` for the
 * default), for what is built before Nest's injector runs: a multer storage engine given in a
 * `FileInterceptor` decorator names its disk, and finds it here at request time.
 */
const registered = new Map<string, object>();

export function registerDisk(name: string | undefined, service: object): void {
  registered.set(name ?? '', service);
}

/** The disk `name` (default: the default disk) of the running app's StorageModule. */
export function registeredDisk<T>(name?: string): T {
  const service = registered.get(name ?? '');
  if (!service) {
    throw new Error(
      name === undefined
        ? 'stowage/nest: no StorageModule has been instantiated yet; import StorageModule, or pass the StorageService itself'
        : `stowage/nest: no disk named "${name}" (StorageModule.forRoot({ disks }) declares them)`,
    );
  }
  return service as T;
}
