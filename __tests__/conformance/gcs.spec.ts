/**
 * GCS on fake-gcs-server 1.54, through the test-only proxy for the XML-API writes the emulator does
 * not serve (scripts/gcs-upload-proxy.js; its own spec proves everything else passes through).
 * The emulator checks neither credentials nor signatures and does not page listings: those
 * behaviours are verified against the protocol documentation only (see the README). Metadata and
 * conditional writes run in full: the proxy's uploads carry the headers and preconditions.
 */
import { Storage } from '@google-cloud/storage';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GcsStorageProvider, StorageService, StorageType } from '../..';
import { describeWith, gcsOptions } from './cloud';
import { codeOf, uniqueName } from './harness';
import { extended } from './extended';
import { metadata } from './metadata';
import { confinement, conformance } from './suite';
import { streams } from './streams';

describeWith(gcsOptions(), 'GCS on fake-gcs-server', (options) => {
  const target = () => ({
    name: 'GCS',
    providerName: 'GCS',
    provider: new GcsStorageProvider(options),
    freshDir: () => uniqueName('gcs'),
  });
  conformance(target);
  confinement(target, true);
  extended(target);
  metadata(target, { listsEtags: true });
  // fake-gcs-server does not verify signatures: the tampered-URL case cannot fail there.
  streams(target, { signs: true, verifiesSignatures: false });

  it('signs V4 URLs with the service account: GOOG4-RSA-SHA256, its email, the expiry and the host header', async () => {
    const provider = new GcsStorageProvider(options);
    const url = new URL(await provider.getSignedUrl(`${uniqueName('sig')}/f.txt`, { expiresIn: 120, method: 'PUT' }));
    expect(url.origin).toBe(new URL(options.endpoint!).origin);
    expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(url.searchParams.get('X-Goog-Credential')).toMatch(/^stowage-test@stowage-test\.iam\.gserviceaccount\.com\/\d{8}\/auto\/storage\/goog4_request$/);
    expect(url.searchParams.get('X-Goog-Expires')).toBe('120');
    expect(url.searchParams.get('X-Goog-SignedHeaders')).toBe('host');
    // A 2048-bit RSA signature, hex.
    expect(url.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{512}$/);
  });

  it('without credentials an emulator is used anonymously; a signed URL then rejects with a code', async () => {
    const anonymous = new GcsStorageProvider({ ...options, credentials: undefined, retry: { maxRetries: 0 } });
    await anonymous.writeFile(uniqueName('anon'), 'anonymous writes work on the emulator');
    const err = await anonymous.getSignedUrl('f.txt').catch((e) => e);
    expect(typeof err.code).toBe('string');
    expect(err.code).not.toBe('OK');
  });

  it('writes above the multipart threshold go up in parts and read back byte for byte', async () => {
    const MiB = 1024 * 1024;
    const provider = new GcsStorageProvider({ ...options, multipart: { threshold: 6 * MiB, partSize: 5 * MiB } });
    const dir = uniqueName('gcs-mp');
    const data = randomBytes(11 * MiB + 7);
    await provider.writeFile(`${dir}/whole.bin`, data);
    expect(Buffer.compare(await provider.readFile(`${dir}/whole.bin`), data)).toBe(0);
    const w = provider.createWriteStream(`${dir}/streamed.bin`);
    for (let at = 0; at < data.length; at += MiB) await new Promise((resolve) => w.write(data.subarray(at, at + MiB), resolve));
    await new Promise((resolve, reject) => w.end((e?: Error | null) => (e ? reject(e) : resolve(undefined))));
    expect(Buffer.compare(await provider.readFile(`${dir}/streamed.bin`), data)).toBe(0);
    expect(await provider.checksum(`${dir}/streamed.bin`, 'md5')).toBe(createHash('md5').update(data).digest('hex'));
  });

  describe('interop with @google-cloud/storage 7 on the same emulator', () => {
    // The SDK talks the JSON API straight to the emulator, not through the proxy.
    const sdk = new Storage({ apiEndpoint: process.env.STOWAGE_TEST_GCS_EMULATOR, projectId: 'stowage-test' });
    const bucket = sdk.bucket(options.bucket!);

    it('reads what the SDK wrote, byte for byte, with its size and listing', async () => {
      const dir = uniqueName('sdk-w');
      const data = randomBytes(200_000);
      await bucket.file(`${dir}/sub/a.bin`).save(data, { resumable: false });
      await bucket.file(`${dir}/b.txt`).save('from the SDK', { resumable: false });
      const provider = new GcsStorageProvider(options);
      expect(Buffer.compare(await provider.readFile(`${dir}/sub/a.bin`), data)).toBe(0);
      expect((await provider.getFileStats(`${dir}/sub/a.bin`)).size).toBe(200_000);
      expect(await provider.listFiles(dir)).toEqual(['b.txt', 'sub']);
      expect(await provider.directoryExists(`${dir}/sub`)).toBe(true);
      expect((await provider.readFile(`${dir}/b.txt`)).toString()).toBe('from the SDK');
    });

    it('the SDK reads what Stowage wrote, byte for byte, and sees its directory markers as objects', async () => {
      const dir = uniqueName('sdk-r');
      const data = randomBytes(300_000);
      const provider = new GcsStorageProvider(options);
      await provider.writeFile(`${dir}/x/y.bin`, data);
      await provider.ensureDirectory(`${dir}/empty`);
      await provider.copyFile(`${dir}/x/y.bin`, `${dir}/copy.bin`);
      const [got] = await bucket.file(`${dir}/x/y.bin`).download();
      expect(Buffer.compare(got, data)).toBe(0);
      const [copied] = await bucket.file(`${dir}/copy.bin`).download();
      expect(Buffer.compare(copied, data)).toBe(0);
      const [files] = await bucket.getFiles({ prefix: `${dir}/` });
      expect(files.map((f) => f.name).sort()).toEqual([`${dir}/`, `${dir}/copy.bin`, `${dir}/empty/`, `${dir}/x/y.bin`]);
      await provider.deleteDirectory(dir, { recursive: true });
      const [left] = await bucket.getFiles({ prefix: `${dir}/` });
      expect(left).toEqual([]);
    });
  });
});

describe('GCS configuration (no server needed)', () => {
  const options = { bucket: 'b', endpoint: 'http://127.0.0.1:9' };
  it('names the missing variable when no bucket is configured', () => {
    expect(() => new GcsStorageProvider({ ...options, bucket: '' })).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('GCS_BUCKET') }),
    );
  });

  it('names GOOGLE_APPLICATION_CREDENTIALS and the file when the key file cannot be read', () => {
    expect(() => new GcsStorageProvider({ ...options, credentials: '/nonexistent/key.json' })).toThrow(
      expect.objectContaining({
        code: 'EINVAL',
        message: expect.stringMatching(/GOOGLE_APPLICATION_CREDENTIALS.*\/nonexistent\/key\.json/),
      }),
    );
  });

  it('a broken key never shows in the error', () => {
    const secret = 'not-a-key-' + randomBytes(16).toString('hex');
    const json = JSON.stringify({ type: 'service_account', private_key: secret, private_key_id: 'k', client_email: 'e@x' });
    let message = '';
    try {
      new GcsStorageProvider({ ...options, credentials: json });
    } catch (e) {
      message = `${(e as Error).message} ${JSON.stringify(e)}`;
      expect(e).toMatchObject({ code: 'EINVAL' });
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(secret);
  });

  it('StorageService.getProvider(GCS) without GCS_BUCKET names it', async () => {
    const service = new StorageService({ env: {} });
    expect(await codeOf(async () => service.getProvider(StorageType.GCS))).toBe('EINVAL');
    expect(() => service.getProvider(StorageType.GCS)).toThrow(expect.objectContaining({ message: expect.stringContaining('GCS_BUCKET') }));
  });
});

describeWith(gcsOptions(), 'GCS configuration', (options) => {
  it('takes the key as inline JSON as well as a path', async () => {
    const json = readFileSync(options.credentials!, 'utf8');
    const provider = new GcsStorageProvider({ ...options, credentials: json });
    const path = `${uniqueName('inline')}/f.txt`;
    await provider.writeFile(path, 'inline');
    expect(new URL(await provider.getSignedUrl(path)).searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]+$/);
  });

  // GCS answers 404 NoSuchBucket, which becomes EINVAL naming GCS_BUCKET as on S3; fake-gcs-server
  // answers 500 "no bucket named …" instead (retried, then EIO). Either way the message names it.
  it('names a bucket that does not exist', async () => {
    const provider = new GcsStorageProvider({ ...options, bucket: 'no-such-bucket-' + process.pid, retry: { maxRetries: 0 } });
    const err = await provider.readFile('x').catch((e) => e);
    expect(err).toMatchObject({ code: 'EIO', provider: 'GCS' });
    expect(err.message).toContain('no-such-bucket-');
  });

  it('StorageService.getProvider(GCS) reads GCS_BUCKET, GOOGLE_APPLICATION_CREDENTIALS and GCS_ENDPOINT_URL', async () => {
    const env = {
      STORAGE_TYPE: 'GCS',
      GCS_BUCKET: options.bucket,
      GOOGLE_APPLICATION_CREDENTIALS: options.credentials ?? undefined,
      GCS_ENDPOINT_URL: options.endpoint ?? undefined,
    };
    const service = new StorageService({ env });
    expect(service.defaultType).toBe(StorageType.GCS);
    const provider = service.getProvider(StorageType.GCS);
    expect(provider).toBeInstanceOf(GcsStorageProvider);
    expect(service.getProvider()).toBe(provider);
    const path = `${uniqueName('svc')}/f.txt`;
    await service.writeFile(path, 'through the service');
    expect((await provider.readFile(path)).toString()).toBe('through the service');
  });

  it('takes STORAGE_EMULATOR_HOST as host:port when GCS_ENDPOINT_URL is unset', async () => {
    const env = {
      GCS_BUCKET: options.bucket,
      GOOGLE_APPLICATION_CREDENTIALS: options.credentials ?? undefined,
      STORAGE_EMULATOR_HOST: new URL(options.endpoint!).host,
    };
    const provider = new StorageService({ env }).getProvider(StorageType.GCS);
    const path = `${uniqueName('emu')}/f.txt`;
    await provider.writeFile(path, 'emulator host');
    expect((await new GcsStorageProvider(options).readFile(path)).toString()).toBe('emulator host');
  });
});
