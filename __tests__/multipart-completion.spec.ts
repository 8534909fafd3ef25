/**
 * The request that completes a multipart upload has its own timeout (`multipart.completeTimeoutMs`),
 * and a completion that fails is checked before anything is called missing or aborted. On moto,
 * through a TCP proxy in front of it that slows down, holds or swallows only the completing
 * request (`POST …?uploadId=`): a completion slower than `retry.requestTimeoutMs` but within its
 * own timeout succeeds; one whose answer never comes although moto stored the file succeeds after
 * a HEAD finds it; one moto never received rejects with a retryable ETIMEDOUT that says the file
 * was not written, and leaves no pending multipart upload.
 */
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { S3StorageOptions, S3StorageProvider } from '..';
import { describeWith, motoOptions } from './conformance/cloud';
import { uniqueName } from './conformance/harness';

/** What the proxy does with the completing request of an upload. */
type Mode = { delayMs: number } | 'hold' | 'swallow';

/** A loopback proxy to `upstream` (`host:port`) that treats a completing request per `mode`. */
async function completionProxy(upstream: URL, mode: () => Mode): Promise<{ port: number; close: () => void; completions: () => number }> {
  let completions = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const origin = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(origin);
    // Set once this connection carried a completing request; HTTP/1.1 clients send the next
    // request on a connection only after the previous answer, so what follows is its answer.
    let completing: { mode: Mode; at: number } | undefined;
    client.on('data', (chunk: Buffer) => {
      if (!completing && /^POST [^ ]*[?&]uploadId=/m.test(chunk.toString('latin1'))) {
        completions += 1;
        completing = { mode: mode(), at: Date.now() };
      }
      if (completing?.mode === 'swallow') return; // the server never hears of it
      origin.write(chunk);
    });
    origin.on('data', (chunk: Buffer) => {
      const m = completing?.mode;
      if (m === undefined) return void client.write(chunk);
      if (m === 'hold' || m === 'swallow') return; // the answer never arrives
      setTimeout(() => client.write(chunk), Math.max(0, completing!.at + m.delayMs - Date.now()));
    });
    const close = () => {
      client.destroy();
      origin.destroy();
    };
    client.on('close', close).on('error', close);
    // moto closes a connection after its answer: the client learns of that only with the answer
    // (a delayed one after its delay; one held back not at all, until the client gives up).
    const originClosed = () => {
      const m = completing?.mode;
      if (m === undefined) close();
      else if (typeof m === 'object') setTimeout(close, Math.max(0, completing!.at + m.delayMs - Date.now()) + 50);
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

describeWith(motoOptions(), 'multipart completion on moto, through a proxy that slows it down', (options) => {
  let mode: Mode = 'hold';
  let proxy: Awaited<ReturnType<typeof completionProxy>>;
  let client: S3Client;
  beforeAll(async () => {
    proxy = await completionProxy(new URL(options.endpoint!), () => mode);
    client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: options.accessKeyId!, secretAccessKey: options.secretAccessKey! },
    });
  });
  afterAll(() => {
    proxy.close();
    client.destroy();
  });

  const pending = async (prefix: string) =>
    (await client.send(new ListMultipartUploadsCommand({ Bucket: options.bucket, Prefix: prefix }))).Uploads ?? [];
  // 6 MiB in parts of 5 MiB: two parts, then the completing request.
  const data = randomBytes(6 * 1024 * 1024);
  const provider = (prefix: string, completeTimeoutMs: number) => {
    const endpoint = new URL(options.endpoint!);
    endpoint.port = String(proxy.port);
    const o: S3StorageOptions = {
      ...options,
      endpoint: endpoint.toString().replace(/\/$/, ''),
      prefix,
      retry: { maxRetries: 0, requestTimeoutMs: 1500 },
      multipart: { threshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024, completeTimeoutMs },
    };
    return new S3StorageProvider(o);
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
    expect(await pending(prefix)).toEqual([]);
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
    expect(await pending(prefix)).toEqual([]);
  });

  it('rejects with a retryable ETIMEDOUT and leaves no pending upload when the server never completed', async () => {
    mode = 'swallow';
    const prefix = uniqueName('mplost');
    const p = provider(prefix, 1500);
    const err = await p.writeFile('lost.bin', data).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ETIMEDOUT', retryable: true });
    expect(String((err as Error).message)).toMatch(/checked|not written/);
    expect(await p.fileExists('lost.bin')).toBe(false);
    expect(await pending(prefix)).toEqual([]);
  });
});
