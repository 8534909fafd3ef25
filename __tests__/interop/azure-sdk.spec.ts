/** What Stowage writes, the official Azure SDK reads under the same name with the same bytes, and back. */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { AzureBlobStorageProvider } from '../..';
import { azuriteOptions, describeWith } from '../conformance/cloud';
import { uniqueName } from '../conformance/harness';

const NAMES = ['plain.bin', 'with space.bin', 'plus+sign.bin', 'ünïcødé-日本.bin', 'percent%20literal.bin', 'deep/er/key.bin'];

describeWith(azuriteOptions(), 'Azure interop with @azure/storage-blob', (o) => {
  const container = BlobServiceClient.fromConnectionString(o.connectionString!).getContainerClient(o.container!);
  const provider = new AzureBlobStorageProvider(o);

  it.each(NAMES)('Stowage writes, the SDK reads: %s', async (name) => {
    const blob = `${uniqueName('interop')}/${name}`;
    const data = randomBytes(1000);
    await provider.writeFile(blob, data);
    const got = await container.getBlockBlobClient(blob).downloadToBuffer();
    expect(Buffer.compare(got, data)).toBe(0);
  });

  it.each(NAMES)('the SDK writes, Stowage reads and lists: %s', async (name) => {
    const dir = uniqueName('interop');
    const blob = `${dir}/${name}`;
    const data = randomBytes(1000);
    await container.getBlockBlobClient(blob).uploadData(data);
    expect(Buffer.compare(await provider.readFile(blob), data)).toBe(0);
    expect(await provider.fileExists(blob)).toBe(true);
    expect(await provider.listFiles(dir)).toEqual([name.split('/')[0]]);
  });

  it('Stowage writes headers and metadata, getProperties sees them; the SDK sets them, getFileStats sees them', async () => {
    const blob = `${uniqueName('interop-meta')}/photo.jpg`;
    await provider.writeFile(blob, 'jpeg', {
      cacheControl: 'max-age=30',
      contentDisposition: 'inline; filename="p.jpg"',
      contentEncoding: 'identity',
      contentLanguage: 'de',
      metadata: { Owner: 'ann' },
    });
    const props = await container.getBlockBlobClient(blob).getProperties();
    expect(props).toMatchObject({
      contentType: 'image/jpeg',
      cacheControl: 'max-age=30',
      contentDisposition: 'inline; filename="p.jpg"',
      contentEncoding: 'identity',
      contentLanguage: 'de',
      metadata: { owner: 'ann' },
    });
    expect((await provider.getFileStats(blob)).etag).toBe(props.etag);

    const theirs = `${uniqueName('interop-meta')}/data`;
    await container.getBlockBlobClient(theirs).uploadData(Buffer.from('x'), {
      blobHTTPHeaders: { blobContentType: 'text/csv', blobCacheControl: 'no-cache' },
      metadata: { source: 'sdk' },
    });
    expect(await provider.getFileStats(theirs)).toMatchObject({ contentType: 'text/csv', cacheControl: 'no-cache', metadata: { source: 'sdk' } });
  });
});
