/**
 * sync's "already identical" without reading: a copy that transfer made records its source's
 * ETag (user metadata `stowage_source_etag`; on LOCAL an xattr bound to the copy's own version),
 * so a second sync compares size plus that record and reads neither file. Where nothing is
 * comparable (a copy made by something else), sync still hashes both sides.
 *
 * "Reads neither side" is shown two ways, with no mock: object reads are counted by a proxy that
 * passes every request on to the real server (GETs that are not listings), and a LOCAL file is
 * changed in place behind sync's back with its size and mtime restored, so its ETag stays: a
 * sync that hashed would find the difference and copy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AzureBlobStorageProvider,
  GcsStorageProvider,
  LocalStorageProvider,
  MemoryStorageProvider,
  S3StorageProvider,
  transfer,
} from '../..';
import { azuriteOptions, describeWith, gcsOptions, motoOptions } from '../conformance/cloud';
import { uniqueName } from '../conformance/harness';

const work = mkdtempSync(join(tmpdir(), 'stowage-sync-reads-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Replaces a file's bytes in place (same size, xattrs kept) and puts its mtime back to the nanosecond. */
function tamper(path: string, bytes: string): void {
  const { mtimeNs, size } = statSync(path, { bigint: true });
  expect(Buffer.byteLength(bytes)).toBe(Number(size));
  writeFileSync(path, bytes, { flag: 'r+' });
  const ns = String(mtimeNs % 1_000_000_000n).padStart(9, '0');
  execFileSync('touch', ['-m', '-d', `@${mtimeNs / 1_000_000_000n}.${ns}`, path]);
  expect(statSync(path, { bigint: true }).mtimeNs).toBe(mtimeNs);
}

type Provider = LocalStorageProvider | MemoryStorageProvider | S3StorageProvider | AzureBlobStorageProvider | GcsStorageProvider;

describe('sync between LOCAL and MEMORY', () => {
  const tree = (p: Provider, dir: string) =>
    Promise.all([p.writeFile(`${dir}/a.txt`, 'aaaa'), p.writeFile(`${dir}/x/b.json`, '{"b":1}')]);

  it.each([
    ['LOCAL → LOCAL', () => new LocalStorageProvider()],
    ['MEMORY → LOCAL', () => new MemoryStorageProvider()],
  ])('%s: the second sync skips by the recorded ETag without hashing the LOCAL copy', async (_, source) => {
    const from = source();
    const to = new LocalStorageProvider();
    const [src, dst] = [join(work, uniqueName('src')), join(work, uniqueName('dst'))];
    await tree(from, src);
    expect(await transfer(from, src, to, dst)).toMatchObject({ copied: 2, skipped: 0 });
    expect((await to.getFileStats(join(dst, 'a.txt'))).metadata).toEqual({ stowage_source_etag: (await from.getFileStats(`${src}/a.txt`)).etag });
    tamper(join(dst, 'a.txt'), 'zzzz');
    expect(await transfer(from, src, to, dst)).toMatchObject({ copied: 0, skipped: 2 });
    expect(readFileSync(join(dst, 'a.txt'), 'utf8')).toBe('zzzz'); // not hashed, or it would be copied again
  });

  it('LOCAL → MEMORY: the second sync skips without hashing the LOCAL source', async () => {
    const from = new LocalStorageProvider();
    const to = new MemoryStorageProvider();
    const src = join(work, uniqueName('src'));
    await tree(from, src);
    expect(await transfer(from, src, to, '/d')).toMatchObject({ copied: 2 });
    tamper(join(src, 'a.txt'), 'zzzz');
    expect(await transfer(from, src, to, '/d')).toMatchObject({ copied: 0, skipped: 2 });
    expect((await to.readFile('/d/a.txt')).toString()).toBe('aaaa');
  });

  it('a LOCAL copy changed in place (new mtime, same size) loses its record: sync hashes and copies again', async () => {
    const from = new MemoryStorageProvider();
    const to = new LocalStorageProvider();
    const dst = join(work, uniqueName('dst'));
    await tree(from, '/s');
    await transfer(from, '/s', to, dst);
    const path = join(dst, 'a.txt');
    writeFileSync(path, 'aaaa', { flag: 'r+' }); // same bytes, xattrs kept, new mtime
    expect((await to.getFileStats(path)).metadata ?? {}).toEqual({});
    expect(await transfer(from, '/s', to, dst)).toMatchObject({ copied: 0, skipped: 2 }); // by SHA-256
    writeFileSync(path, 'zzzz', { flag: 'r+' });
    expect(await transfer(from, '/s', to, dst)).toMatchObject({ copied: 1, skipped: 1 });
    expect(readFileSync(path, 'utf8')).toBe('aaaa');
  });
});

/**
 * A pass-through proxy in front of a real server that counts the object reads (GETs that are not
 * listings). The Host header names the server (fake-gcs-server routes by it; moto and Azurite do
 * not check it in signatures).
 */
class ReadCounter {
  readonly reads: string[] = [];
  private constructor(private readonly server: Server) {}

  static async start(target: string): Promise<ReadCounter> {
    const base = new URL(target);
    const server = createServer();
    const counter = new ReadCounter(server);
    server.on('request', (req, res) => {
      const url = req.url ?? '/';
      const listing = /[?&](list-type|comp=list|prefix=|delimiter=)/.test(url) || /\/o(\?|$)/.test(url);
      if (req.method === 'GET' && !listing) counter.reads.push(url);
      const upstream = request({ host: base.hostname, port: base.port, method: req.method, path: url, headers: { ...req.headers, host: base.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return counter;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops the proxy, dropping the idle keep-alive connections clients still hold (close() alone waits for them). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}

describeWith(motoOptions(), 'sync reads no object the second time (moto, Azurite, fake-gcs-server)', (s3) =>
  describeWith(azuriteOptions(), 'with Azurite', (azure) =>
    describeWith(gcsOptions(), 'with fake-gcs-server', (gcs) => {
      const counters: ReadCounter[] = [];
      let [s3p, az, gs] = [] as unknown as [S3StorageProvider, AzureBlobStorageProvider, GcsStorageProvider];
      beforeAll(async () => {
        const blob = /BlobEndpoint=([^;]+)/.exec(azure.connectionString!)![1];
        const [s3c, azc, gsc] = await Promise.all([s3.endpoint!, new URL(blob).origin, gcs.endpoint!].map((t) => ReadCounter.start(t)));
        counters.push(s3c, azc, gsc);
        s3p = new S3StorageProvider({ ...s3, endpoint: s3c.url });
        const path = new URL(blob).pathname;
        az = new AzureBlobStorageProvider({ ...azure, connectionString: azure.connectionString!.replace(blob, `${azc.url}${path}`) });
        gs = new GcsStorageProvider({ ...gcs, endpoint: gsc.url });
      });
      afterAll(() => Promise.all(counters.map((c) => c.close())));
      const reads = () => counters.flatMap((c) => c.reads);

      it('LOCAL → S3 → Azure → GCS → LOCAL and S3 → S3: no GET and no LOCAL hash on the second pass', async () => {
        const local = new LocalStorageProvider();
        const [src, back, key] = [join(work, uniqueName('src')), join(work, uniqueName('back')), uniqueName('sync-reads')];
        await local.writeFile(join(src, 'a.txt'), 'aaaa');
        await local.writeFile(join(src, 'x/b.bin'), 'bb', { metadata: { owner: 'ann' } });
        const hops: Array<[Provider, string, Provider, string]> = [
          [local, src, s3p, key],
          [s3p, key, az, key],
          [az, key, gs, key],
          [gs, key, local, back],
          [s3p, key, s3p, `${key}-copy`],
        ];
        for (const [from, fromDir, to, toDir] of hops) {
          expect(await transfer(from, fromDir, to, toDir)).toMatchObject({ copied: 2, skipped: 0, failed: [] });
        }
        expect(readFileSync(join(back, 'a.txt'), 'utf8')).toBe('aaaa');
        tamper(join(back, 'a.txt'), 'zzzz');
        counters.forEach((c) => c.reads.splice(0));
        for (const [from, fromDir, to, toDir] of hops) {
          expect(await transfer(from, fromDir, to, toDir)).toEqual({ copied: 0, skipped: 2, failed: [], bytes: 0 });
        }
        expect(reads()).toEqual([]);
        expect(readFileSync(join(back, 'a.txt'), 'utf8')).toBe('zzzz');
      });

      it.each([
        ['S3', () => s3p],
        ['Azure', () => az],
        ['GCS', () => gs],
      ])('a copy %s got from elsewhere (no record) is hashed: both files read', async (_, cloud) => {
        const local = new LocalStorageProvider();
        const [src, key] = [join(work, uniqueName('src')), uniqueName('foreign')];
        await local.writeFile(join(src, 'a.txt'), 'aaaa');
        await cloud().writeFile(`${key}/a.txt`, 'aaaa');
        counters.forEach((c) => c.reads.splice(0));
        expect(await transfer(local, src, cloud(), key)).toMatchObject({ copied: 0, skipped: 1 });
        expect(reads().length).toBeGreaterThan(0);
        tamper(join(src, 'a.txt'), 'zzzz');
        expect(await transfer(local, src, cloud(), key)).toMatchObject({ copied: 1, skipped: 0 });
      });
    }),
  ),
);
