import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { StorageModule, StorageService } from 'stowage/nest';
import { logsSettle, recordingLogger } from './helpers';

describe('Rust log events reach Nest’s Logger with the context StorageService', () => {
  it('warns about an unknown STORAGE_TYPE, naming the value, and falls back to LOCAL', async () => {
    const logger = recordingLogger();
    const moduleRef = await Test.createTestingModule({
      providers: [
        StorageService,
        { provide: ConfigService, useValue: { get: (key: string) => (key === 'STORAGE_TYPE' ? 'FLOPPY' : undefined) } },
      ],
    })
      .setLogger(logger)
      .compile();
    await logsSettle();

    expect(moduleRef.get(StorageService).defaultType).toBe('LOCAL');
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: expect.stringContaining('FLOPPY'),
      context: 'StorageService',
    });
    await moduleRef.close();
  });

  it('logs routine success at debug and failures at error', async () => {
    const logger = recordingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storageType: 'MEMORY' })],
    })
      .setLogger(logger)
      .compile();
    const storage = moduleRef.get(StorageService);

    await storage.ensureDirectory('/replay/u1/1700000000');
    await storage.writeFile('/replay/blocker', 'x');
    await expect(storage.ensureDirectory('/replay/blocker/sub')).rejects.toMatchObject({
      code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/),
    });
    await logsSettle();

    const mine = logger.lines.filter((line) => line.context === 'StorageService');
    expect(mine).toContainEqual({
      level: 'debug',
      message: expect.stringContaining('/replay/u1/1700000000'),
      context: 'StorageService',
    });
    expect(mine).toContainEqual({
      level: 'error',
      message: expect.stringContaining('/replay/blocker/sub'),
      context: 'StorageService',
    });
    await moduleRef.close();
  });
});
