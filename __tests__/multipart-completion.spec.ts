/**
 * The request that completes a multipart upload has its own timeout (`multipart.completeTimeoutMs`),
 * and a completion that fails is checked before anything is called missing or aborted. On moto,
 * through a TCP proxy in front of it that slows down, holds or swallows only the completing
 * request (S3 `POST …?uploadId=`), and on Azurite (Put Block List, `PUT …?comp=blocklist`): a completion slower than `retry.requestTimeoutMs` but within its
 * own timeout succeeds; one whose answer never comes although moto stored the file succeeds after
 * a HEAD finds it; one moto never received rejects with a retryable ETIMEDOUT that says the file
 * was not written, and leaves no pending multipart upload (S3; Azure drops uncommitted blocks itself).
 */
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { AzureBlobStorageOptions, AzureBlobStorageProvider, S3StorageOptions, S3StorageProvider } from '..';
import { azuriteOptions, describeWith, motoOptions } from './conformance/cloud';
import { uniqueName } from './conformance/harness';

/** What the proxy does with the completing request of an upload. */
type Mode = { delayMs: number } | 'hold' | 'swallow';

/** A loopback proxy to `upstream` (`host:port`) that treats a completing request per `mode`. */
async function completionProxy(upstream: URL, completing: RegExp, mode: () => Mode): Promise<{ port: number; close: () => void; completions: () => number }> {
  let completions = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const origin = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(origin);
    // Set once this connection carried a completing request; HTTP/1.1 clients send the next
    // request on a connection only after the previous answer, so what follows is its answer.
    let completion: { mode: Mode; at: number } | undefined;
    client.on('data', (chunk: Buffer) => {
      if (!completion && completing.test(chunk.toString('latin1'))) {
        completions += 1;
        completion = { mode: mode(), at: Date.now() };
      }
      if (completion?.mode === 'swallow') return; // the server never hears of it
      origin.write(chunk);
    });
    origin.on('data', (chunk: Buffer) => {
      const m = completion?.mode;
      if (m === undefined) return void client.write(chunk);
      if (m === 'hold' || m === 'swallow') return; // the answer never arrives
      setTimeout(() => client.write(chunk), Math.max(0, completion!.at + m.delayMs - Date.now()));
    });
    const close = () => {
      client.destroy();
      origin.destroy();
    };
    client.on('close', close).on('error', close);
    // moto closes a connection after its answer: the client learns of that only with the answer
    // (a delayed one after its delay; one held back not at all, until the client gives up).
    const originClosed = () => {
      const m = completion?.mode;
      if (m === undefined) close();
      else if (typeof m === 'object') setTimeout(close, Math.max(0, completion!.at + m.delayMs - Date.now()) + 50);
    };
    origin.on('close', originClosed).on('error', originClosed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    completions: () => completions,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

type Provider = S3StorageProvider | AzureBlobStorageProvider;

/** Retry and multipart options of every provider here: 6 MiB in parts of 5 MiB is two parts. */
const tight = (completeTimeoutMs: number) => ({
  retry: { maxRetries: 0, requestTimeoutMs: 1500 },
  multipart: { threshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024, completeTimeoutMs },
});

/**
 * The three cases on one server at `endpoint`: `make` builds a provider under `prefix` whose
 * requests go to `port`; `pending` lists the multipart uploads still open under a prefix.
 */
function completionCases(
  endpoint: string,
  completing: RegExp,
  make: (port: number, prefix: string, completeTimeoutMs: number) => Provider,
  pending?: (prefix: string) => Promise<unknown[]>,
) {
  let mode: Mode = 'hold';
  let proxy: Awaited<ReturnType<typeof completionProxy>>;
  beforeAll(async () => {
    proxy = await completionProxy(new URL(endpoint), completing, () => mode);
  });
  afterAll(() => proxy.close());
  const data = randomBytes(6 * 1024 * 1024);
  const provider = (prefix: string, completeTimeoutMs: number) => make(proxy.port, prefix, completeTimeoutMs);
  const nonePending = async (prefix: string) => {
    if (pending) expect(await pending(prefix)).toEqual([]);
  };

  it('waits for a completion slower than retry.requestTimeoutMs, up to multipart.completeTimeoutMs', async () => {
    mode = { delayMs: 3000 };
    const prefix = uniqueName('mpslow');
    const p = provider(prefix, 8000);
    const before = proxy.completions();
    const started = Date.now();
    await p.writeFile('slow.bin', data);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000); // the answer itself was waited for
    expect(proxy.completions() - before).toBe(1);
    expect(Buffer.compare(await p.readFile('slow.bin'), data)).toBe(0);
    await nonePending(prefix);
  });

  it('succeeds when the completion never answers but the server stored the file (a HEAD finds it)', async () => {
    mode = 'hold';
    const prefix = uniqueName('mphold');
    const p = provider(prefix, 1500);
    const started = Date.now();
    await p.writeFile('held.bin', data);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // it gave up on the answer
    expect(Buffer.compare(await p.readFile('held.bin'), data)).toBe(0);
    // The same through a write stream.
    const w = p.createWriteStream('stream.bin');
    await new Promise<void>((resolve, reject) => {
      w.on('error', reject).on('finish', resolve);
      w.end(data);
    });
    expect(Buffer.compare(await p.readFile('stream.bin'), data)).toBe(0);
    await nonePending(prefix);
  });

  it('rejects with a retryable ETIMEDOUT, saying the file was not written, when the server never completed', async () => {
    mode = 'swallow';
    const prefix = uniqueName('mplost');
    const p = provider(prefix, 1500);
    const err = await p.writeFile('lost.bin', data).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ETIMEDOUT', retryable: true });
    expect(String((err as Error).message)).toMatch(/outcome was checked: the file was not written/);
    expect(await p.fileExists('lost.bin')).toBe(false);
    await nonePending(prefix);
  });
}

describeWith(motoOptions(), 'multipart completion on moto, through a proxy that slows it down', (options) => {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId!, secretAccessKey: options.secretAccessKey! },
  });
  afterAll(() => client.destroy());
  completionCases(
    options.endpoint!,
    /^POST [^ ]*[?&]uploadId=/m,
    (port, prefix, completeTimeoutMs) => {
      const endpoint = new URL(options.endpoint!);
      endpoint.port = String(port);
      const o: S3StorageOptions = { ...options, endpoint: endpoint.toString().replace(/\/$/, ''), prefix, ...tight(completeTimeoutMs) };
      return new S3StorageProvider(o);
    },
    async (prefix) =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: options.bucket, Prefix: prefix }))).Uploads ?? [],
  );
});

describeWith(azuriteOptions(), 'multipart completion on Azurite, through a proxy that slows it down', (options) => {
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(options.connectionString!)![1];
  completionCases(blobEndpoint, /^PUT [^ ]*[?&]comp=blocklist/m, (port, prefix, completeTimeoutMs) => {
    const through = new URL(blobEndpoint);
    through.port = String(port);
    const connectionString = options.connectionString!.replace(blobEndpoint, through.toString().replace(/\/$/, ''));
    const o: AzureBlobStorageOptions = { ...options, connectionString, prefix, ...tight(completeTimeoutMs) };
    return new AzureBlobStorageProvider(o);
  });
});
