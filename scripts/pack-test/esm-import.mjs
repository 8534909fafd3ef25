// An ES module importing the CommonJS entry points by name, as a Nest app compiled to ESM does.
import { StorageModule, StorageService, StorageType, LocalStorageProvider } from 'stowage/nest';
import { MemoryStorageProvider } from 'stowage';

for (const [name, value] of Object.entries({ StorageModule, StorageService, LocalStorageProvider, MemoryStorageProvider })) {
  if (typeof value !== 'function') throw new Error(`stowage/nest has no ${name} for ES modules`);
}
if (StorageType.LOCAL !== 'LOCAL') throw new Error('StorageType.LOCAL is missing');
const storage = new StorageService({ storageType: 'MEMORY' });
await storage.writeFile('/esm.txt', 'ok');
if ((await storage.readFile('/esm.txt')).toString() !== 'ok') throw new Error('ESM round trip failed');
console.log('test-pack: ES module import of stowage/nest works');
