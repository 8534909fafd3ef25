/**
 * Every variable of the configuration table reaches its provider through stowage/nest's
 * StorageModule, read from a (mocked) ConfigService and from process.env: provider options seen
 * through the provider's `options` (credentials as "set"), STORAGE_TYPE through `defaultType`, the
 * signing settings through the URLs the module's signer makes.
 */
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  AzureBlobStorageProvider,
  GcsStorageProvider,
  LocalStorageProvider,
  S3StorageProvider,
  StorageModule,
  StorageService,
  StorageType,
  UrlSigner,
} from 'stowage/nest';
import { URL_SIGNER } from '../../nest/constants';
import { isProcessRow, removeScratch, ROWS, shown, valueFor, variablesFor, withoutTableVariables } from '../configuration-cases';

type Row = (typeof ROWS)[number];
const savedEnv = process.env;
afterEach(() => {
  process.env = savedEnv;
});
afterAll(removeScratch);

/** A module whose StorageModule sees `config` as the app's global ConfigService. */
async function appWithConfig(values: Record<string, string>) {
  @Global()
  @Module({ providers: [{ provide: ConfigService, useValue: { get: (key: string) => values[key] } }], exports: [ConfigService] })
  class MockConfigModule {}
  return Test.createTestingModule({ imports: [MockConfigModule, StorageModule.forRoot()] }).compile();
}

/** Checks that `row`, set as in `vars`, shows in the app. */
async function expectReached(app: Awaited<ReturnType<typeof appWithConfig>>, row: Row, vars: Record<string, string>) {
  const value = vars[row.name];
  if (row.provider === 'StorageService') {
    expect(app.get(StorageService).defaultType).toBe(value);
  } else if (row.provider === 'signing') {
    const signing: Record<string, string> = {};
    for (const r of ROWS.filter((r) => r.provider === 'signing' && vars[r.name] !== undefined)) signing[r.option] = vars[r.name];
    const signer = app.get<UrlSigner>(URL_SIGNER);
    const expected = new UrlSigner(signing.secret, (signing.baseUrl ?? '').replace(/\/+$/, ''), signer.disk);
    expect(signer.sign('LOCAL', '/f.txt', undefined, 1_000)).toBe(expected.sign('LOCAL', '/f.txt', undefined, 1_000));
  } else {
    const provider = app.get(StorageService).getProvider(row.provider as StorageType) as unknown as { options: Record<string, unknown> };
    expect(provider.options[row.option]).toBe(shown(row, value));
    if (row.secret) expect(JSON.stringify(provider.options)).not.toContain(value);
  }
  await app.close();
}

describe.each(ROWS.filter((r) => !isProcessRow(r)).map((r) => [r.name, r] as const))('%s reaches its provider through StorageModule', (_name, row) => {
  it('from ConfigService', async () => {
    process.env = withoutTableVariables(savedEnv);
    const vars = variablesFor(row, 'config');
    await expectReached(await appWithConfig(vars), row, vars);
  });

  it('from process.env', async () => {
    const vars = variablesFor(row, 'env');
    process.env = { ...withoutTableVariables(savedEnv), ...vars };
    const app = await Test.createTestingModule({ imports: [StorageModule.forRoot()] }).compile();
    await expectReached(app, row, vars);
  });

  it('from ConfigService before process.env', async () => {
    process.env = { ...withoutTableVariables(savedEnv), ...variablesFor(row, 'env') };
    const vars = variablesFor(row, 'config');
    await expectReached(await appWithConfig(vars), row, vars);
  });
});

/** The injectable provider classes, which read ConfigService themselves (listed in an app's providers). */
const NEST_PROVIDERS: Record<string, new (...args: never[]) => { options: unknown }> = {
  LOCAL: LocalStorageProvider,
  S3: S3StorageProvider,
  AZURE_BLOB: AzureBlobStorageProvider,
  GCS: GcsStorageProvider,
};

describe.each(ROWS.filter((r) => r.provider in NEST_PROVIDERS).map((r) => [r.name, r] as const))(
  '%s reaches the injectable provider class',
  (_name, row) => {
    it('from ConfigService', async () => {
      process.env = withoutTableVariables(savedEnv);
      const vars = variablesFor(row, 'config');
      @Global()
      @Module({ providers: [{ provide: ConfigService, useValue: { get: (key: string) => vars[key] } }], exports: [ConfigService] })
      class MockConfigModule {}
      const cls = NEST_PROVIDERS[row.provider];
      const app = await Test.createTestingModule({ imports: [MockConfigModule], providers: [cls] }).compile();
      const options = app.get(cls).options as Record<string, unknown>;
      expect(options[row.option]).toBe(shown(row, vars[row.name]));
      await app.close();
    });
  },
);

it('the signing variables are checked against a signer built from other values too', () => {
  // Guards the comparison above: a different secret gives a different URL.
  const row = ROWS.find((r) => r.provider === 'signing' && r.option === 'secret')!;
  const a = new UrlSigner(valueFor(row, 'a'), '', 'default').sign('LOCAL', '/f.txt', undefined, 1_000);
  const b = new UrlSigner(valueFor(row, 'b'), '', 'default').sign('LOCAL', '/f.txt', undefined, 1_000);
  expect(a).not.toBe(b);
});
