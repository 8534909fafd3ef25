/**
 * The `stowage` CLI: exit codes scripts can trust, its command line (util.parseArgs), `rm`'s
 * preserve-root refusals, escaped listings, Ctrl-C cleanup (real processes, real signals), and the
 * 2,000-file round trip LOCAL → S3 (moto) → Azure (Azurite) → GCS (fake-gcs-server) → LOCAL
 * through `sync`, byte for byte, then nothing to copy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azuriteOptions, describeWith, gcsOptions, motoOptions } from '../conformance/cloud';
import { uniqueName } from '../conformance/harness';
import { digestTree, makeTree } from './tree';

const BIN = join(__dirname, '..', '..', 'bin', 'stowage.js');
const work = mkdtempSync(join(tmpdir(), 'stowage-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stowage(args: string[], env: Record<string, string | undefined> = {}, cwd = work) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
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

  it('takes options as util.parseArgs does: --name=value, combined short flags, -- ending the options', () => {
    const src = uniqueName('args');
    makeTree(join(work, src), 12);
    expect(stowage(['sync', '--concurrency=3', src, `${src}-a`])).toMatchObject({ code: 0, err: '' });
    expect(stowage(['sync', '-q', '--concurrency', '2', src, `${src}-b`])).toMatchObject({ code: 0, out: '', err: '' });
    // -rf: recursive and force; force makes a missing location fine.
    expect(stowage(['rm', '-rf', `${src}-a`])).toMatchObject({ code: 0, err: '' });
    expect(existsSync(join(work, `${src}-a`))).toBe(false);
    expect(stowage(['rm', '-rf', `${src}-a`]).code).toBe(0);
    expect(stowage(['rm', '-r', `${src}-a`]).code).toBe(1);
    // A name that starts with "-" after --.
    writeFileSync(join(work, '-dash.txt'), 'x');
    expect(stowage(['ls', '-dash.txt']).code).toBe(2);
    expect(stowage(['ls', '--', '-dash.txt'])).toMatchObject({ code: 0, out: expect.stringMatching(/^1\t\S+\t-dash\.txt\n$/) });
    expect(stowage(['rm', '--', '-dash.txt']).code).toBe(0);
    expect(existsSync(join(work, '-dash.txt'))).toBe(false);
  });

  it('exits 2 for out-of-range or malformed options and unknown ones', () => {
    for (const bad of ['0', '-1', '257', '1.5', 'eight', '']) {
      const run = stowage(['sync', `--concurrency=${bad}`, 'a', 'b']);
      expect({ bad, code: run.code, err: run.err.split('\n')[0] }).toEqual({
        bad,
        code: 2,
        err: `stowage: --concurrency must be a whole number from 1 to 256 (got "${bad}")`,
      });
    }
    expect(stowage(['sync', '--concurrency']).code).toBe(2); // no value
    expect(stowage(['ls', '--quiet=yes', '.']).code).toBe(2);
    expect(stowage(['ls', '-x', '.']).code).toBe(2);
    expect(stowage(['ls', '--recursive-please', '.']).code).toBe(2);
  });

  it('--version prints the package version', () => {
    const { version } = require('../../package.json');
    expect(stowage(['--version'])).toEqual({ code: 0, out: `stowage ${version}\n`, err: '' });
  });

  it('ls prints entries sorted by name (byte order), also with -r', () => {
    const dir = uniqueName('sorted');
    const names = ['zeta.txt', 'Alpha.txt', 'beta', 'a.txt', 'é.txt', '_x', 'beta.txt', '10', '9'];
    mkdirSync(join(work, dir, 'sub'), { recursive: true });
    for (const name of names) writeFileSync(join(work, dir, name), 'x');
    writeFileSync(join(work, dir, 'sub', 'z'), 'x');
    writeFileSync(join(work, dir, 'sub', 'a'), 'x');
    const shown = (args: string[]) =>
      stowage(args)
        .out.trimEnd()
        .split('\n')
        .map((line) => line.split('\t')[2]);
    const byteSorted = (list: string[]) => [...list].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(shown(['ls', dir])).toEqual(byteSorted([...names, 'sub/']));
    expect(shown(['ls', '-r', dir])).toEqual(byteSorted([...names, 'sub/', 'sub/a', 'sub/z']));
  });

  it('ls escapes control characters, so a name can neither forge a line nor reach the terminal', () => {
    const dir = uniqueName('names');
    mkdirSync(join(work, dir));
    const forged = 'a\n9999\t2000-01-01T00:00:00.000Z\tforged';
    const coloured = '\x1b[31mred\x1b[0m';
    for (const name of [forged, coloured, 'tab\there', 'back\\slash', 'bell\x07', 'c1\x9b2J']) writeFileSync(join(work, dir, name), 'x');
    const run = stowage(['ls', dir]);
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines).toHaveLength(6); // one line per file, whatever the names hold
    expect(run.out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/); // only \t and \n, as separators
    const names = lines.map((line) => line.split('\t').slice(2).join('\t'));
    expect(names).toEqual(
      expect.arrayContaining([
        'a\\n9999\\t2000-01-01T00:00:00.000Z\\tforged',
        '\\x1b[31mred\\x1b[0m',
        'tab\\there',
        'back\\\\slash',
        'bell\\x07',
        'c1\\x9b2J',
      ]),
    );
  });

  it('sync --dry-run lists each file it would copy, and copies nothing', () => {
    const src = uniqueName('plan');
    const files = makeTree(join(work, src), 8);
    const dst = `${src}-dst`;
    const all = stowage(['sync', '--dry-run', src, dst]);
    expect(all.code).toBe(0);
    const lines = all.out.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual(files.map((f) => `would copy ${src}/${f}`));
    expect(lines[lines.length - 1]).toMatch(/^would copy 8, skipped 0, failed 0 \(/);
    expect(existsSync(join(work, dst))).toBe(false);
    expect(stowage(['sync', src, dst]).code).toBe(0);
    writeFileSync(join(work, src, files[3]), 'changed');
    const one = stowage(['sync', '-n', src, dst]);
    expect(one.out.split('\n').filter((l) => l.startsWith('would copy '))).toEqual([`would copy ${src}/${files[3]}`, expect.stringMatching(/^would copy 1, skipped 7, failed 0 /)]);
  });

  it('cp of a directory without -r says to use -r', () => {
    const src = uniqueName('dir');
    makeTree(join(work, src), 2);
    const run = stowage(['cp', src, `${src}-copy`]);
    expect(run).toMatchObject({ code: 1, err: `stowage: ${src}: is a directory (use -r)\n` });
    expect(existsSync(join(work, `${src}-copy`))).toBe(false);
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

describe('stowage rm refuses what rm --preserve-root refuses', () => {
  /** A sandbox: `outer/inner`, each holding a file, and the CLI run from `inner`. */
  function sandbox() {
    const outer = join(work, uniqueName('sandbox'));
    const inner = join(outer, 'inner');
    mkdirSync(inner, { recursive: true });
    writeFileSync(join(outer, 'keep-outer.txt'), 'x');
    writeFileSync(join(inner, 'keep-inner.txt'), 'x');
    return { outer, inner };
  }

  it.each([['.'], ['..'], ['./'], ['../'], ['inner/..'], ['./.']])('rm -r %s', (location) => {
    const { outer, inner } = sandbox();
    const run = stowage(['rm', '-r', location], {}, inner);
    expect(run).toEqual({ code: 1, out: '', err: `stowage: refusing to remove ${location} recursively (use --no-preserve-root to override)\n` });
    expect(stowage(['rm', '-rf', location], {}, inner).code).toBe(1);
    expect(readdirSync(outer).sort()).toEqual(['inner', 'keep-outer.txt']);
    expect(readdirSync(inner)).toEqual(['keep-inner.txt']);
  });

  it('rm -r / (only as --dry-run here: the refusal comes before any listing)', () => {
    for (const root of ['/', '//', '/..', '/./']) {
      const run = stowage(['rm', '-r', '--dry-run', root]);
      expect(run).toEqual({ code: 1, out: '', err: `stowage: refusing to remove ${root} recursively (use --no-preserve-root to override)\n` });
    }
  });

  it('a bucket or a container itself, before any request', () => {
    // The endpoint is a closed port: a request would fail with EIO, not with the refusal.
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    for (const location of ['s3://bucket', 's3://bucket/', 's3://bucket/.']) {
      expect(stowage(['rm', '-r', location], env)).toMatchObject({ code: 1, err: `stowage: refusing to remove ${location} recursively (use --no-preserve-root to override)\n` });
    }
  });

  it('--no-preserve-root lets it through', () => {
    const { inner } = sandbox();
    const run = stowage(['rm', '-r', '--no-preserve-root', '--dry-run', '.'], {}, inner);
    expect(run).toMatchObject({ code: 0, out: 'would remove ./keep-inner.txt\nwould remove 1 files\n' });
  });
});

describe('stowage cp -r and sync interrupted', () => {
  /** A tree of one sparse file of `size` bytes (no disk used), slow enough to stop mid-copy. */
  function bigTree(size: number) {
    const src = join(work, uniqueName('big'));
    mkdirSync(src);
    const fd = openSync(join(src, 'big.bin'), 'w');
    ftruncateSync(fd, size);
    closeSync(fd);
    return src;
  }

  /** Starts `stowage args`, sends `signal` once a file that is not in `expected` appears in `dir`. */
  function interruptMidCopy(args: string[], dir: string, signal: NodeJS.Signals) {
    return new Promise<{ code: number | null; signal: string | null; err: string; sawTemp: boolean }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let sawTemp = false;
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const poll = setInterval(() => {
        const names = existsSync(dir) ? readdirSync(dir) : [];
        if (names.some((n) => n !== 'big.bin')) {
          sawTemp = true;
          clearInterval(poll);
          child.kill(signal);
        }
      }, 2);
      child.on('exit', (code, sig) => {
        clearInterval(poll);
        resolve({ code, signal: sig, err, sawTemp });
      });
    });
  }

  it('Ctrl-C (SIGINT) stops cp -r cleanly: exit 130, no temp file left', async () => {
    const src = bigTree(2 * 1024 ** 3);
    const dst = `${src}-copy`;
    const run = await interruptMidCopy(['cp', '-r', '--concurrency', '1', src, dst], dst, 'SIGINT');
    expect(run).toEqual({ code: 130, signal: null, err: 'stowage: interrupted\n', sawTemp: true });
    expect(readdirSync(dst)).toEqual([]); // the copy in flight left nothing, not even a hidden temp file
  }, 120_000);

  it('a later sync removes the temp file a killed copy left (SIGKILL: no chance to clean up)', async () => {
    const src = bigTree(2 * 1024 ** 3);
    const dst = `${src}-copy`;
    const run = await interruptMidCopy(['cp', '-r', src, dst], dst, 'SIGKILL');
    expect(run).toMatchObject({ signal: 'SIGKILL', sawTemp: true });
    const left = readdirSync(dst).filter((n) => n !== 'big.bin');
    expect(left).toHaveLength(1);
    rmSync(join(src, 'big.bin'));
    writeFileSync(join(src, 'small.txt'), 'x');
    // A temp file changed within the last minute may belong to a write in flight: sync leaves it.
    const fresh = stowage(['sync', src, dst]);
    expect(fresh).toMatchObject({ code: 0, out: 'copied 1, skipped 0, failed 0 (1 B)\n', err: '' });
    expect(readdirSync(dst).sort()).toEqual([left[0], 'small.txt'].sort());
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(join(dst, left[0]), old, old);
    const later = stowage(['sync', src, dst]);
    expect(later).toMatchObject({ code: 0, out: 'copied 0, skipped 1, failed 0 (0 B), removed 1 leftover temp files\n', err: '' });
    expect(readdirSync(dst)).toEqual(['small.txt']);
  }, 120_000);
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
