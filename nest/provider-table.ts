import { Inject, Optional, type Type } from '@nestjs/common';
import { StorageType, type IStorageProvider } from 'stowage';

/**
 * The provider table of stowage/nest: the injectable provider class of each `StorageType`, in the
 * order the classes are declared (providers.ts). A class enters it with `@ProviderFor(type)`;
 * `StorageService` injects each of them (optionally) and uses the one Nest holds as that type's
 * provider.
 */
const table = new Map<`${StorageType}`, Type<IStorageProvider>>();

/** Enters the decorated class in the provider table as the injectable provider of `type`. */
export function ProviderFor(type: `${StorageType}`): ClassDecorator {
  return (target) => {
    table.set(type, target as unknown as Type<IStorageProvider>);
  };
}

/**
 * The rows of the provider table, `[type, class]`. Throws when a `StorageType` has no injectable
 * class: every provider of the binding is one of stowage/nest's too.
 */
export function providerClasses(): [`${StorageType}`, Type<IStorageProvider>][] {
  const missing = Object.values(StorageType).filter((type) => !table.has(type));
  if (missing.length > 0) {
    throw new Error(`stowage/nest: no injectable provider class for ${missing.join(', ')} (@ProviderFor in providers.ts)`);
  }
  return [...table];
}

/**
 * Makes the parameters of `target`'s constructor from index `first` on the table's classes, in
 * its order, each optional: `@Optional() @Inject(Class)` on each, as Nest reads them.
 */
export function injectProviderClasses(target: Type<unknown>, first: number): void {
  providerClasses().forEach(([, providerClass], i) => {
    Optional()(target, undefined, first + i);
    Inject(providerClass)(target, undefined, first + i);
  });
}
