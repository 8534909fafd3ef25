import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import * as root from 'stowage';
import {
  AZURE_BLOB_STORAGE_OPTIONS,
  AzureBlobStorageProvider,
  GCS_STORAGE_OPTIONS,
  GcsStorageProvider,
  LocalStorageProvider,
  S3_STORAGE_OPTIONS,
  S3StorageProvider,
  MemoryStorageProvider,
  STORAGE_OPTIONS,
  StorageModule,
  StorageService,
  StorageType,
} from 'stowage/nest';
import * as nest from 'stowage/nest';
import { tempDir } from './helpers';

describe('stowage/nest entry point', () => {
  it('re-exports everything the root entry exports', () => {
    for (const name of Object.keys(root).filter((key) => key !== 'default')) {
      expect(nest).toHaveProperty(name);
    }
  });

  it('replaces the native classes with injectable subclasses of them', () => {
    expect(new StorageService()).toBeInstanceOf(root.StorageService);
    expect(new LocalStorageProvider()).toBeInstanceOf(root.LocalStorageProvider);
    expect(new MemoryStorageProvider()).toBeInstanceOf(root.MemoryStorageProvider);
  });
});

describe('StorageModule.forRoot', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('provides a StorageService that writes, reads and lists files under the local root', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ local: { root: dir.path } })],
    }).compile();
    const storage = moduleRef.get(StorageService);

    await storage.writeFile('uploads/a.txt', 'hello');
    expect((await storage.readFile('uploads/a.txt')).toString()).toBe('hello');
    expect(await storage.listFiles('uploads')).toEqual(['a.txt']);
    expect(storage.defaultType).toBe(StorageType.LOCAL);
    await moduleRef.close();
  });

  it('works with no options at all', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StorageModule.forRoot()] }).compile();
    const storage = moduleRef.get(StorageService);
    expect(storage.getProvider()).toBe(moduleRef.get(LocalStorageProvider));
    await expect(storage.deleteOldFiles('/nonexistent', new Date())).resolves.toBe(0);
    await moduleRef.close();
  });

  it('getProvider returns the injected provider instances, the same object every time', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storageType: 'MEMORY' })],
    }).compile();
    const storage = moduleRef.get(StorageService);
    const memory = moduleRef.get(MemoryStorageProvider);

    expect(storage.defaultType).toBe(StorageType.MEMORY);
    expect(storage.getProvider()).toBe(memory);
    expect(storage.getProvider(StorageType.MEMORY)).toBe(storage.getProvider('MEMORY'));
    expect(storage.getProvider(StorageType.LOCAL)).toBe(moduleRef.get(LocalStorageProvider));

    const spy = jest.spyOn(memory, 'writeFile');
    await storage.writeFile('/x.bin', Buffer.from([1, 2, 3]));
    expect(spy).toHaveBeenCalledWith('/x.bin', Buffer.from([1, 2, 3]));
    expect(await memory.readFile('/x.bin')).toEqual(Buffer.from([1, 2, 3]));
    await moduleRef.close();
  });

  it('reads STORAGE_TYPE and STORAGE_LOCAL_ROOT through an injected ConfigService', async () => {
    const values: Record<string, string> = { STORAGE_TYPE: 'LOCAL', STORAGE_LOCAL_ROOT: dir.path };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => values] }),
        StorageModule.forRoot(),
      ],
    }).compile();
    const storage = moduleRef.get(StorageService);

    await storage.writeFile('sub/inside-root.txt', 'x');
    expect(await storage.listFiles('sub')).toEqual(['inside-root.txt']);
    expect(existsSync(join(dir.path, 'sub', 'inside-root.txt'))).toBe(true);
    await expect(storage.readFile('../escape.txt')).rejects.toMatchObject({ code: 'EACCES' });
    await moduleRef.close();
  });

  it('makes StorageService available to every module when isGlobal is set', async () => {
    @Injectable()
    class Uploads {
      constructor(readonly storage: StorageService) {}
    }
    @Module({ providers: [Uploads] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ isGlobal: true, storageType: 'MEMORY' }), FeatureModule],
    }).compile();
    expect(moduleRef.get(Uploads).storage).toBe(moduleRef.get(StorageService));
    await moduleRef.close();
  });

  it('gives the process-wide log callback back to the stderr default on application shutdown', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StorageModule.forRoot()] }).compile();
    // The exports object itself, which the module calls through (the namespace above is frozen).
    const binding: typeof root = require('stowage');
    const spy = jest.spyOn(binding, 'setLogger');
    await moduleRef.close();
    expect(spy).toHaveBeenCalledWith();
    spy.mockRestore();
  });
});

describe('StorageModule.forRootAsync', () => {
  it('builds the options with a factory and its injected dependencies', async () => {
    const dir = tempDir();
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ DATA_DIR: dir.path })] })],
          inject: [ConfigService],
          useFactory: async (config: ConfigService) => ({
            local: { root: config.get<string>('DATA_DIR') },
          }),
        }),
      ],
    }).compile();
    const storage = moduleRef.get(StorageService);

    expect(moduleRef.get(STORAGE_OPTIONS)).toEqual({ local: { root: dir.path } });
    await storage.ensureDirectory('sessions/u1/1700000000');
    expect(await storage.directoryExists('sessions/u1/1700000000')).toBe(true);
    expect(existsSync(join(dir.path, 'sessions', 'u1', '1700000000'))).toBe(true);
    await moduleRef.close();
    dir.remove();
  });

  it('can be global', async () => {
    @Injectable()
    class Segments {
      constructor(readonly storage: StorageService) {}
    }
    @Module({ providers: [Segments] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({ isGlobal: true, useFactory: () => ({ storageType: 'MEMORY' }) }),
        FeatureModule,
      ],
    }).compile();
    expect(moduleRef.get(Segments).storage.defaultType).toBe(StorageType.MEMORY);
    await moduleRef.close();
  });
});

describe('StorageService without a module', () => {
  it('falls back to process.env when no ConfigService is provided', async () => {
    const saved = process.env.STORAGE_TYPE;
    process.env.STORAGE_TYPE = 'MEMORY';
    try {
      const moduleRef = await Test.createTestingModule({ providers: [StorageService] }).compile();
      expect(moduleRef.get(StorageService).defaultType).toBe(StorageType.MEMORY);
    } finally {
      if (saved === undefined) delete process.env.STORAGE_TYPE;
      else process.env.STORAGE_TYPE = saved;
    }
  });

  it('rejects with coded errors, never swallowing them', async () => {
    const storage = new StorageService({ storageType: 'MEMORY' });
    await expect(storage.readFile('/missing.txt')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(storage.deleteFile('/missing.txt')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('S3StorageProvider and AzureBlobStorageProvider under Nest', () => {
  const settings: Record<string, string> = {
    STORAGE_TYPE: 'S3',
    AWS_S3_BUCKET: 'uploads-bucket',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'key',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AZURE_STORAGE_CONNECTION_STRING:
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;',
    AZURE_CONTAINER_NAME: 'uploads',
  };

  it('are injectable, configured through ConfigService, and used by StorageService as they are', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        StorageService,
        S3StorageProvider,
        AzureBlobStorageProvider,
        { provide: ConfigService, useValue: { get: (key: string) => settings[key] } },
      ],
    }).compile();
    const service = moduleRef.get(StorageService);
    const s3 = moduleRef.get(S3StorageProvider);

    expect(service.defaultType).toBe(StorageType.S3);
    expect(service.getProvider()).toBe(s3);
    expect(service.getProvider(StorageType.AZURE_BLOB)).toBe(moduleRef.get(AzureBlobStorageProvider));
    const spy = jest.spyOn(s3, 'fileExists').mockResolvedValue(true);
    await expect(service.fileExists('uploads/a.png')).resolves.toBe(true);
    expect(spy).toHaveBeenCalledWith('uploads/a.png');
  });

  it('every StorageType has an injectable class, its options token optional, that StorageService uses as it is', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        StorageService,
        LocalStorageProvider,
        MemoryStorageProvider,
        S3StorageProvider,
        AzureBlobStorageProvider,
        GcsStorageProvider,
        // LOCAL_STORAGE_OPTIONS is not provided: the token is optional.
        {
          provide: S3_STORAGE_OPTIONS,
          useValue: { bucket: 'token-bucket', region: 'eu-west-1', accessKeyId: 'key', secretAccessKey: 'secret', endpoint: 'http://127.0.0.1:9' },
        },
        {
          provide: AZURE_BLOB_STORAGE_OPTIONS,
          useValue: { connectionString: settings.AZURE_STORAGE_CONNECTION_STRING, container: 'token-container' },
        },
        { provide: GCS_STORAGE_OPTIONS, useValue: { bucket: 'token-gcs', endpoint: 'http://127.0.0.1:9' } },
      ],
    }).compile();
    const service = moduleRef.get(StorageService);
    const classes = {
      LOCAL: LocalStorageProvider,
      MEMORY: MemoryStorageProvider,
      S3: S3StorageProvider,
      AZURE_BLOB: AzureBlobStorageProvider,
      GCS: GcsStorageProvider,
    } satisfies Record<`${StorageType}`, unknown>;
    for (const type of Object.values(StorageType)) {
      expect(service.getProvider(type)).toBe(moduleRef.get<object>(classes[type]));
    }
    expect(moduleRef.get(S3StorageProvider).options.bucket).toBe('token-bucket');
    expect(moduleRef.get(AzureBlobStorageProvider).options.container).toBe('token-container');
    expect(moduleRef.get(GcsStorageProvider).options.bucket).toBe('token-gcs');
  });

  it('S3StorageProvider without a bucket fails naming AWS_S3_BUCKET', async () => {
    const saved = process.env.AWS_S3_BUCKET;
    delete process.env.AWS_S3_BUCKET;
    try {
      expect(() => new S3StorageProvider(undefined, { get: () => undefined })).toThrow(/AWS_S3_BUCKET/);
    } finally {
      if (saved !== undefined) process.env.AWS_S3_BUCKET = saved;
    }
  });

  it('a LOCAL-only app with StorageModule starts without any S3 or Azure variables', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storageType: 'LOCAL' })],
      providers: [{ provide: ConfigService, useValue: { get: () => undefined } }],
    }).compile();
    expect(moduleRef.get(StorageService).defaultType).toBe(StorageType.LOCAL);
    await moduleRef.close();
  });
});
