/**
 * Aborting `transfer` into S3 leaves no pending multipart upload (issue 19, item 9). The signal
 * fires at several moments: while parts are uploading, and once every part is in flight and the
 * writers wait to complete their uploads (before the fix, the case that left all of them pending).
 */
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageProvider, S3StorageProvider, transfer } from '../..';
import { motoOptions } from '../conformance/cloud';
import { uniqueName } from '../conformance/harness';
import { table, writeSection } from '../reliability/report';

const moto = motoOptions();
const FILES = 4;
const DELAYS_MS = [300, 700, 1200];

(moto ? describe : describe.skip)('transfer into S3 (moto), aborted', () => {
  let src: string;
  beforeAll(() => {
    src = mkdtempSync(join(tmpdir(), 'stowage-abort-'));
    for (let i = 0; i < FILES; i += 1) writeFileSync(join(src, `big-${i}.bin`), randomBytes(30 * 1024 * 1024));
  });
  afterAll(() => rmSync(src, { recursive: true, force: true }));

  it('leaves no pending multipart upload, whenever the signal fires', async () => {
    const client = new S3Client({
      region: moto!.region,
      endpoint: moto!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: moto!.accessKeyId!, secretAccessKey: moto!.secretAccessKey! },
    });
    const pending = async (prefix: string) =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: moto!.bucket, Prefix: prefix }))).Uploads ?? [];
    const left: Record<number, number> = {};
    const finished: Record<number, boolean> = {};
    for (const delay of DELAYS_MS) {
      const dir = uniqueName('abort');
      const controller = new AbortController();
      const started = transfer(new LocalStorageProvider(), src, new S3StorageProvider(moto!), dir, { signal: controller.signal, concurrency: FILES });
      await new Promise((r) => setTimeout(r, delay));
      controller.abort();
      // On a quick machine the last delay can come after the transfer finished: nothing is then
      // pending either, which is what this test is about; otherwise it rejects as aborted.
      const outcome = await started.then(() => 'finished', (e: unknown) => e);
      if (outcome !== 'finished') expect(outcome).toMatchObject({ name: 'AbortError' });
      finished[delay] = outcome === 'finished';
      // Aborts are sent after the promise rejects: give them a few seconds.
      let uploads = await pending(dir);
      for (let i = 0; i < 50 && uploads.length > 0; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        uploads = await pending(dir);
      }
      left[delay] = uploads.length;
    }
    client.destroy();
    writeSection(
      'transfer-abort',
      36,
      'Aborting a transfer into S3: pending multipart uploads',
      `A \`transfer\` of ${FILES} files of 30 MiB from LOCAL into S3 (moto), aborted through its signal at
several moments; then the bucket's pending multipart uploads under the destination are listed
(__tests__/transfer/cloud-abort.spec.ts). Before the fix, a writer dropped while its upload was
being created, or while it waited for its parts to finish, left the upload pending (3 of 4 at
1,200 ms).

${table(
  ['abort after', 'files in flight', 'transfer', 'uploads still pending 5 s later'],
  DELAYS_MS.map((d) => [`${d} ms`, FILES, finished[d] ? 'had finished' : 'aborted', left[d]]),
)}`,
    );
    expect(left).toEqual(Object.fromEntries(DELAYS_MS.map((d) => [d, 0])));
  }, 90_000);
});
