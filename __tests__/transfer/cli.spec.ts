/**
 * The `stowage` CLI: exit codes scripts can trust, and the 2,000-file round trip
 * LOCAL → S3 (moto) → Azure (Azurite) → GCS (fake-gcs-server) → LOCAL through `sync`, byte for
 * byte, then nothing to copy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azuriteOptions, describeWith, gcsOptions, motoOptions } from '../conformance/cloud';
import { uniqueName } from '../conformance/harness';
import { digestTree, makeTree } from './tree';

const BIN = join(__dirname, '..', '..', 'bin', 'stowage.js');
const work = mkdtempSync(join(tmpdir(), 'stowage-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stowage(args: string[], env: Record<string, string | undefined> = {}) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('stowage CLI on local paths', () => {
  it('exits 2 on usage errors, 1 on failures, 0 otherwise', () => {
    expect(stowage([]).code).toBe(2);
    expect(stowage(['frobnicate', 'x']).code).toBe(2);
    expect(stowage(['ls']).code).toBe(2);
    expect(stowage(['cp', '--dry-run', 'a', 'b']).code).toBe(2);
    expect(stowage(['ls', 'ftp://bucket/x']).code).toBe(2);
    expect(stowage(['ls', './missing']).code).toBe(1);
    expect(stowage(['rm', './missing']).code).toBe(1);
    expect(stowage(['--help']).code).toBe(0);
  });

  it('syncs, lists, sizes, copies and removes, with --dry-run touching nothing', () => {
    const src = uniqueName('src');
    makeTree(join(work, src), 30);
    expect(stowage(['du', src]).out).toMatch(/^\d+\t30 files\t/);
    expect(stowage(['sync', '--dry-run', src, 'dst']).out).toContain('would copy 30, skipped 0, failed 0');
    expect(existsSync(join(work, 'dst'))).toBe(false);
    expect(stowage(['sync', src, 'dst']).out).toContain('copied 30, skipped 0, failed 0');
    expect(stowage(['sync', src, 'dst']).out).toContain('copied 0, skipped 30, failed 0');
    expect(stowage(['ls', '-r', 'dst']).out.split('\n').filter((l) => l.endsWith('.bin'))).toHaveLength(30);
    expect(stowage(['cp', `${src}/d1/e1/f-1.bin`, 'one/']).code).toBe(0);
    expect(existsSync(join(work, 'one', 'f-1.bin'))).toBe(true);
    expect(stowage(['rm', 'dst']).code).toBe(1); // a directory needs -r
    expect(stowage(['rm', '-r', '--dry-run', 'dst']).out).toContain('would remove 30 files');
    expect(existsSync(join(work, 'dst'))).toBe(true);
    expect(stowage(['rm', '-r', 'dst']).code).toBe(0);
    expect(existsSync(join(work, 'dst'))).toBe(false);
  });
});

/** `script` gives the CLI a terminal (a pseudo-TTY), as a person typing the command has. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

(hasScript ? describe : describe.skip)('stowage CLI on a terminal', () => {
  function onTerminal(args: string[]) {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    return { code: run.status, out: run.stdout };
  }

  it('draws a progress bar on a long copy, and none with --quiet or without a terminal', () => {
    const src = uniqueName('tty');
    makeTree(join(work, src), 40);
    const shown = onTerminal(['sync', src, uniqueName('tty-dst')]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`[${'#'.repeat(30)}] 40/40`);
    expect(shown.out).toContain('copied 40, skipped 0, failed 0');
    const quiet = onTerminal(['sync', '--quiet', src, uniqueName('tty-quiet')]);
    expect(quiet.code).toBe(0);
    expect(quiet.out).not.toContain('] 40/40');
    const piped = stowage(['sync', src, uniqueName('tty-piped')]);
    expect(piped.err).not.toContain('] 40/40');
  });
});

describeWith(motoOptions(), 'stowage sync LOCAL → s3:// (moto) → azure:// (Azurite) → gs:// (fake-gcs-server) → LOCAL', (s3) => describeWith(azuriteOptions(), 'with Azurite', (azure) => describeWith(gcsOptions(), 'with fake-gcs-server', (gcs) => {
  const env = {
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AZURE_STORAGE_CONNECTION_STRING: azure.connectionString,
    GOOGLE_APPLICATION_CREDENTIALS: gcs.credentials ?? undefined,
    GCS_ENDPOINT_URL: gcs.endpoint ?? undefined,
  };
  it('carries 2,000 files across byte for byte, and a second sync copies nothing', () => {
    const src = uniqueName('tree');
    makeTree(join(work, src), 2000);
    const key = uniqueName('cli');
    const hops = [
      [src, `s3://${s3.bucket}/${key}`],
      [`s3://${s3.bucket}/${key}`, `azure://${azure.container}/${key}`],
      [`azure://${azure.container}/${key}`, `gs://${gcs.bucket}/${key}`],
      [`gs://${gcs.bucket}/${key}`, `${src}-back`],
    ];
    for (const [from, to] of hops) {
      const run = stowage(['sync', '--concurrency', '16', from, to], env);
      expect(run).toMatchObject({ code: 0, err: '' });
      expect(run.out).toContain('copied 2000, skipped 0, failed 0');
    }
    expect(digestTree(join(work, `${src}-back`))).toEqual(digestTree(join(work, src)));
    for (const [from, to] of hops) {
      expect(stowage(['sync', '--concurrency', '16', from, to], env).out).toContain('copied 0, skipped 2000, failed 0');
    }
    expect(stowage(['du', `s3://${s3.bucket}/${key}`], env).out).toMatch(/\t2000 files\t/);
  }, 900_000);
})));
