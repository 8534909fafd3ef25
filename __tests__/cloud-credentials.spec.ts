/**
 * Cloud credentials (issue 19, item 9): missing credentials fail fast naming the variables (never a
 * fall-through to the cloud metadata address 169.254.169.254, which hangs off the cloud); an
 * endpoint's `user:password@` never reaches a message, a log event or a signed URL; the Azure
 * portal's SAS connection string (BlobEndpoint + SharedAccessSignature, no AccountName) works.
 */
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AzureBlobStorageProvider, S3StorageProvider, setLogger } from '..';
import { azuriteOptions, motoOptions } from './conformance/cloud';
import { uniqueName } from './conformance/harness';

describe('missing credentials', () => {
  it('S3 with a custom endpoint and no keys fails at construction, naming the variables', () => {
    const started = Date.now();
    expect(() => new S3StorageProvider({ bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:1' })).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/AWS_ACCESS_KEY_ID.*AWS_SECRET_ACCESS_KEY/) }),
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
  it('an Azure connection string with neither AccountKey nor SharedAccessSignature fails at construction, naming them', () => {
    expect(
      () => new AzureBlobStorageProvider({ connectionString: 'DefaultEndpointsProtocol=https;AccountName=acct;EndpointSuffix=core.windows.net', container: 'c' }),
    ).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/AccountKey.*SharedAccessSignature.*AZURE_STORAGE_KEY/) }));
  });
});

const PASSWORD = 'pa55-word-' + 'x'.repeat(12);

/** Every log event of `fn`, as JSON. */
async function logsOf(fn: () => Promise<unknown>): Promise<string> {
  const events: unknown[] = [];
  setLogger((e) => events.push(e));
  try {
    await fn();
  } finally {
    setLogger(null);
  }
  return JSON.stringify(events);
}

const moto = motoOptions();
(moto ? describe : describe.skip)('S3 endpoint with user:password (moto)', () => {
  // describe.skip still runs this body: without the server there is no endpoint to rewrite.
  const endpoint = moto?.endpoint?.replace('://', `://user:${PASSWORD}@`) ?? '';
  it('works, and no message, stack, log event or signed URL carries the password', async () => {
    const provider = new S3StorageProvider({ ...moto!, endpoint });
    const dir = uniqueName('userinfo');
    await provider.writeFile(`${dir}/f.txt`, 'x');
    const url = await provider.getSignedUrl(`${dir}/f.txt`, { expiresIn: 60 });
    expect(url).not.toContain(PASSWORD);
    expect(url).not.toContain('user:');
    expect(await (await fetch(url)).text()).toBe('x');
    const missing = new S3StorageProvider({ ...moto!, endpoint, bucket: 'no-such-bucket-' + process.pid });
    const errors: unknown[] = [];
    const logs = await logsOf(async () => {
      errors.push(await missing.readFile('x').catch((e) => e));
      errors.push(await provider.readFile(`${dir}/missing`).catch((e) => e));
    });
    for (const e of errors as Array<{ message: string; stack?: string }>) {
      expect(e.message).not.toContain(PASSWORD);
      expect(String(e.stack)).not.toContain(PASSWORD);
      expect(JSON.stringify(e)).not.toContain(PASSWORD);
    }
    expect(logs.length).toBeGreaterThan(2);
    expect(logs).not.toContain(PASSWORD);
    await provider.deleteDirectory(dir, { recursive: true });
  });
});

const azurite = azuriteOptions();
(azurite ? describe : describe.skip)('Azure connection strings (Azurite)', () => {
  const account = process.env.STOWAGE_TEST_AZURE_ACCOUNT!;
  const blobEndpoint = process.env.STOWAGE_TEST_AZURE_ENDPOINT!;
  it("the portal's SAS form (BlobEndpoint + SharedAccessSignature, no AccountName) works", async () => {
    const credential = new StorageSharedKeyCredential(account, process.env.STOWAGE_TEST_AZURE_KEY!);
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rwdlac'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      credential,
    ).toString();
    const provider = new AzureBlobStorageProvider({ connectionString: `BlobEndpoint=${blobEndpoint};SharedAccessSignature=${sas}`, container: azurite!.container });
    const dir = uniqueName('sas');
    await provider.writeFile(`${dir}/f.txt`, 'via sas');
    expect((await provider.readFile(`${dir}/f.txt`)).toString()).toBe('via sas');
    expect(await provider.listFiles(dir)).toEqual(['f.txt']);
    expect(await provider.directoryExists(dir)).toBe(true);
    expect(await provider.fileExists(`${dir}/f.txt`)).toBe(true);
    // Deletes on Azure are blob batches (object_store), and Azurite answers a batch authorized by
    // a SAS with a 500: the tree goes with the account key here.
    await new AzureBlobStorageProvider(azurite!).deleteDirectory(dir, { recursive: true });
  });
  it('a BlobEndpoint with user:password works, and no message or log event carries the password', async () => {
    const endpoint = blobEndpoint.replace('://', `://user:${PASSWORD}@`);
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${process.env.STOWAGE_TEST_AZURE_KEY};BlobEndpoint=${endpoint};`;
    const provider = new AzureBlobStorageProvider({ connectionString, container: azurite!.container });
    const dir = uniqueName('userinfo');
    await provider.writeFile(`${dir}/f.txt`, 'x');
    expect(await provider.getSignedUrl(`${dir}/f.txt`, { expiresIn: 60 })).not.toContain(PASSWORD);
    const missing = new AzureBlobStorageProvider({ connectionString, container: 'no-such-container-' + process.pid });
    let err: { message: string; stack?: string } | undefined;
    const logs = await logsOf(async () => {
      err = await missing.readFile('x').catch((e) => e);
    });
    expect(err!.message).not.toContain(PASSWORD);
    expect(String(err!.stack)).not.toContain(PASSWORD);
    expect(logs).not.toContain(PASSWORD);
    await provider.deleteDirectory(dir, { recursive: true });
  });
});
