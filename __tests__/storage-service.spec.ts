/** The facade: provider choice by STORAGE_TYPE, identity of providers, forwarding through the JS objects. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageProvider, LogEvent, MemoryStorageProvider, setLogger, StorageService, StorageType } from '..';
import { sleep } from './conformance/harness';

const work = mkdtempSync(join(tmpdir(), 'stowage-service-'));
afterAll(() => {
  setLogger(null);
  rmSync(work, { recursive: true, force: true });
});

describe('StorageType', () => {
  it('is a runtime enum with SPEC names', () => {
    expect(StorageType.LOCAL).toBe('LOCAL');
    expect(StorageType.S3).toBe('S3');
    expect(StorageType.AZURE_BLOB).toBe('AZURE_BLOB');
    expect(StorageType.MEMORY).toBe('MEMORY');
  });
});

describe('StorageService', () => {
  it('defaults to LOCAL when STORAGE_TYPE is unset', () => {
    const service = new StorageService({ env: {} });
    expect(service.defaultType).toBe(StorageType.LOCAL);
    expect((service.getProvider() as LocalStorageProvider).type).toBe(StorageType.LOCAL);
  });

  it('reads STORAGE_TYPE from env, config, or the storageType option, in rising priority', () => {
    expect(new StorageService({ env: { STORAGE_TYPE: 'MEMORY' } }).defaultType).toBe('MEMORY');
    const config = { get: jest.fn((key: string) => (key === 'STORAGE_TYPE' ? 'MEMORY' : undefined)) };
    expect(new StorageService({ config, env: { STORAGE_TYPE: 'LOCAL' } }).defaultType).toBe('MEMORY');
    expect(config.get).toHaveBeenCalledWith('STORAGE_TYPE');
    expect(new StorageService({ storageType: StorageType.LOCAL, config }).defaultType).toBe('LOCAL');
  });

  it('warns naming an unknown STORAGE_TYPE and falls back to LOCAL', async () => {
    const events: LogEvent[] = [];
    setLogger((e) => events.push(e));
    const service = new StorageService({ env: { STORAGE_TYPE: 'DROPBOX' } });
    expect(service.defaultType).toBe('LOCAL');
    await sleep(20);
    expect(events).toContainEqual(
      expect.objectContaining({ level: 'warn', context: 'StorageService', message: expect.stringContaining('DROPBOX') }),
    );
    setLogger(null);
  });

  it('returns the same provider object every time', () => {
    const service = new StorageService({ env: {} });
    expect(service.getProvider()).toBe(service.getProvider(StorageType.LOCAL));
    expect(service.getProvider('MEMORY')).toBe(service.getProvider(StorageType.MEMORY));
    expect(service.getProvider('MEMORY')).not.toBe(service.getProvider('LOCAL'));
  });

  it('uses provider objects it is given', () => {
    const local = new LocalStorageProvider();
    const service = new StorageService({ providers: { LOCAL: local }, env: {} });
    expect(service.getProvider(StorageType.LOCAL)).toBe(local);
  });

  it('sends the ten operations to the JS object getProvider() returns, so spies see them', async () => {
    const service = new StorageService({ storageType: 'MEMORY' });
    const provider = service.getProvider();
    const ensure = jest.spyOn(provider, 'ensureDirectory').mockResolvedValue();
    await service.ensureDirectory('/test/path');
    expect(ensure).toHaveBeenCalledWith('/test/path');
    expect(await provider.directoryExists('/test/path')).toBe(false);

    const write = jest.spyOn(provider, 'writeFile');
    await service.writeFile('a/b.txt', 'hello');
    expect(write).toHaveBeenCalledWith('a/b.txt', 'hello');
    expect((await service.readFile('a/b.txt')).toString()).toBe('hello');

    const list = jest.spyOn(provider, 'listFiles');
    const filter = (n: string) => n.endsWith('.txt');
    expect(await service.listFiles('a', { filter })).toEqual(['b.txt']);
    expect(list).toHaveBeenCalledWith('a', { filter });
  });

  it('routes every operation to the default provider', async () => {
    const memory = new MemoryStorageProvider();
    const service = new StorageService({ storageType: 'MEMORY', providers: { MEMORY: memory } });
    await service.ensureDirectory('d');
    expect(await service.directoryExists('d')).toBe(true);
    await service.writeFile('d/f.txt', 'x');
    expect(await service.fileExists('d/f.txt')).toBe(true);
    expect(await memory.fileExists('d/f.txt')).toBe(true);
    expect((await service.getFileStats('d/f.txt')).size).toBe(1);
    expect(await service.listFiles('d')).toEqual(['f.txt']);
    expect(await service.deleteOldFiles('d', new Date(Date.now() + 1000))).toBe(1);
    await service.writeFile('d/g.txt', 'y');
    await service.deleteFile('d/g.txt');
    await service.deleteDirectory('d');
    expect(await memory.directoryExists('d')).toBe(false);
  });

  it('passes a provider method that throws straight through', () => {
    const service = new StorageService({ storageType: 'MEMORY' });
    jest.spyOn(service.getProvider(), 'readFile').mockImplementation(() => {
      throw new Error('sync failure');
    });
    expect(() => service.readFile('x')).toThrow('sync failure');
  });

  it('throws a coded error for an unknown type given to getProvider and a TypeError for a non-string', () => {
    const service = new StorageService({ env: {} });
    expect(() => service.getProvider('FTP' as StorageType)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => service.getProvider(42 as unknown as StorageType)).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });

  it('creates LOCAL with the configured root', async () => {
    const root = join(work, 'configured');
    const config = { get: (key: string) => (key === 'STORAGE_LOCAL_ROOT' ? root : null) };
    const service = new StorageService({ config, env: {} });
    expect((service.getProvider() as LocalStorageProvider).root).toBe(root);
    const local = new StorageService({ local: { root: join(work, 'option') }, config, env: {} });
    expect((local.getProvider() as LocalStorageProvider).root).toBe(join(work, 'option'));
  });

  it('does not need cloud configuration for a LOCAL-only app', () => {
    expect(() => new StorageService({ env: {} }).getProvider()).not.toThrow();
  });
});
