// The spec a backend already has for its own StorageService, with only the import lines changed
// to 'stowage/nest' (ConfigService stays imported from '@nestjs/config').
import { Test, TestingModule } from '@nestjs/testing';
import { ConfigService } from '@nestjs/config';
import { StorageService, LocalStorageProvider, StorageType } from 'stowage/nest';

describe('StorageService', () => {
  let service: StorageService;
  let localProvider: LocalStorageProvider;

  beforeEach(async () => {
    const module: TestingModule = await Test.createTestingModule({
      providers: [
        StorageService,
        LocalStorageProvider,
        {
          provide: ConfigService,
          useValue: {
            get: jest.fn((key: string) => {
              if (key === 'STORAGE_TYPE') return 'LOCAL';
              return null;
            }),
          },
        },
      ],
    }).compile();

    service = module.get<StorageService>(StorageService);
    localProvider = module.get<LocalStorageProvider>(LocalStorageProvider);
  });

  it('should be defined', () => {
    expect(service).toBeDefined();
  });

  it('should return local provider by default', () => {
    const provider = service.getProvider(StorageType.LOCAL);
    expect(provider).toBe(localProvider);
  });

  it('should delegate ensureDirectory to provider', async () => {
    const spy = jest.spyOn(localProvider, 'ensureDirectory').mockResolvedValue();
    await service.ensureDirectory('/test/path');
    expect(spy).toHaveBeenCalledWith('/test/path');
  });
});

describe('LocalStorageProvider', () => {
  it('should be constructible without arguments', () => {
    expect(() => new LocalStorageProvider()).not.toThrow();
  });

  it('deleteOldFiles on a missing directory resolves 0', async () => {
    const provider = new LocalStorageProvider();
    await expect(provider.deleteOldFiles('/nonexistent', new Date())).resolves.toBe(0);
  });
});
