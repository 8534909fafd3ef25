import { AzureBlobStorageProvider } from '../..';
import { azuriteOptions, describeWith } from './cloud';
import { uniqueName } from './harness';
import { extended } from './extended';
import { metadata, signedUrlHeaders } from './metadata';
import { confinement, conformance } from './suite';
import { streams } from './streams';

describeWith(azuriteOptions(), 'AZURE_BLOB on Azurite', (options) => {
  const target = () => ({
    name: 'AZURE_BLOB',
    providerName: 'AZURE_BLOB',
    provider: new AzureBlobStorageProvider(options),
    freshDir: () => uniqueName('az'),
  });
  conformance(target);
  confinement(target, true);
  extended(target);
  metadata(target, { listsEtags: true });
  signedUrlHeaders(target, { verifies: true, bindsContentType: false });
  streams(target, { signs: true, verifiesSignatures: true });

  it('refuses a wrong account key with EACCES, and no message carries the key', async () => {
    const key = Buffer.from('not the key ' + uniqueName()).toString('base64');
    const account = process.env.STOWAGE_TEST_AZURE_ACCOUNT ?? 'devstoreaccount1';
    const endpoint = process.env.STOWAGE_TEST_AZURE_ENDPOINT;
    const provider = new AzureBlobStorageProvider({
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${endpoint};`,
      container: options.container,
    });
    const err = await provider.writeFile(uniqueName('denied'), 'x').catch((e) => e);
    expect(err).toMatchObject({ code: 'EACCES', provider: 'AZURE_BLOB' });
    expect(String(err.message)).not.toContain(key);
    expect(JSON.stringify(err)).not.toContain(key);
  });
});
