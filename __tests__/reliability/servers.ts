/**
 * Private test servers for the fault tests: a moto or an Azurite of this test's own, on its own
 * loopback port, from the binaries `scripts/test-servers.sh install` puts in the per-machine
 * cache. Unlike the shared servers of `test-servers.sh start`, these may be frozen, killed and
 * restarted on the same port. Every server started here is killed when the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AzureBlobStorageOptions, S3StorageOptions } from '../..';

/** The cache `scripts/test-servers.sh` installs into (same rules: STOWAGE_TOOLS_DIR, XDG_CACHE_HOME). */
export const TOOLS_DIR =
  process.env.STOWAGE_TOOLS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'stowage-test-tools');
const MOTO_BIN = join(TOOLS_DIR, 'venv', 'bin', 'moto_server');
const AZURITE_BIN = join(TOOLS_DIR, 'azurite', 'node_modules', '.bin', 'azurite-blob');

/** Why private servers cannot run here, or undefined when they can. */
export function privateServersMissing(): string | undefined {
  if (!process.env.STOWAGE_TEST_S3_ENDPOINT || !process.env.STOWAGE_TEST_AZURE_CONNECTION_STRING) {
    return 'no STOWAGE_TEST_* variables: run scripts/test-servers.sh install && start, and source .test-servers/env';
  }
  for (const bin of [MOTO_BIN, AZURITE_BIN]) {
    if (!existsSync(bin)) return `${bin} is missing: run scripts/test-servers.sh install`;
  }
  return undefined;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A free loopback port (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(200);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One server process, restartable on the same port with the same arguments. */
export class PrivateServer {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string> = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until it accepts connections (up to 30 s). */
  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.child = child;
    live.add(child);
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      live.delete(child);
      if (this.child === child) this.child = undefined;
    });
    const until = Date.now() + 30_000;
    while (!(await accepts(this.port))) {
      if (!this.child) throw new Error(`${this.name} exited at start: ${this.output}`);
      if (Date.now() > until) throw new Error(`${this.name} does not answer on port ${this.port}: ${this.output}`);
      await sleep(100);
    }
  }

  /** Sends `signal` and waits for the process to end (SIGKILL after 10 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** SIGSTOP: the process keeps its memory and its listening socket, and answers nothing. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** The last few KB the server printed (for failure messages). */
  get log(): string {
    return this.output;
  }
}

/** moto on a free port, with a bucket; it accepts any credentials, so these are long random ones. */
export async function startMoto(): Promise<{ server: PrivateServer; options: S3StorageOptions }> {
  const port = await freePort();
  const server = new PrivateServer('moto', port, MOTO_BIN, ['-H', '127.0.0.1', '-p', String(port)]);
  await server.start();
  const options = {
    bucket: 'stowage-faults',
    region: 'us-east-1',
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    endpoint: `http://127.0.0.1:${port}`,
  };
  const sdk = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });
  await sdk.send(new CreateBucketCommand({ Bucket: options.bucket }));
  sdk.destroy();
  return { server, options };
}

/**
 * Azurite on a free port, keeping its data in `location` (so a restart finds it), with an
 * account of its own (`AZURITE_ACCOUNTS`) whose key is random, and a container.
 */
export async function startAzurite(location: string): Promise<{ server: PrivateServer; options: AzureBlobStorageOptions; key: string }> {
  const port = await freePort();
  const account = 'stowagefaults';
  const key = randomBytes(64).toString('base64');
  const main = realpathSync(AZURITE_BIN);
  const server = new PrivateServer(
    'azurite',
    port,
    process.execPath,
    [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location, '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
    { AZURITE_ACCOUNTS: `${account}:${key}` },
  );
  await server.start();
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=http://127.0.0.1:${port}/${account};`;
  const container = 'stowage-faults';
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).createIfNotExists();
  return { server, options: { connectionString, container }, key };
}
