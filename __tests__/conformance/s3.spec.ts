import { S3StorageProvider } from '../..';
import { describeWith, motoOptions, strictS3Options } from './cloud';
import { codeOf, uniqueName } from './harness';
import { confinement, conformance } from './suite';

describeWith(motoOptions(), 'S3 on moto', (options) => {
  const target = () => ({ name: 'S3', providerName: 'S3', provider: new S3StorageProvider(options), freshDir: () => uniqueName('s3') });
  conformance(target);
  confinement(target, true);
});

describeWith(strictS3Options(), 'S3 on s3s-fs (checks signatures)', (options) => {
  const target = () => ({ name: 'S3 strict', providerName: 'S3', provider: new S3StorageProvider(options), freshDir: () => uniqueName('s3s') });
  conformance(target);

  it('refuses a wrong secret with EACCES, and no message carries the secret', async () => {
    const secret = 'wrong-secret-' + uniqueName();
    const provider = new S3StorageProvider({ ...options, secretAccessKey: secret });
    const err = await provider.writeFile(uniqueName('denied'), 'x').catch((e) => e);
    expect(err).toMatchObject({ code: 'EACCES', provider: 'S3' });
    expect(String(err.message)).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect(await codeOf(() => provider.readFile('anything'))).toBe('EACCES');
  });
});
