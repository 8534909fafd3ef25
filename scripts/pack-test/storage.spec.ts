// Runs in a fresh Nest project where stowage was installed from its `npm pack` tarball.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { StorageModule, StorageService, StorageType } from 'stowage/nest';

@Injectable()
class Reports {
  constructor(readonly storage: StorageService) {}
}

describe('stowage installed from its tarball', () => {
  const root = mkdtempSync(join(tmpdir(), 'stowage-pack-data-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is the installed copy, not the repository', () => {
    expect(require.resolve('stowage/nest')).toContain(join('node_modules', 'stowage', 'dist', 'nest'));
    expect(require.resolve('stowage')).toContain(join('node_modules', 'stowage', 'main.js'));
  });

  it('injects StorageService, which writes, reads and lists a file', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ STORAGE_LOCAL_ROOT: root })] }),
        StorageModule.forRoot(),
      ],
      providers: [Reports],
    }).compile();
    const { storage } = moduleRef.get(Reports);

    expect(storage.defaultType).toBe(StorageType.LOCAL);
    await storage.writeFile('reports/2024/summary.txt', 'all good');
    expect((await storage.readFile('reports/2024/summary.txt')).toString()).toBe('all good');
    expect(await storage.listFiles('reports/2024')).toEqual(['summary.txt']);
    expect(existsSync(join(root, 'reports/2024/summary.txt'))).toBe(true);
    await moduleRef.close();
  });
});
