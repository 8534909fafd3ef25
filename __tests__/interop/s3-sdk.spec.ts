/** What Stowage writes, the official AWS SDK reads under the same key with the same bytes, and back. */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { S3StorageProvider } from '../..';
import { describeWith, motoOptions, strictS3Options } from '../conformance/cloud';
import { uniqueName } from '../conformance/harness';

const NAMES = ['plain.bin', 'with space.bin', 'plus+sign.bin', 'ünïcødé-日本.bin', 'percent%20literal.bin', 'deep/er/key.bin'];

for (const [label, options] of [['moto', motoOptions()], ['s3s-fs', strictS3Options()]] as const) {
  describeWith(options, `S3 interop with @aws-sdk/client-s3 (${label})`, (o) => {
    const sdk = new S3Client({
      region: o.region,
      endpoint: o.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: o.accessKeyId!, secretAccessKey: o.secretAccessKey! },
    });
    const provider = new S3StorageProvider(o);
    afterAll(() => sdk.destroy());

    it.each(NAMES)('Stowage writes, the SDK reads: %s', async (name) => {
      const key = `${uniqueName('interop')}/${name}`;
      const data = randomBytes(1000);
      await provider.writeFile(key, data);
      const got = await sdk.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
      expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), data)).toBe(0);
    });

    it.each(NAMES)('the SDK writes, Stowage reads and lists: %s', async (name) => {
      const dir = uniqueName('interop');
      const key = `${dir}/${name}`;
      const data = randomBytes(1000);
      await sdk.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: data }));
      expect(Buffer.compare(await provider.readFile(key), data)).toBe(0);
      expect(await provider.fileExists(`/${key}`)).toBe(true);
      expect(await provider.listFiles(dir)).toEqual([name.split('/')[0]]);
    });

    it('Stowage writes headers and metadata, HeadObject sees them; the SDK writes them, getFileStats sees them', async () => {
      const key = `${uniqueName('interop-meta')}/photo.jpg`;
      await provider.writeFile(key, 'jpeg', {
        cacheControl: 'max-age=30',
        contentDisposition: 'inline; filename="p.jpg"',
        contentLanguage: 'de',
        metadata: { Owner: 'ann' },
      });
      const head = await sdk.send(new HeadObjectCommand({ Bucket: o.bucket, Key: key }));
      expect(head).toMatchObject({
        ContentType: 'image/jpeg',
        CacheControl: 'max-age=30',
        ContentDisposition: 'inline; filename="p.jpg"',
        ContentLanguage: 'de',
        Metadata: { owner: 'ann' },
      });
      expect((await provider.getFileStats(key)).etag).toBe(head.ETag);

      const theirs = `${uniqueName('interop-meta')}/data`;
      await sdk.send(new PutObjectCommand({
        Bucket: o.bucket, Key: theirs, Body: 'x', ContentType: 'text/csv', CacheControl: 'no-cache', Metadata: { source: 'sdk' },
      }));
      const stats = await provider.getFileStats(theirs);
      expect(stats).toMatchObject({ contentType: 'text/csv', cacheControl: 'no-cache', metadata: { source: 'sdk' } });
    });
  });
}

// s3s-fs keeps keys as files, so a key and a directory of the same name cannot both be there.
describeWith(motoOptions(), 'S3 write checks and another client (moto)', (o) => {
  const sdk = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: o.accessKeyId!, secretAccessKey: o.secretAccessKey! },
  });
  afterAll(() => sdk.destroy());

  /** Two writes into `dir` (the second reads its listing), then the SDK makes `dir/theirs/x`. */
  async function theirDirectoryAfterTwoWrites(provider: S3StorageProvider, dir: string) {
    await provider.writeFile(`${dir}/a`, 'a');
    await provider.writeFile(`${dir}/b`, 'b');
    await sdk.send(new PutObjectCommand({ Bucket: o.bucket, Key: `${dir}/theirs/x`, Body: 'x' }));
  }

  it('within writeCheckCacheMs, a directory another client just made can be missed', async () => {
    const dir = uniqueName('window');
    const provider = new S3StorageProvider({ ...o, writeCheckCacheMs: 600_000 });
    await theirDirectoryAfterTwoWrites(provider, dir);
    await provider.writeFile(`${dir}/theirs`, 'file');
    expect((await provider.readFile(`${dir}/theirs`)).toString()).toBe('file');
  });

  it('with writeCheckCacheMs: 0, every write asks the store', async () => {
    const dir = uniqueName('window');
    const provider = new S3StorageProvider({ ...o, writeCheckCacheMs: 0 });
    await theirDirectoryAfterTwoWrites(provider, dir);
    await expect(provider.writeFile(`${dir}/theirs`, 'file')).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
