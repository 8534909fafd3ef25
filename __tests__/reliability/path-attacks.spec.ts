/**
 * Path attacks: a table of vectors run against every target (LOCAL with a root, MEMORY, and S3
 * on moto and Azure Blob on Azurite when the test servers run). Every operation with a vector is
 * refused with EACCES or EINVAL and changes nothing, or, for the vectors that are harmless literal
 * names (percent-encoding, a dot leader inside a name, a trailing dot), stores exactly that name
 * inside the root. A canary tree outside the root is byte-for-byte unchanged afterwards. On the
 * object stores the root is a key prefix three levels down (`<run>/a/b/root`) and the canary is
 * every other key of the run (siblings and parents of the prefix, markers included), fingerprinted
 * through the official SDK after every vector; a literal name is read back through the SDK at
 * exactly `prefix/name`.
 *
 * Decisions (README "Paths"): percent signs stay literal; a segment made only of dots, spaces
 * and dot lookalikes (U+2024, U+2025, U+2026, U+FE52, U+FF0E: NFKC gives `.`/`..`) is EINVAL;
 * slash lookalikes (U+2215, U+2044, U+FF0F, U+29F8, U+2571, U+FE68, U+FF3C, U+2216, U+29F9) are
 * EINVAL anywhere; a trailing dot or space after other characters is a literal name; a drive
 * letter (`C:/x`) is EINVAL, Windows device names and `<>:"|?*` are literal names (on Linux).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from './canary';
import { table, writeSection } from './report';
import { SecretScanner } from './secrets';
import { azureTarget, localTarget, memoryTarget, plantLinks, s3Target, workspace, type AttackTarget } from './targets';
import { azuriteOptions, motoOptions } from '../conformance/cloud';

type Outcome = 'EACCES' | 'EINVAL' | 'LITERAL';
interface Vector {
  group: string;
  path: (t: AttackTarget, canary: string) => string;
  /** One outcome, or one per kind of target. */
  expect: Outcome | { rooted: Outcome; keyed: Outcome };
  /** Needs symbolic links (LOCAL only). */
  links?: boolean;
}

const v = (group: string, path: string | Vector['path'], expect: Vector['expect'], links = false): Vector => ({
  group,
  path: typeof path === 'string' ? () => path : path,
  expect,
  links,
});
const outside = { rooted: 'EACCES', keyed: 'LITERAL' } as const;

const VECTORS: Vector[] = [
  // `..` in every position
  v('dot-dot', '..', 'EACCES'),
  v('dot-dot', '../x', 'EACCES'),
  v('dot-dot', '../../etc/passwd', 'EACCES'),
  v('dot-dot', 'a/..', 'EACCES'),
  v('dot-dot', 'a/../x', 'EACCES'),
  v('dot-dot', 'a/../../x', 'EACCES'),
  v('dot-dot', 'a/b/../../../canary/secret.txt', 'EACCES'),
  v('dot-dot', './..', 'EACCES'),
  v('dot-dot', './../x', 'EACCES'),
  v('dot-dot', 'a/./../../x', 'EACCES'),
  v('dot-dot', '/..', 'EACCES'),
  v('dot-dot', '//..//x', 'EACCES'),
  v('dot-dot', 'a//..//..//x', 'EACCES'),
  v('dot-dot', 'a/../', 'EACCES'),
  v('dot-dot', (t) => `${t.root}/..`, 'EACCES'),
  v('dot-dot', (t) => `${t.root}/../canary/secret.txt`, 'EACCES'),
  v('dot-dot', (t) => `${t.root}/a/../../canary`, 'EACCES'),
  v('dot-dot', `x${'/..'.repeat(50)}`, 'EACCES'),
  v('dot-dot', `${'../'.repeat(40)}etc/passwd`, 'EACCES'),
  v('dot-dot', '../'.repeat(5000), 'EACCES'),
  // absolute paths outside the root (on a key space they are keys inside it)
  v('absolute', '/etc/passwd', outside),
  v('absolute', (_t, canary) => join(canary, 'secret.txt'), outside),
  v('absolute', (_t, canary) => join(canary, 'dir', 'new.txt'), outside),
  v('absolute', (t) => `${t.root}-sibling/x`, outside),
  v('absolute', (t) => `${t.root}x`, outside),
  v('absolute', '/proc/self/root/etc/passwd', outside),
  v('absolute', '/dev/null', outside),
  v('absolute', '/var/log/syslog', outside),
  v('absolute', '~/x', 'LITERAL'),
  // backslashes
  v('backslash', '..\\x', 'EINVAL'),
  v('backslash', 'a\\..\\..\\x', 'EINVAL'),
  v('backslash', '\\etc\\passwd', 'EINVAL'),
  v('backslash', 'C:\\Windows\\win.ini', 'EINVAL'),
  v('backslash', '\\\\server\\share\\x', 'EINVAL'),
  v('backslash', 'a/..\\..\\x', 'EINVAL'),
  v('backslash', 'name\\', 'EINVAL'),
  // Windows: drive letters are refused everywhere; device names, a trailing dot and <>:"|?* are
  // literal names here (LOCAL with a root refuses them only on Windows: crates/core/src/path.rs)
  v('windows', 'C:/Windows/win.ini', 'EINVAL'),
  v('windows', 'c:x', 'EINVAL'),
  v('windows', '/D:/x', { rooted: 'EACCES', keyed: 'EINVAL' }),
  v('windows', 'CON', 'LITERAL'),
  v('windows', 'nul.txt', 'LITERAL'),
  v('windows', 'COM1/x', 'LITERAL'),
  v('windows', 'file.txt:stream', 'LITERAL'),
  v('windows', 'what?*', 'LITERAL'),
  // percent-encoding: literal names, never decoded
  v('percent', '%2e%2e/x', 'LITERAL'),
  v('percent', '%2e%2e%2fx', 'LITERAL'),
  v('percent', '..%2fx', 'LITERAL'),
  v('percent', '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', 'LITERAL'),
  v('percent', '%252e%252e/x', 'LITERAL'),
  v('percent', '..%c0%af', 'LITERAL'),
  v('percent', '%00', 'LITERAL'),
  v('percent', '%5c..%5cx', 'LITERAL'),
  // NUL and other control characters
  v('control', 'a\0b', 'EINVAL'),
  v('control', '\0', 'EINVAL'),
  v('control', 'x\0/../../etc/passwd', 'EINVAL'),
  v('control', 'a\nb', 'EINVAL'),
  v('control', 'a\rb', 'EINVAL'),
  v('control', 'a\tb', 'EINVAL'),
  v('control', '\x1b[31mred', 'EINVAL'),
  v('control', 'a\x7fb', 'EINVAL'),
  v('control', 'a\u0085b', 'EINVAL'),
  v('control', 'a\u009bb', 'EINVAL'),
  v('control', '', 'EINVAL'),
  // very long names and paths
  v('long', 'x'.repeat(256), 'EINVAL'),
  v('long', 'é'.repeat(128), 'EINVAL'),
  v('long', 'x'.repeat(255), 'LITERAL'),
  v('long', `${'d/'.repeat(2100)}f`, 'EINVAL'),
  v('long', `${`${'n'.repeat(200)}/`.repeat(6)}f`, { rooted: 'LITERAL', keyed: 'EINVAL' }),
  v('long', 'a/'.repeat(100_000), 'EINVAL'),
  // trailing dots and spaces
  v('dots-spaces', '...', 'EINVAL'),
  v('dots-spaces', '.. ', 'EINVAL'),
  v('dots-spaces', '. .', 'EINVAL'),
  v('dots-spaces', ' ', 'EINVAL'),
  v('dots-spaces', 'a/.../x', 'EINVAL'),
  v('dots-spaces', '.. /x', 'EINVAL'),
  v('dots-spaces', 'x/ ../y', 'EINVAL'),
  v('dots-spaces', 'file.', 'LITERAL'),
  v('dots-spaces', 'file ', 'LITERAL'),
  v('dots-spaces', 'dir./x', 'LITERAL'),
  // unicode lookalikes
  v('lookalike', '\u2025/x', 'EINVAL'),
  v('lookalike', '\u2024\u2024/x', 'EINVAL'),
  v('lookalike', '\uFF0E\uFF0E/x', 'EINVAL'),
  v('lookalike', '\uFE52\uFE52/etc', 'EINVAL'),
  v('lookalike', '\u2026/x', 'EINVAL'),
  v('lookalike', 'a/\u2025/\u2025/x', 'EINVAL'),
  v('lookalike', '.\uFF0E/x', 'EINVAL'),
  v('lookalike', '..\u2215..\u2215x', 'EINVAL'),
  v('lookalike', '\u2215etc\u2215passwd', 'EINVAL'),
  v('lookalike', 'a\uFF0F..\uFF0Fx', 'EINVAL'),
  v('lookalike', '\u2044..', 'EINVAL'),
  v('lookalike', '\uFF3C..\uFF3Cx', 'EINVAL'),
  v('lookalike', 'a\u2024b', 'LITERAL'),
  v('lookalike', '\u202Etxt.exe', 'LITERAL'),
  v('lookalike', '\u200B../x', 'LITERAL'),
  // symbolic links (LOCAL): to files and directories outside, chains, loops, magic links
  v('symlink', 'file-link', 'EACCES', true),
  v('symlink', 'dir-link', 'EACCES', true),
  v('symlink', 'dir-link/inner.txt', 'EACCES', true),
  v('symlink', 'dir-link/new.txt', 'EACCES', true),
  v('symlink', 'rel-link/secret.txt', 'EACCES', true),
  v('symlink', 'chain-1/inner.txt', 'EACCES', true),
  v('symlink', 'inside/up-link/canary/secret.txt', 'EACCES', true),
  v('symlink', 'inside/nested/deep-up-link/inner.txt', 'EACCES', true),
  v('symlink', 'loop-a', 'EACCES', true),
  v('symlink', 'proc-link/x', 'EACCES', true),
  v('symlink', 'dotdot-abs-link/secret.txt', 'EACCES', true),
  v('symlink', 'slash-link/etc/passwd', 'EACCES', true),
  v('symlink', (t) => `${t.root}/dir-link/deeper/deep.bin`, 'EACCES', true),
];

/** Every operation, with a path. */
const OPERATIONS: Array<[string, (t: AttackTarget, path: string) => Promise<unknown>]> = [
  ['writeFile', (t, p) => t.provider.writeFile(p, 'attack')],
  ['readFile', (t, p) => t.provider.readFile(p)],
  ['getFileStats', (t, p) => t.provider.getFileStats(p)],
  ['fileExists', (t, p) => t.provider.fileExists(p)],
  ['directoryExists', (t, p) => t.provider.directoryExists(p)],
  ['listFiles', (t, p) => t.provider.listFiles(p)],
  ['ensureDirectory', (t, p) => t.provider.ensureDirectory(p)],
  ['deleteFile', (t, p) => t.provider.deleteFile(p)],
  ['deleteDirectory', (t, p) => t.provider.deleteDirectory(p, { recursive: true, force: true })],
  ['deleteOldFiles', (t, p) => t.provider.deleteOldFiles(p, new Date(Date.now() + 86_400_000))],
];

const space = workspace('stowage-attack-');
const scanner = new SecretScanner();
const stopLogs = scanner.captureLogs();
const results: Array<{ target: string; group: string; outcome: string; ok: boolean }> = [];
let raceFigures = '';
const outsideFigures: string[] = [];
let canaryBefore = '';

beforeAll(() => {
  plantLinks(space.root, space.canary);
  canaryBefore = fingerprint(space.canary);
});

afterAll(() => {
  stopLogs();
  if (results.length < VECTORS.length) return space.dispose(); // a filtered run: keep the last full figures
  const groups = [...new Set(VECTORS.map((x) => x.group))];
  const targets = [...new Set(results.map((r) => r.target))];
  const rows = groups.map((g) => {
    const count = VECTORS.filter((x) => x.group === g).length;
    return [
      g,
      count,
      ...targets.map((t) => {
        const mine = results.filter((r) => r.target === t && r.group === g);
        if (mine.length === 0) return 'n/a';
        const tally = new Map<string, number>();
        for (const r of mine) tally.set(r.outcome, (tally.get(r.outcome) ?? 0) + 1);
        const failed = mine.filter((r) => !r.ok).length;
        return `${[...tally].map(([o, n]) => `${n} ${o}`).join(', ')}${failed ? `, **${failed} unexpected**` : ''}`;
      }),
    ];
  });
  writeSection(
    'path-attacks',
    10,
    'Path attacks',
    `${VECTORS.length} vectors × ${OPERATIONS.length} operations per target (\`__tests__/reliability/path-attacks.spec.ts\`). ` +
      `A vector counts as EACCES/EINVAL when every operation was refused with that code and the stored tree did not change; ` +
      `LITERAL when it was stored under exactly that name inside the root. The canary tree outside the root was ` +
      `${fingerprint(space.canary) === canaryBefore ? 'byte-for-byte unchanged' : '**CHANGED**'} afterwards` +
      (outsideFigures.length
        ? ` and so were the object stores' canaries, keys outside the provider's \`prefix\` (siblings and parents of it), ` +
          `listed with their ETags through the official SDK after every vector (${outsideFigures.join('; ')}); `
        : '; ') +
      `${scanner.scanned} errors and log lines scanned for secrets, ${scanner.leaks.length} leaks.\n\n` +
      `${table(['group', 'vectors', ...targets], rows)}\n\n${raceFigures}`,
  );
  space.dispose();
});

function targetsFor(): AttackTarget[] {
  const moto = motoOptions();
  const azurite = azuriteOptions();
  const targets = [localTarget(space.root), memoryTarget()];
  if (moto) targets.push(s3Target(moto));
  if (azurite) targets.push(azureTarget(azurite));
  for (const t of targets) scanner.add(...(t.secrets ?? []));
  return targets;
}

if (!motoOptions() || !azuriteOptions()) {
  describe.skip('path attacks on S3 and Azure Blob (no test servers: run scripts/test-servers.sh start and source .test-servers/env)', () => {
    it('is skipped', () => undefined);
  });
}

describe.each(targetsFor().map((t) => [t.name, t] as const))('path attacks on %s', (_name, t) => {
  let outsideBefore = '';
  beforeAll(async () => {
    await t.setup?.();
    outsideBefore = (await t.outside?.()) ?? '';
  });
  afterAll(async () => {
    if (t.outside) {
      const after = await t.outside();
      outsideFigures.push(`${t.name}: ${after.split(' ')[0]} canary keys ${after === outsideBefore ? 'unchanged' : '**CHANGED**'}`);
    }
    await t.teardown?.();
  });

  it(`has at least 60 vectors for ${t.name}`, () => {
    expect(VECTORS.filter((x) => !x.links || t.links).length).toBeGreaterThanOrEqual(60);
  });

  it.each(VECTORS.map((x, i) => [i, JSON.stringify(x.path(t, space.canary)).slice(0, 60), x] as const))(
    'vector %i %s',
    async (_i, _label, vector) => {
      if (vector.links && !t.links) return;
      const path = vector.path(t, space.canary);
      const expected = typeof vector.expect === 'string' ? vector.expect : vector.expect[t.kind];
      let ok: boolean;
      if (expected === 'LITERAL') {
        ok = await literal(t, path);
      } else {
        const before = await t.snapshot();
        const codes = [];
        for (const [, op] of OPERATIONS) codes.push(await scanner.codeOf(() => op(t, path), `${t.name} ${vector.group}`));
        expect(codes).toEqual(OPERATIONS.map(() => expected));
        expect(await t.snapshot()).toBe(before);
        ok = codes.every((c) => c === expected);
      }
      results.push({ target: t.name, group: vector.group, outcome: expected, ok });
      expect(fingerprint(space.canary)).toBe(canaryBefore);
      if (t.outside) expect(await t.outside()).toBe(outsideBefore);
    },
  );

  it('leaks no secret in any error or log line', () => {
    if (t.secrets) expect(scanner.count).toBeGreaterThanOrEqual(t.secrets.length);
    expect(scanner.leaks).toEqual([]);
  });
});

/** A harmless vector: stored under exactly that name, inside the root, and removable again. */
async function literal(t: AttackTarget, path: string): Promise<boolean> {
  const p = t.provider;
  await p.writeFile(path, `literal ${path}`);
  expect((await p.readFile(path)).toString()).toBe(`literal ${path}`);
  const parts = path.split('/').filter((s) => s && s !== '.');
  const dir = `${path.startsWith('/') ? '/' : './'}${parts.slice(0, -1).join('/')}`;
  expect(await p.listFiles(dir)).toContain(parts[parts.length - 1]);
  if (t.landed) expect((await t.landed(parts))?.toString()).toBe(`literal ${path}`);
  const os = t.osPath(path);
  if (os) {
    expect(statSync(os).isFile()).toBe(true);
    expect(realpathSync(os).startsWith(`${realpathSync(t.root)}/`)).toBe(true);
  }
  await p.deleteFile(path);
  expect(await p.fileExists(path)).toBe(false);
  return true;
}

describe('a link swapped in between a check and its use (LOCAL)', () => {
  it('never reaches the canary while a directory and an outside link trade places', async () => {
    const t = localTarget(space.root);
    mkdirSync(join(space.root, 'swap'), { recursive: true });
    const stopFile = join(tmpdir(), `stowage-swap-stop-${process.pid}-${Date.now()}`);
    const before = fingerprint(space.canary);
    // The swapper runs in its own process, so it really races the addon's blocking threads.
    const swapper = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); const [dir, link, parked, target, ms, stop] = process.argv.slice(1);
       try { fs.symlinkSync(target, link); } catch {}
       let swaps = 0; const end = Date.now() + Number(ms);
       const hold = () => { const until = process.hrtime.bigint() + BigInt(Math.floor(Math.random() * 200_000)); while (process.hrtime.bigint() < until); };
       // While \`dir\` is away, a write through it can make it again (parents are created): then
       // that new directory is removed so the swap goes on, instead of every rename failing.
       const into = (from) => {
         for (let tries = 0; ; tries++) {
           try { return fs.renameSync(from, dir); } catch (e) { if (tries > 50) throw e; }
           try { if (!fs.lstatSync(dir).isSymbolicLink()) fs.rmSync(dir, { recursive: true, force: true }); } catch {}
         }
       };
       while (Date.now() < end && !fs.existsSync(stop)) {
         try { fs.renameSync(dir, parked); into(link); swaps++; hold();
               fs.renameSync(dir, link); into(parked); swaps++; hold(); } catch {}
       }
       process.stdout.write(String(swaps));`,
      join(space.root, 'swap'),
      join(space.root, 'swap-link'),
      join(space.root, 'swap-parked'),
      join(space.canary, 'dir'),
      '30000',
      stopFile,
    ]);
    let swaps = '';
    swapper.stdout.on('data', (d) => (swaps += d));
    const exited = new Promise((resolve) => swapper.on('exit', resolve));
    await new Promise((r) => setTimeout(r, 200));

    const tally = new Map<string, number>();
    const count = (code: string) => tally.set(code, (tally.get(code) ?? 0) + 1);
    const ops: Array<(i: number) => Promise<unknown>> = [
      (i) => t.provider.writeFile(`swap/inner.txt`, `overwrite ${i}`),
      (i) => t.provider.writeFile(`swap/new-${i % 7}.txt`, 'new'),
      () => t.provider.readFile('swap/inner.txt'),
      () => t.provider.deleteFile('swap/inner.txt'),
      () => t.provider.listFiles('swap'),
      () => t.provider.ensureDirectory('swap/deeper/made'),
      () => t.provider.deleteDirectory('swap/deeper', { recursive: true, force: true }),
      () => t.provider.deleteOldFiles('swap', new Date(Date.now() + 86_400_000)),
      () => t.provider.getFileStats('swap/inner.txt'),
    ];
    const started = Date.now();
    let calls = 0;
    // At least 5 s, and on until the race has both met the link and got through (a loaded
    // machine can starve either side for a while), 25 s at most.
    const metBoth = () => (tally.get('OK') ?? 0) > 0 && (tally.get('EACCES') ?? 0) > 0;
    const worker = async () => {
      while (Date.now() - started < 5000 || (!metBoth() && Date.now() - started < 25_000)) {
        const i = calls++;
        count(await scanner.codeOf(() => ops[i % ops.length](i), 'race'));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    writeFileSync(stopFile, '');
    await exited;
    rmSync(stopFile, { force: true });

    expect(fingerprint(space.canary)).toBe(before);
    expect(Number(swaps)).toBeGreaterThan(100);
    expect(tally.get('OK') ?? 0).toBeGreaterThan(0);
    expect(tally.get('EACCES') ?? 0).toBeGreaterThan(0); // the link was met, and refused
    for (const code of tally.keys()) expect(['OK', 'EACCES', 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EEXIST']).toContain(code);
    raceFigures =
      `**Swap race (LOCAL):** a separate process swapped \`root/swap\` and a link to \`canary/dir\` ${swaps} times in ${((Date.now() - started) / 1000).toFixed(0)} s ` +
      `while 8 concurrent loops made ${calls} calls through \`swap/\` (writes, reads, deletes, listings, recursive deletes): ` +
      `${[...tally].sort().map(([c, n]) => `${n} ${c}`).join(', ')}. The canary stayed byte-for-byte unchanged.`;
  });
});
