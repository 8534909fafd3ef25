/**
 * The providers the reliability suite attacks. Each target says how its root looks to callers
 * and how to snapshot everything it stores; S3 and Azure are targets like the others, with their
 * secrets (which the specs register on the scanner) and a canary of keys outside their prefix.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  AzureBlobStorageProvider,
  LocalStorageProvider,
  MemoryStorageProvider,
  S3StorageProvider,
  type AzureBlobStorageOptions,
  type IStorageProvider,
  type S3StorageOptions,
} from '../..';
import { fingerprint, plantCanary } from './canary';

export interface AttackTarget {
  name: string;
  /** `rooted`: a filesystem root (absolute paths outside it are EACCES); `keyed`: a key space (a leading `/` is dropped). */
  kind: 'rooted' | 'keyed';
  provider: IStorageProvider;
  /** The root as an absolute path callers may use ('' for key spaces). */
  root: string;
  /** True when the target can hold symbolic links (LOCAL). */
  links: boolean;
  /** A fingerprint of everything stored, to show a refused call changed nothing. */
  snapshot(): Promise<string>;
  /** Where a literal name ended up, as an OS path under the root (LOCAL), or null. */
  osPath(path: string): string | null;
  /** Credentials the target was configured with: none may show in an error or a log line. */
  secrets?: string[];
  /** Object stores: plants the canary keys outside the prefix. */
  setup?(): Promise<void>;
  /** Object stores: a fingerprint (keys, sizes, ETags) of every canary key outside the prefix, read through the SDK. */
  outside?(): Promise<string>;
  /** Object stores: the bytes stored under `root prefix + segments`, read through the SDK (null when missing). */
  landed?(segments: string[]): Promise<Buffer | null>;
  /** Object stores: removes everything this target stored. */
  teardown?(): Promise<void>;
}

/** A work directory holding `root/` (the attacked root) and `canary/` (outside it). */
export function workspace(prefix: string): { work: string; root: string; canary: string; dispose(): void } {
  const work = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const root = join(work, 'root');
  const canary = join(work, 'canary');
  mkdirSync(root, { recursive: true });
  plantCanary(canary);
  return { work, root, canary, dispose: () => rmSync(work, { recursive: true, force: true }) };
}

/** Symbolic links inside `root` that lead outside (to `canary`), and a few that stay inside. */
export function plantLinks(root: string, canary: string): void {
  mkdirSync(join(root, 'inside', 'nested'), { recursive: true });
  symlinkSync(join(canary, 'secret.txt'), join(root, 'file-link'));
  symlinkSync(join(canary, 'dir'), join(root, 'dir-link'));
  symlinkSync('../canary', join(root, 'rel-link'));
  symlinkSync('chain-2', join(root, 'chain-1'));
  symlinkSync(join(root, 'chain-3'), join(root, 'chain-2'));
  symlinkSync('rel-link/dir', join(root, 'chain-3'));
  symlinkSync('../..', join(root, 'inside', 'up-link'));
  symlinkSync('../../../canary/dir', join(root, 'inside', 'nested', 'deep-up-link'));
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
  symlinkSync('/proc/self/cwd', join(root, 'proc-link'));
  symlinkSync(`${root}/../canary/`, join(root, 'dotdot-abs-link'));
  symlinkSync('/', join(root, 'slash-link'));
  symlinkSync(join(root, 'inside'), join(root, 'inside-abs-link'));
}

function treeOf(provider: IStorageProvider): () => Promise<string> {
  return async () => {
    const lines: string[] = [];
    const walk = async (dir: string) => {
      for (const name of await provider.listFiles(dir)) {
        const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
        if (await provider.directoryExists(path)) {
          lines.push(`${path}/`);
          await walk(path);
        } else {
          lines.push(`${path} ${(await provider.readFile(path)).toString('base64')}`);
        }
      }
    };
    await walk('/');
    return lines.join('\n');
  };
}

export function localTarget(root: string): AttackTarget {
  return {
    name: 'LOCAL (root)',
    kind: 'rooted',
    provider: new LocalStorageProvider({ root }),
    root,
    links: true,
    snapshot: async () => fingerprint(root),
    osPath: (path) => (path.startsWith('/') ? path : join(root, path)),
  };
}

export function memoryTarget(): AttackTarget {
  const provider = new MemoryStorageProvider();
  return { name: 'MEMORY', kind: 'keyed', provider, root: '', links: false, snapshot: treeOf(provider), osPath: () => null };
}

/** The key layout of an object-store target: the prefix sits three levels down in a run of its own. */
interface ObjectStoreLayout {
  run: string;
  prefix: string;
  /** Keys outside the prefix (a trailing `/` is a directory marker); content is the key. */
  canary: string[];
}

function objectLayout(label: string): ObjectStoreLayout {
  const run = `attack-${label}-${process.pid}-${Date.now().toString(36)}`;
  return {
    run,
    prefix: `${run}/a/b/root`,
    canary: [
      `${run}/secret.txt`,
      `${run}/a/x`,
      `${run}/a/b/x`,
      `${run}/a/b/rootx`,
      `${run}/a/b/root-sibling/x`,
      `${run}/a/b/root.txt`,
      `${run}/canary/secret.txt`,
      `${run}/canary/dir/inner.txt`,
      `${run}/canary/dir/deeper/deep.bin`,
      `${run}/canary/empty/`,
    ],
  };
}

/** What the canary's fingerprint is made of: every key under the run except the root's. */
function canaryPrint(entries: Array<{ key: string; size: number; etag: string }>, layout: ObjectStoreLayout): string {
  const hash = createHash('sha256');
  const lines = entries
    .filter((e) => !e.key.startsWith(`${layout.prefix}/`))
    .map((e) => `${e.key}|${e.size}|${e.etag}`)
    .sort();
  hash.update(lines.join('\n'));
  return `${lines.length} keys ${hash.digest('hex')}`;
}

/** Plants the canary through an unprefixed Stowage provider (markers through ensureDirectory). */
async function plantObjectCanary(outer: IStorageProvider, layout: ObjectStoreLayout): Promise<void> {
  for (const key of layout.canary) {
    if (key.endsWith('/')) await outer.ensureDirectory(key);
    else await outer.writeFile(key, `the canary: ${key}`);
  }
}

/** S3 (moto): long random credentials (moto takes any), so the scanner has real secrets to look for. */
export function s3Target(options: S3StorageOptions, name = 'S3 (moto)'): AttackTarget {
  const layout = objectLayout('s3');
  const creds = {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  const full = { ...options, ...creds };
  const provider = new S3StorageProvider({ ...full, prefix: layout.prefix });
  const outer = new S3StorageProvider(full);
  const sdk = new S3Client({ region: options.region, endpoint: options.endpoint, forcePathStyle: true, credentials: creds });
  const list = async () => {
    const out: Array<{ key: string; size: number; etag: string }> = [];
    let token: string | undefined;
    do {
      const page = await sdk.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: `${layout.run}/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '' });
      token = page.NextContinuationToken;
    } while (token);
    return out;
  };
  return {
    name,
    kind: 'keyed',
    provider,
    root: '',
    links: false,
    snapshot: treeOf(provider),
    osPath: () => null,
    secrets: [creds.accessKeyId, creds.secretAccessKey],
    setup: () => plantObjectCanary(outer, layout),
    outside: async () => canaryPrint(await list(), layout),
    landed: async (segments) => {
      try {
        const got = await sdk.send(new GetObjectCommand({ Bucket: options.bucket, Key: `${layout.prefix}/${segments.join('/')}` }));
        return Buffer.from(await got.Body!.transformToByteArray());
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchKey') return null;
        throw e;
      }
    },
    teardown: async () => {
      await outer.deleteDirectory(layout.run, { recursive: true, force: true });
      sdk.destroy();
    },
  };
}

/** Azure Blob (Azurite): its key is the connection string's AccountKey. */
export function azureTarget(options: AzureBlobStorageOptions, name = 'AZURE_BLOB (Azurite)'): AttackTarget {
  const layout = objectLayout('az');
  const provider = new AzureBlobStorageProvider({ ...options, prefix: layout.prefix });
  const outer = new AzureBlobStorageProvider(options);
  const container = BlobServiceClient.fromConnectionString(options.connectionString!).getContainerClient(options.container!);
  const list = async () => {
    const out: Array<{ key: string; size: number; etag: string }> = [];
    for await (const b of container.listBlobsFlat({ prefix: `${layout.run}/` })) {
      out.push({ key: b.name, size: b.properties.contentLength ?? 0, etag: b.properties.etag ?? '' });
    }
    return out;
  };
  const accountKey = /AccountKey=([^;]+)/.exec(options.connectionString ?? '')?.[1];
  return {
    name,
    kind: 'keyed',
    provider,
    root: '',
    links: false,
    snapshot: treeOf(provider),
    osPath: () => null,
    secrets: [options.connectionString ?? '', accountKey ?? ''],
    setup: () => plantObjectCanary(outer, layout),
    outside: async () => canaryPrint(await list(), layout),
    landed: async (segments) => {
      const blob = container.getBlobClient(`${layout.prefix}/${segments.join('/')}`);
      return (await blob.exists()) ? blob.downloadToBuffer() : null;
    },
    teardown: () => outer.deleteDirectory(layout.run, { recursive: true, force: true }),
  };
}
