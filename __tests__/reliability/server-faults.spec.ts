/**
 * Server faults (S3 on moto, Azure Blob on Azurite). A private server of this test's own (see
 * servers.ts) is frozen with SIGSTOP and thawed, or stopped with SIGTERM and restarted on the same
 * port and data directory, while a stream of writes and reads runs. Each operation either resolves
 * (after retries) or rejects with a retryable coded error (EIO or ETIMEDOUT, `retryable: true`),
 * and every write that resolved is readable afterwards with exactly its bytes.
 *
 * moto keeps its data in memory, so it is frozen rather than restarted (a restart would empty it);
 * Azurite is restarted after SIGTERM, not SIGKILL: killed, it loses what its metadata store had
 * not yet saved (it saves every few seconds), which is the emulator's durability, not Stowage's.
 * Writes go to fresh keys: a PUT that timed out on the client may still be applied by a thawed
 * server later (see RELIABILITY.md), which would make "the last resolved write wins" untestable.
 *
 * A server that accepts connections and never answers (a `net` server here) gives ETIMEDOUT,
 * retryable, within (maxRetries + 1) × requestTimeoutMs plus the backoff, and no retry starts after
 * retryTimeoutMs; a child process whose calls failed that way exits on its own.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureBlobStorageProvider, S3StorageProvider, type IStorageProvider, type RetryOptions } from '../..';
import { table, writeSection } from './report';
import { SecretScanner } from './secrets';
import { privateServersMissing, startAzurite, startMoto } from './servers';

/** Short timeouts, so that a frozen server makes requests time out and retry within the test. */
const RETRY: RetryOptions = { maxRetries: 3, retryTimeoutMs: 6000, connectTimeoutMs: 500, requestTimeoutMs: 1000 };
/** A retry budget shorter than the outage: requests in flight give up with ETIMEDOUT. */
const SHORT_RETRY: RetryOptions = { maxRetries: 1, retryTimeoutMs: 1000, connectTimeoutMs: 500, requestTimeoutMs: 500 };
const LOOPS = 6;
const OUTAGE_MS = 2500;
const RETRYABLE = ['EIO', 'ETIMEDOUT'];

const scanner = new SecretScanner();
const stopLogs = scanner.captureLogs();
const faultRows: Array<Array<string | number>> = [];
const hangRows: Array<Array<string | number>> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

afterAll(() => {
  stopLogs();
  if (faultRows.length < 4 || hangRows.length < HANG_CASES.length) return; // a filtered or skipped run: keep the last figures
  writeSection(
    'server-faults',
    25,
    'Server faults (S3 and Azure Blob)',
    `\`__tests__/reliability/server-faults.spec.ts\`, on a moto and an Azurite of the test's own. ` +
      `${LOOPS} loops write fresh keys (0.5–8.5 KiB) and read back earlier ones while the server is frozen for ${OUTAGE_MS / 1000} s ` +
      `(SIGSTOP, then SIGCONT) or stopped with SIGTERM and restarted on the same port and data directory after 1 s. ` +
      `Retry options: "ride out" is \`${JSON.stringify(RETRY)}\` (a budget longer than the outage), "give up" is ` +
      `\`${JSON.stringify(SHORT_RETRY)}\` (shorter). "Across the fault" counts the operations in flight at some moment of the outage. ` +
      `Every rejection was EIO or ETIMEDOUT with \`retryable: true\`, and every write that resolved was read back with its bytes ` +
      `afterwards ("lost": 0). "Failed writes found" are writes that rejected yet were found afterwards: ` +
      `the server applied them after the client gave up (a timeout, or a connection cut after the request was sent), so a ` +
      `caller that retries a failed write must expect its first attempt may have landed.\n\n` +
      `${table(['fault', 'retry', 'operations', 'resolved', 'rejected (codes)', 'across the fault: resolved / rejected', 'writes resolved', 'lost', 'failed writes found'], faultRows)}\n\n` +
      `**A server that never answers** (a \`net\` server that accepts and holds every socket): each call rejected with ` +
      `ETIMEDOUT, \`retryable: true\`, within the bound (maxRetries + 1) × requestTimeoutMs + 1.5 s of backoff and slack ` +
      `(or retryTimeoutMs + requestTimeoutMs + 1.5 s, when that is smaller); the child process that made the calls exited on its own ` +
      `(exit code 0) right after, while the server still held its sockets.\n\n` +
      `${table(['provider', 'retry', 'calls', 'elapsed per call (ms)', 'bound (ms)', 'exit after the last call (ms)'], hangRows)}\n\n` +
      `${scanner.scanned} errors and log lines scanned for the servers' keys, ${scanner.leaks.length} leaks.`,
  );
});

/** A stream of writes to fresh keys and reads of resolved ones, recording every outcome. */
class Stream {
  readonly written = new Map<string, string>();
  readonly failedWrites: string[] = [];
  readonly records: Array<{ start: number; end: number; code: string }> = [];
  readonly bad: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(private readonly provider: IStorageProvider, private readonly label: string) {
    this.loops = Array.from({ length: LOOPS }, (_, l) => this.loop(l));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(l: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = `loop${l}/w${i}`;
      const data = randomBytes(512 + randomInt(8192));
      await this.run('writeFile', () => this.provider.writeFile(key, data), (ok) => {
        if (ok) this.written.set(key, sha(data));
        else this.failedWrites.push(key);
      });
      const keys = [...this.written.keys()];
      const pick = keys[randomInt(keys.length || 1)];
      if (pick) {
        await this.run('readFile', async () => {
          const got = await this.provider.readFile(pick);
          if (sha(got) !== this.written.get(pick)) this.bad.push(`readFile ${pick}: wrong bytes (${got.length})`);
        });
      }
      if (i % 4 === 0) await this.run('listFiles', () => this.provider.listFiles(`loop${l}`));
      if (i % 4 === 2 && pick) await this.run('getFileStats', () => this.provider.getFileStats(pick));
    }
  }

  private async run(op: string, fn: () => Promise<unknown>, done?: (ok: boolean) => void): Promise<void> {
    const start = Date.now();
    try {
      await fn();
      this.records.push({ start, end: Date.now(), code: 'OK' });
      done?.(true);
    } catch (e) {
      scanner.scanError(e, `${this.label} ${op}`);
      const err = e as { code?: string; retryable?: boolean; message?: string };
      this.records.push({ start, end: Date.now(), code: err.code ?? 'uncoded' });
      if (!RETRYABLE.includes(err.code ?? '') || err.retryable !== true) {
        this.bad.push(`${op}: ${err.code} retryable=${err.retryable}: ${err.message}`);
      }
      done?.(false);
    }
  }
}

/** Runs the stream, applies `fault` mid-run, and checks every outcome and every resolved write. */
async function faultRun(
  label: string,
  retry: RetryOptions,
  make: (retry?: RetryOptions) => IStorageProvider,
  fault: () => Promise<void>,
): Promise<void> {
  const stream = new Stream(make(retry), label);
  await sleep(1500);
  const faultAt = Date.now();
  await fault();
  const recoveredAt = Date.now();
  await sleep(2500);
  await stream.stop();

  // Read everything back through a fresh provider with the default retries.
  const reader = make();
  let lost = 0;
  for (const [key, hash] of stream.written) {
    const got = await reader.readFile(key).catch((e) => (scanner.scanError(e, `${label} verify`), null));
    if (!got || sha(got) !== hash) lost += 1;
  }
  let landed = 0;
  for (const key of stream.failedWrites) if (await reader.fileExists(key)) landed += 1;

  const r = stream.records;
  const across = r.filter((x) => x.start < recoveredAt && x.end > faultAt);
  const rejected = r.filter((x) => x.code !== 'OK');
  const codes = new Map<string, number>();
  for (const x of rejected) codes.set(x.code, (codes.get(x.code) ?? 0) + 1);
  faultRows.push([
    label,
    retry === RETRY ? 'ride out' : 'give up',
    r.length,
    r.length - rejected.length,
    `${rejected.length}${codes.size ? ` (${[...codes].map(([c, n]) => `${n} ${c}`).join(', ')})` : ''}`,
    `${across.filter((x) => x.code === 'OK').length} / ${across.filter((x) => x.code !== 'OK').length}`,
    stream.written.size,
    lost,
    `${landed} of ${stream.failedWrites.length}`,
  ]);

  expect(stream.bad).toEqual([]);
  expect(lost).toBe(0);
  expect(across.length).toBeGreaterThan(0);
  expect(r.some((x) => x.start > recoveredAt && x.code === 'OK')).toBe(true); // it recovered
  expect(stream.written.size).toBeGreaterThan(LOOPS);
}

const missing = privateServersMissing();
(missing ? describe.skip : describe)(`server faults on private servers${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'stowage-faults-'));
  let moto: Awaited<ReturnType<typeof startMoto>> | undefined;
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined;

  beforeAll(async () => {
    moto = await startMoto();
    azurite = await startAzurite(join(work, 'azurite'));
    scanner.add(moto.options.accessKeyId, moto.options.secretAccessKey, azurite.key, azurite.options.connectionString);
  }, 60_000);

  afterAll(async () => {
    await moto?.server.stop('SIGKILL');
    await azurite?.server.stop('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  const s3 = (prefix: string) => (retry?: RetryOptions) => new S3StorageProvider({ ...moto!.options, prefix, retry });
  const azure = (prefix: string) => (retry?: RetryOptions) => new AzureBlobStorageProvider({ ...azurite!.options, prefix, retry });

  const freezeMoto = async () => {
    moto!.server.freeze();
    await sleep(OUTAGE_MS);
    moto!.server.thaw();
  };

  it('S3 (moto): a server frozen mid-run loses no resolved write, and every failure is retryable', async () => {
    await faultRun('S3, moto frozen (SIGSTOP/SIGCONT)', RETRY, s3(`ride-out-${process.pid}`), freezeMoto);
  }, 60_000);

  it('S3 (moto): with a retry budget shorter than the freeze, calls in flight give up with a retryable ETIMEDOUT', async () => {
    await faultRun('S3, moto frozen (SIGSTOP/SIGCONT)', SHORT_RETRY, s3(`give-up-${process.pid}`), freezeMoto);
    expect(faultRows[faultRows.length - 1][4]).toMatch(/ETIMEDOUT/);
  }, 60_000);

  it('AZURE_BLOB (Azurite): a server frozen mid-run loses no resolved write, and every failure is retryable', async () => {
    await faultRun('AZURE_BLOB, Azurite frozen (SIGSTOP/SIGCONT)', RETRY, azure(`freeze-${process.pid}`), async () => {
      azurite!.server.freeze();
      await sleep(OUTAGE_MS);
      azurite!.server.thaw();
    });
  }, 60_000);

  it('AZURE_BLOB (Azurite): a server stopped and restarted mid-run loses no resolved write, and every failure is retryable', async () => {
    await faultRun('AZURE_BLOB, Azurite stopped (SIGTERM), restarted after 1 s', RETRY, azure(`restart-${process.pid}`), async () => {
      await azurite!.server.stop('SIGTERM');
      await sleep(1000);
      await azurite!.server.start();
    });
  }, 60_000);

  it('leaks no secret in any error or log line', () => {
    expect(scanner.count).toBeGreaterThanOrEqual(4);
    expect(scanner.leaks).toEqual([]);
  });
});

interface HangCase {
  kind: 's3' | 'azure';
  retry: RetryOptions;
  ops: string[];
  keepLogger?: boolean;
}

const HANG_CASES: HangCase[] = [
  { kind: 's3', retry: { maxRetries: 0, requestTimeoutMs: 500 }, ops: ['readFile', 'writeFile'] },
  { kind: 's3', retry: { maxRetries: 2, requestTimeoutMs: 300 }, ops: ['listFiles', 'fileExists'], keepLogger: true },
  { kind: 's3', retry: { maxRetries: 10, requestTimeoutMs: 300, retryTimeoutMs: 1000 }, ops: ['readFile'] },
  { kind: 'azure', retry: { maxRetries: 1, requestTimeoutMs: 400 }, ops: ['readFile', 'writeFile', 'listFiles'], keepLogger: true },
];

/** The documented bound of one call against a server that never answers, plus backoff and slack. */
function bound(retry: RetryOptions): number {
  const attempts = (retry.maxRetries! + 1) * retry.requestTimeoutMs!;
  const byDeadline = retry.retryTimeoutMs === undefined ? Infinity : retry.retryTimeoutMs + retry.requestTimeoutMs!;
  return Math.min(attempts, byDeadline) + 1500;
}

describe('a server that accepts connections and never answers', () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  let endpoint = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it.each(HANG_CASES.map((c) => [c.kind, JSON.stringify(c.retry), c] as const))(
    '%s with %s: ETIMEDOUT, retryable, within the bound; the process exits on its own',
    async (_kind, _retry, c) => {
      const secret = randomBytes(64).toString('base64');
      scanner.add(secret);
      const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'hung-call.js'), JSON.stringify({ ...c, endpoint, secret })], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const results: Array<{ op: string; elapsed: number; code: string; retryable?: boolean; message?: string }> = [];
      let doneAt = 0;
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop() ?? '';
        for (const line of lines) {
          scanner.scan(line, `hung ${c.kind}`);
          const msg = JSON.parse(line);
          if (msg.done) doneAt = Date.now();
          else if (msg.op) results.push(msg);
        }
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), bound(c.retry) * c.ops.length + 10_000);
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (cd, sg) => r([cd, sg])));
      clearTimeout(killer);
      const exitAfter = Date.now() - doneAt;

      expect({ code, signal, err }).toEqual({ code: 0, signal: null, err: '' });
      expect(doneAt).toBeGreaterThan(0);
      expect(exitAfter).toBeLessThan(3000); // the sockets are still held: nothing in the addon keeps the process alive
      expect(results.map((r) => r.op)).toEqual(c.ops);
      for (const r of results) {
        expect(r).toMatchObject({ code: 'ETIMEDOUT', retryable: true, message: expect.stringContaining('timed out') });
        expect(r.elapsed).toBeGreaterThanOrEqual(c.retry.requestTimeoutMs! - 50);
        expect(r.elapsed).toBeLessThanOrEqual(bound(c.retry));
      }
      hangRows.push([
        c.kind === 's3' ? 'S3' : 'AZURE_BLOB',
        `\`${JSON.stringify(c.retry)}\`${c.keepLogger ? ', logger left set' : ''}`,
        c.ops.join(', '),
        results.map((r) => r.elapsed).join(', '),
        bound(c.retry),
        exitAfter,
      ]);
    },
    60_000,
  );

  it('leaks no secret in any error or log line', () => {
    expect(scanner.leaks).toEqual([]);
  });
});
