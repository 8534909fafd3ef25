// `imports: [StorageModule]` with no forRoot(), as the existing backend's AppModule has it, and one
// constructor shape for StorageService from 'stowage' and 'stowage/nest'.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import * as root from 'stowage';
import {
  LocalStorageProvider,
  MemoryStorageProvider,
  StorageModule,
  StorageService,
  StorageType,
} from 'stowage/nest';
import { tempDir } from './helpers';

@Injectable()
class FileUploadService {
  constructor(private readonly storage: StorageService) {}

  async store(name: string, data: string): Promise<string> {
    await this.storage.writeFile(`uploads/${name}`, data);
    return (await this.storage.readFile(`uploads/${name}`)).toString();
  }

  provider() {
    return this.storage.getProvider();
  }
}

@Module({ imports: [StorageModule], providers: [FileUploadService], exports: [FileUploadService] })
class FileUploadModule {}

/** Sets variables for one test and restores them after. */
function withEnv(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => withEnv(saved);
}

describe('imports: [StorageModule], bare', () => {
  let dir: ReturnType<typeof tempDir>;
  let restore: () => void;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => {
    restore?.();
    dir.remove();
  });

  it('resolves a service that injects StorageService, in a module shaped like the backend (ConfigModule.forRoot() + StorageModule)', async () => {
    restore = withEnv({ STORAGE_TYPE: 'LOCAL', STORAGE_LOCAL_ROOT: dir.path });
    @Module({ imports: [ConfigModule.forRoot({ ignoreEnvFile: true }), StorageModule, FileUploadModule] })
    class AppModule {}

    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const uploads = app.get(FileUploadService);

    await expect(uploads.store('a.txt', 'hello')).resolves.toBe('hello');
    expect(existsSync(join(dir.path, 'uploads', 'a.txt'))).toBe(true);
    expect(uploads.provider()).toBe(app.get(LocalStorageProvider));
    await app.close();
  });

  it('exports StorageService, LocalStorageProvider and MemoryStorageProvider, the service using those very instances', async () => {
    restore = withEnv({ STORAGE_TYPE: 'MEMORY', STORAGE_LOCAL_ROOT: undefined });
    @Module({ imports: [StorageModule], providers: [FileUploadService] })
    class Feature {}
    const app = await Test.createTestingModule({ imports: [Feature] }).compile();
    const storage = app.get(StorageService);

    expect(storage.defaultType).toBe(StorageType.MEMORY);
    expect(storage.getProvider()).toBe(app.get(MemoryStorageProvider));
    expect(storage.getProvider(StorageType.LOCAL)).toBe(app.get(LocalStorageProvider));
    const spy = jest.spyOn(app.get(MemoryStorageProvider), 'writeFile');
    await app.get(FileUploadService).store('b.txt', 'x');
    expect(spy).toHaveBeenCalledWith('uploads/b.txt', 'x');
    await app.close();
  });

  it('reads its configuration through a global ConfigService before process.env', async () => {
    restore = withEnv({ STORAGE_TYPE: 'MEMORY', STORAGE_LOCAL_ROOT: undefined });
    const values = { STORAGE_TYPE: 'LOCAL', STORAGE_LOCAL_ROOT: dir.path };
    @Module({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, ignoreEnvVars: true, load: [() => values] }),
        StorageModule,
        FileUploadModule,
      ],
    })
    class AppModule {}

    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    expect(app.get(StorageService).defaultType).toBe(StorageType.LOCAL);
    await app.get(FileUploadService).store('c.txt', 'y');
    expect(existsSync(join(dir.path, 'uploads', 'c.txt'))).toBe(true);
    await app.close();
  });

  it('behaves as forRoot() with no options: same providers, same configuration', async () => {
    restore = withEnv({ STORAGE_TYPE: 'MEMORY' });
    const bare = await Test.createTestingModule({ imports: [StorageModule] }).compile();
    const configured = await Test.createTestingModule({ imports: [StorageModule.forRoot()] }).compile();
    for (const app of [bare, configured]) {
      expect(app.get(StorageService).defaultType).toBe(StorageType.MEMORY);
      expect(app.get(StorageService).getProvider()).toBe(app.get(MemoryStorageProvider));
    }
    await bare.close();
    await configured.close();
  });
});

describe('StorageService constructor: one shape for stowage and stowage/nest', () => {
  it('takes the root entry\'s options object as its first argument', async () => {
    for (const Service of [root.StorageService, StorageService]) {
      const storage = new Service({ storageType: 'MEMORY' });
      expect(storage.defaultType).toBe(StorageType.MEMORY);
      await storage.writeFile('/a.txt', 'same');
      expect((await storage.readFile('/a.txt')).toString()).toBe('same');
    }
  });

  it('uses the local options given there', async () => {
    const dir = tempDir();
    try {
      const storage = new StorageService({ storageType: StorageType.LOCAL, local: { root: dir.path } });
      await storage.writeFile('x/y.txt', 'z');
      expect(existsSync(join(dir.path, 'x', 'y.txt'))).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('refuses a first argument that is not an options object with a clear TypeError', () => {
    expect(() => new (StorageService as any)('LOCAL')).toThrow(/options.*must be an object/);
    expect(() => new (StorageService as any)('LOCAL')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('refuses the old Nest-only shape (config, localProvider, options) with an error that shows the new one', () => {
    const config = { get: () => undefined };
    expect(() => new (StorageService as any)(config, new LocalStorageProvider())).toThrow(
      /new StorageService\(\{ storageType, config \}\)/,
    );
    expect(() => new (StorageService as any)(undefined, undefined, { storageType: 'MEMORY' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/Pass options first/) }),
    );
  });
});
