/**
 * transfer(): every file across any two providers, identical files skipped, failures reported,
 * progress throttled, AbortSignal honoured. The big round trip LOCAL → S3 → Azure → GCS → LOCAL
 * runs on moto, Azurite and fake-gcs-server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AzureBlobStorageProvider,
  GcsStorageProvider,
  LocalStorageProvider,
  MemoryStorageProvider,
  S3StorageProvider,
  StorageService,
  transfer,
  TransferProgress,
} from '../..';
import { azuriteOptions, describeWith, gcsOptions, motoOptions } from '../conformance/cloud';
import { codeOf, uniqueName } from '../conformance/harness';
import { digestTree, makeTree } from './tree';

const work = mkdtempSync(join(tmpdir(), 'stowage-transfer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('transfer between MEMORY and LOCAL', () => {
  it('copies a tree, then skips what is identical and recopies what changed', async () => {
    const memory = new MemoryStorageProvider();
    await memory.writeFile('/src/a.txt', 'a');
    await memory.writeFile('/src/x/y/b.txt', 'bb');
    await memory.writeFile('/src/x/c.txt', '');
    const local = new LocalStorageProvider();
    const dest = join(work, uniqueName('dest'));
    expect(await transfer(memory, '/src', local, dest)).toEqual({ copied: 3, skipped: 0, failed: [], bytes: 3 });
    expect((await local.readFile(join(dest, 'x/y/b.txt'))).toString()).toBe('bb');
    await local.writeFile(join(dest, 'x/y/b.txt'), 'bX'); // same size, other bytes
    expect(await transfer(memory, '/src', local, dest)).toMatchObject({ copied: 1, skipped: 2 });
    expect((await local.readFile(join(dest, 'x/y/b.txt'))).toString()).toBe('bb');
    expect(await transfer(memory, '/src', local, dest, { skipIdentical: false })).toMatchObject({ copied: 3, skipped: 0 });
  });

  it('reports a file it cannot write, and copies the rest', async () => {
    const memory = new MemoryStorageProvider();
    await memory.writeFile('/src/ok.txt', 'ok');
    await memory.writeFile('/src/blocked.txt', 'no');
    const target = new MemoryStorageProvider();
    await target.ensureDirectory('/dst/blocked.txt'); // a directory where the file should go
    const result = await transfer(memory, '/src', target, '/dst');
    expect(result).toMatchObject({ copied: 1, skipped: 0 });
    expect(result.failed).toEqual([expect.objectContaining({ path: 'blocked.txt', code: 'EISDIR' })]);
  });

  it('copies nothing on a dry run, and rejects for a missing source or a wrong provider', async () => {
    const memory = new MemoryStorageProvider();
    await memory.writeFile('/src/a.txt', 'abc');
    const target = new MemoryStorageProvider();
    await memory.writeFile('/src/sub/b.txt', 'b');
    await memory.writeFile('/src/same.txt', 'same');
    await target.writeFile('/dst/same.txt', 'same');
    expect(await transfer(memory, '/src', target, '/dst', { dryRun: true })).toEqual({
      copied: 2,
      skipped: 1,
      failed: [],
      bytes: 4,
      wouldCopy: ['a.txt', 'sub/b.txt'], // listed, sorted
    });
    expect(await target.fileExists('/dst/a.txt')).toBe(false);
    expect((await transfer(memory, '/src', target, '/dst')).wouldCopy).toBeUndefined();
    expect(await codeOf(() => transfer(memory, '/missing', target, '/dst'))).toBe('ENOENT');
    expect(await codeOf(() => transfer({} as MemoryStorageProvider, '/src', target, '/dst'))).toBe('ERR_INVALID_ARG_TYPE');
    await expect(transfer(memory, '/src', {} as MemoryStorageProvider, '/dst')).rejects.toMatchObject({
      name: 'TypeError',
      message:
        'The "to" argument must be a LocalStorageProvider, MemoryStorageProvider, S3StorageProvider, ' +
        'AzureBlobStorageProvider, GcsStorageProvider or StorageService',
    });
    expect(await codeOf(() => transfer(memory, '/src', target, '/dst', { concurrency: 0 }))).toBe('EINVAL');
  });

  it('accepts a StorageService as either side (its default provider)', async () => {
    const service = new StorageService({ storageType: 'MEMORY' });
    await service.writeFile('/s/a.txt', 'a');
    const target = new MemoryStorageProvider();
    expect(await transfer(service, '/s', target, '/d')).toMatchObject({ copied: 1 });
  });

  it('reports progress, the last call with the final counts before it resolves', async () => {
    const memory = new MemoryStorageProvider();
    for (let i = 0; i < 50; i += 1) await memory.writeFile(`/src/${i}.txt`, String(i));
    const calls: TransferProgress[] = [];
    const result = await transfer(memory, '/src', new MemoryStorageProvider(), '/dst', { onProgress: (p) => calls.push(p) });
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[calls.length - 1]).toEqual({ copied: 50, skipped: 0, failed: 0, bytes: result.bytes });
  });

  it('rejects with an AbortError when its signal aborts, and leaves no partial file', async () => {
    const local = new LocalStorageProvider();
    const src = join(work, uniqueName('src'));
    makeTree(src, 300);
    const controller = new AbortController();
    const dest = join(work, uniqueName('dst'));
    const pending = transfer(local, src, local, dest, { concurrency: 2, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(transfer(local, src, local, dest, { signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await local.cleanupTempFiles(dest, new Date(Date.now() + 60_000)).catch(() => 0)).toBe(0);
  });
});

type Cloud = LocalStorageProvider | S3StorageProvider | AzureBlobStorageProvider | GcsStorageProvider;

describeWith(motoOptions(), 'transfer LOCAL → S3 (moto) → Azure (Azurite) → GCS (fake-gcs-server) → LOCAL', (s3) => describeWith(azuriteOptions(), 'with Azurite', (azure) => describeWith(gcsOptions(), 'with fake-gcs-server', (gcs) => {
  it('carries 2,000 files across byte for byte, and a second pass copies nothing', async () => {
    const local = new LocalStorageProvider();
    const s3p = new S3StorageProvider(s3);
    const az = new AzureBlobStorageProvider(azure);
    const gs = new GcsStorageProvider(gcs);
    const src = join(work, uniqueName('tree'));
    const back = join(work, uniqueName('back'));
    const files = makeTree(src, 2000);
    const key = uniqueName('sync');
    const hops: Array<[Cloud, string, Cloud, string]> = [
      [local, src, s3p, key],
      [s3p, key, az, key],
      [az, key, gs, key],
      [gs, key, local, back],
    ];
    for (const [from, fromDir, to, toDir] of hops) {
      const result = await transfer(from, fromDir, to, toDir, { concurrency: 16 });
      expect(result).toMatchObject({ copied: files.length, skipped: 0, failed: [] });
    }
    expect(digestTree(back)).toEqual(digestTree(src));
    for (const [from, fromDir, to, toDir] of hops) {
      const again = await transfer(from, fromDir, to, toDir, { concurrency: 16 });
      expect(again).toEqual({ copied: 0, skipped: files.length, failed: [], bytes: 0 });
    }
  }, 600_000);
})));

describe('transfer carries metadata', () => {
  it('MEMORY → LOCAL → MEMORY keeps the content type, headers and user metadata', async () => {
    const memory = new MemoryStorageProvider();
    await memory.writeFile('/m/a.bin', 'a', { contentType: 'image/gif', cacheControl: 'no-store', metadata: { owner: 'ann' } });
    await memory.writeFile('/m/b.json', '{}');
    const local = new LocalStorageProvider();
    const dest = join(work, uniqueName('meta'));
    expect(await transfer(memory, '/m', local, dest)).toMatchObject({ copied: 2, failed: [] });
    expect(await local.getFileStats(join(dest, 'a.bin'))).toMatchObject({ contentType: 'image/gif', cacheControl: 'no-store', metadata: { owner: 'ann' } });
    expect(await local.getFileStats(join(dest, 'b.json'))).toMatchObject({ contentType: 'application/json' });
    const back = new MemoryStorageProvider();
    await transfer(local, dest, back, '/back');
    expect(await back.getFileStats('/back/a.bin')).toMatchObject({ contentType: 'image/gif', cacheControl: 'no-store', metadata: { owner: 'ann' } });
  });
});

describe('sync by recorded ETag', () => {
  it('a copy records its source ETag; sync skips by it, and still compares content when it changed', async () => {
    const from = new MemoryStorageProvider();
    const to = new MemoryStorageProvider();
    await from.writeFile('/s/a.txt', 'aaaa', { metadata: { keep: 'me' } });
    expect(await transfer(from, '/s', to, '/d')).toMatchObject({ copied: 1 });
    const source = await from.getFileStats('/s/a.txt');
    const copy = await to.getFileStats('/d/a.txt');
    expect(copy.metadata).toEqual({ keep: 'me', stowage_source_etag: source.etag });
    expect(await transfer(from, '/s', to, '/d')).toMatchObject({ copied: 0, skipped: 1 });
    await from.writeFile('/s/a.txt', 'aaaa', { metadata: { keep: 'me' } }); // new ETag, same bytes
    expect(await transfer(from, '/s', to, '/d')).toMatchObject({ copied: 0, skipped: 1 });
    await from.writeFile('/s/a.txt', 'bbbb'); // new ETag, other bytes of the same size
    expect(await transfer(from, '/s', to, '/d')).toMatchObject({ copied: 1, skipped: 0 });
    expect((await to.readFile('/d/a.txt')).toString()).toBe('bbbb');
    // Copied back, the record is not carried as the copy's own.
    await transfer(to, '/d', from, '/back');
    expect((await from.getFileStats('/back/a.txt')).metadata).toEqual({ stowage_source_etag: (await to.getFileStats('/d/a.txt')).etag });
  });
});

describeWith(motoOptions(), 'transfer metadata LOCAL → S3 → Azure → S3', (s3) => describeWith(azuriteOptions(), 'with Azurite', (azure) => {
  it('sets the type from the name, carries headers and metadata, and a second S3 → S3 pass skips by ETag', async () => {
    const local = new LocalStorageProvider();
    const s3p = new S3StorageProvider(s3);
    const az = new AzureBlobStorageProvider(azure);
    const src = join(work, uniqueName('typed'));
    await local.writeFile(join(src, 'page.html'), '<p>hi</p>');
    await local.writeFile(join(src, 'doc.bin'), 'x', { contentDisposition: 'inline', metadata: { tag: 'blue' } });
    const key = uniqueName('typed');
    await transfer(local, src, s3p, key);
    expect(await s3p.getFileStats(`${key}/page.html`)).toMatchObject({ contentType: 'text/html' });
    expect(await s3p.getFileStats(`${key}/doc.bin`)).toMatchObject({ contentType: 'application/octet-stream', contentDisposition: 'inline', metadata: { tag: 'blue' } });
    await transfer(s3p, key, az, key);
    expect(await az.getFileStats(`${key}/doc.bin`)).toMatchObject({ contentDisposition: 'inline', metadata: { tag: 'blue' } });
    expect(await az.getFileStats(`${key}/page.html`)).toMatchObject({ contentType: 'text/html' });
    const copy = `${key}-copy`;
    expect(await transfer(s3p, key, s3p, copy)).toMatchObject({ copied: 2 });
    expect(await transfer(s3p, key, s3p, copy)).toMatchObject({ copied: 0, skipped: 2 });
  });
}));
