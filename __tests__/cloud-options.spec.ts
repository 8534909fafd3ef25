/**
 * The numeric options of the S3 and Azure providers: whole numbers from 0 to 4,294,967,295, or an
 * EINVAL naming the option (napi alone would wrap -1 to 4,294,967,295 and drop fractions). A
 * constructor sends no request, so no server is needed.
 */
import { AzureBlobStorageProvider, S3StorageProvider } from '..';

const make = {
  S3: (o: object) => new S3StorageProvider({ bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:1', accessKeyId: 'k', secretAccessKey: 's', ...o }),
  AZURE_BLOB: (o: object) =>
    new AzureBlobStorageProvider({ account: 'devstoreaccount1', accessKey: Buffer.from('key').toString('base64'), container: 'c', endpoint: 'http://127.0.0.1:1/devstoreaccount1', ...o }),
};

const BAD: Array<[string, object]> = [
  ['writeCheckCacheMs', { writeCheckCacheMs: -1 }],
  ['writeCheckCacheMs', { writeCheckCacheMs: 1.5 }],
  ['writeCheckCacheMs', { writeCheckCacheMs: NaN }],
  ['writeCheckCacheMs', { writeCheckCacheMs: Infinity }],
  ['writeCheckCacheMs', { writeCheckCacheMs: 2 ** 32 }],
  ['retry.maxRetries', { retry: { maxRetries: -1 } }],
  ['retry.retryTimeoutMs', { retry: { retryTimeoutMs: 0.5 } }],
  ['retry.connectTimeoutMs', { retry: { connectTimeoutMs: -5 } }],
  ['retry.requestTimeoutMs', { retry: { requestTimeoutMs: 1e12 } }],
  ['multipart.threshold', { multipart: { threshold: -1 } }],
  ['multipart.partSize', { multipart: { partSize: 2.5 } }],
  ['multipart.maxConcurrency', { multipart: { maxConcurrency: -2 } }],
  ['multipart.completeTimeoutMs', { multipart: { completeTimeoutMs: 0.5 } }],
];

describe.each(Object.entries(make))('%s provider options', (_, create) => {
  it.each(BAD)('%s: %j is EINVAL naming the option', (name, options) => {
    expect(() => create(options)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining(name) }));
  });

  it('takes whole numbers, zero and the largest included', () => {
    const max = 2 ** 32 - 1;
    expect(() => create({ writeCheckCacheMs: 0, retry: { maxRetries: 0, retryTimeoutMs: max }, multipart: { threshold: max, partSize: 5 * 2 ** 20, maxConcurrency: 1 } })).not.toThrow();
    expect(create({ writeCheckCacheMs: 2000 })).toBeDefined();
  });
});
