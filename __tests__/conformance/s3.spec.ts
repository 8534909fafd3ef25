import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { S3StorageProvider } from '../..';
import { describeWith, motoOptions, strictS3Options } from './cloud';
import { codeOf, sleep, uniqueName } from './harness';
import { extended } from './extended';
import { metadata, signedUrlHeaders } from './metadata';
import { confinement, conformance } from './suite';
import { streams } from './streams';

describeWith(motoOptions(), 'S3 on moto', (options) => {
  const target = () => ({ name: 'S3', providerName: 'S3', provider: new S3StorageProvider(options), freshDir: () => uniqueName('s3') });
  conformance(target);
  confinement(target, true);
  extended(target);
  metadata(target, { listsEtags: true });
  signedUrlHeaders(target, { verifies: false });
  streams(target, { signs: true });

  it('aborts the multipart upload of a write stream destroyed mid-way: no pending upload is left', async () => {
    const client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: options.accessKeyId!, secretAccessKey: options.secretAccessKey! },
    });
    const pending = async (prefix: string) =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: options.bucket, Prefix: prefix }))).Uploads ?? [];
    const dir = uniqueName('s3mp');
    const provider = new S3StorageProvider(options);
    const w = provider.createWriteStream(`${dir}/big.bin`);
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => w.write(randomBytes(1024 * 1024), resolve));
    expect(await pending(dir)).toHaveLength(1); // past one part (8 MiB): a multipart upload is open
    w.on('error', () => undefined);
    w.destroy(new Error('stop'));
    await new Promise((resolve) => (w.closed ? resolve(undefined) : w.on('close', resolve)));
    expect(await pending(dir)).toEqual([]);
    expect(await provider.fileExists(`${dir}/big.bin`)).toBe(false);
    client.destroy();
  });
});

/**
 * s3s-fs stores keys as files on disk, so it cannot hold directory markers (`dir/` becomes a bare
 * directory that answers HEAD without an ETag) nor a key and a "directory" of the same name. The
 * strict endpoint is here for SigV4 signature checking, so it runs the operations on flat keys
 * (each test under its own key prefix); moto runs the whole suite above.
 */
describeWith(strictS3Options(), 'S3 on s3s-fs (checks signatures), flat keys', (options) => {
  let provider: S3StorageProvider;
  const dir = '/';
  beforeEach(() => {
    provider = new S3StorageProvider({ ...options, prefix: uniqueName('s3s') });
  });
  signedUrlHeaders(
    () => ({ name: 'S3 strict', providerName: 'S3', provider: new S3StorageProvider({ ...options, prefix: uniqueName('s3s') }), freshDir: () => uniqueName('sig') }),
    { verifies: true },
  );

  it('writes, reads, stats, lists, filters and deletes files', async () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    await provider.writeFile(`b.bin`, data);
    await provider.writeFile(`a.txt`, 'héllo ✓');
    expect(Buffer.compare(await provider.readFile(`b.bin`), data)).toBe(0);
    expect((await provider.readFile(`/a.txt`)).toString()).toBe('héllo ✓');
    expect((await provider.getFileStats(`b.bin`)).size).toBe(300);
    expect(await provider.fileExists(`a.txt`)).toBe(true);
    expect(await provider.listFiles(dir)).toEqual(["a.txt", "b.bin"]);
    expect(await provider.listFiles(dir, { filter: (n) => n.endsWith('.txt') })).toEqual(['a.txt']);
    await provider.writeFile(`a.txt`, 'replaced');
    expect((await provider.readFile(`a.txt`)).toString()).toBe('replaced');
    await provider.deleteFile(`a.txt`);
    expect(await provider.fileExists(`a.txt`)).toBe(false);
    expect(await codeOf(() => provider.deleteFile(`a.txt`))).toBe('ENOENT');
    expect(await codeOf(() => provider.readFile(`missing`))).toBe('ENOENT');
    expect(await codeOf(() => provider.getFileStats(`missing`))).toBe('ENOENT');
    await provider.deleteFile('b.bin');
    expect(await provider.listFiles(dir)).toEqual([]);
    expect(await provider.deleteOldFiles(dir, new Date())).toBe(0);
  });

  it('deletes old files by the listing times', async () => {
    await provider.writeFile(`old-1`, '1');
    await provider.writeFile(`old-2`, '2');
    await sleep(1100);
    const cutoff = new Date();
    await sleep(1100);
    await provider.writeFile(`new`, 'n');
    expect(await provider.deleteOldFiles(dir, cutoff)).toBe(2);
    expect(await provider.listFiles(dir)).toEqual(['new']);
  });

  it('signs URLs that fetch() can GET and PUT, and that break when tampered with', async () => {
    await provider.writeFile('f.txt', 'signed bytes');
    const get = await provider.getSignedUrl('f.txt', { expiresIn: 60 });
    expect(await (await fetch(get)).text()).toBe('signed bytes');
    expect((await fetch(get.replace('f.txt', 'g.txt'))).status).toBe(403);
    expect((await fetch(get, { method: 'PUT', body: 'no' })).ok).toBe(false);
    const put = await provider.getSignedUrl('up.txt', { expiresIn: 60, method: 'PUT' });
    expect((await fetch(put, { method: 'PUT', body: 'uploaded' })).ok).toBe(true);
    expect((await provider.readFile('up.txt')).toString()).toBe('uploaded');
  });

  it.each(['a b.txt', 'é ü ✓.txt', '100%.txt', 'x#y.txt', 'what?.txt'])(
    'signs a name that needs percent-encoding (%p): fetch() can GET and PUT it',
    async (name) => {
      await provider.writeFile(name, 'signed bytes');
      const get = await provider.getSignedUrl(name, { expiresIn: 60 });
      expect(await (await fetch(get)).text()).toBe('signed bytes');
      const put = await provider.getSignedUrl(`up ${name}`, { expiresIn: 60, method: 'PUT' });
      expect((await fetch(put, { method: 'PUT', body: 'uploaded' })).status).toBeLessThan(300);
      expect((await provider.readFile(`up ${name}`)).toString()).toBe('uploaded');
    },
  );

  it('refuses a wrong secret with EACCES, and no message carries the secret', async () => {
    const secret = 'wrong-secret-' + uniqueName();
    const denied = new S3StorageProvider({ ...options, secretAccessKey: secret });
    const err = await denied.writeFile(uniqueName('denied'), 'x').catch((e) => e);
    expect(err).toMatchObject({ code: 'EACCES', provider: 'S3', retryable: false });
    expect(String(err.message)).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect(await codeOf(() => denied.readFile('anything'))).toBe('EACCES');
    expect(await codeOf(() => denied.listFiles('anything'))).toBe('EACCES');
  });
});

describeWith(motoOptions(), 'S3 configuration', (options) => {
  it('names the missing variable when no bucket is configured', () => {
    expect(() => new S3StorageProvider({ ...options, bucket: '' })).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('AWS_S3_BUCKET') }));
  });
  it('names a bucket that does not exist', async () => {
    const provider = new S3StorageProvider({ ...options, bucket: 'no-such-bucket-' + process.pid });
    const err = await provider.readFile('x').catch((e) => e);
    expect(err).toMatchObject({ code: 'EINVAL' });
    expect(err.message).toContain('no-such-bucket-');
  });
});
