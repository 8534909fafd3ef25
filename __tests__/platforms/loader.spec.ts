/**
 * The package entry (main.js) on a machine without a binary for its platform: the generated napi
 * loader (index.js) runs in a child process that sees another `process.platform`, `arch` and libc,
 * in a copy of the package with no .node and no per-platform package. The error names the
 * platform, the package the loader looked for (checked against what the loader itself tried) and
 * what to do; a binary that does load still loads through main.js.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const repo = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'stowage-loader-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

for (const file of ['main.js', 'index.js', 'package.json']) copyFileSync(join(repo, file), join(work, file));
// Preloaded before main.js: the platform, the CPU and the libc napi's loader decides by.
writeFileSync(
  join(work, 'pretend.js'),
  `const [platform, arch, libc] = process.env.PRETEND.split(',');
Object.defineProperty(process, 'platform', { value: platform });
Object.defineProperty(process, 'arch', { value: arch });
const getReport = process.report.getReport.bind(process.report);
process.report.getReport = () => {
  const report = getReport();
  if (libc === 'musl') delete report.header.glibcVersionRuntime;
  return report;
};
require('fs').readFileSync = ((read) => (f, ...rest) => (f === '/usr/bin/ldd' && libc === 'musl' ? 'musl libc' : read(f, ...rest)))(require('fs').readFileSync);
try {
  require('./main.js');
  console.log(JSON.stringify({ loaded: true }));
} catch (e) {
  const tried = [];
  for (let c = e.cause; c; c = c.cause) tried.push(String(c.message));
  console.log(JSON.stringify({ code: e.code, message: e.message, platform: e.platform, package: e.package, tried }));
}
`,
);

interface Outcome {
  loaded?: boolean;
  code?: string;
  message: string;
  platform?: string;
  package?: string;
  tried: string[];
}

function load(pretend: string): Outcome {
  const out = execFileSync(process.execPath, [join(work, 'pretend.js')], {
    cwd: work,
    env: { ...process.env, PRETEND: pretend, NAPI_RS_NATIVE_LIBRARY_PATH: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Outcome;
}

describe('the package entry without a binary for the platform', () => {
  it.each([
    ['darwin,arm64,', 'darwin-arm64'],
    ['darwin,x64,', 'darwin-x64'],
    ['win32,x64,', 'win32-x64-msvc'],
    ['linux,arm64,gnu', 'linux-arm64-gnu'],
    ['linux,arm64,musl', 'linux-arm64-musl'],
    ['linux,x64,musl', 'linux-x64-musl'],
    ['linux,x64,gnu', 'linux-x64-gnu'],
  ])('%s (a supported platform): names %s, its package, and how to install it', (pretend, platform) => {
    const r = load(pretend);
    expect(r.code).toBe('ERR_STOWAGE_NO_BINARY');
    expect(r.platform).toBe(platform);
    expect(r.package).toBe(`stowage-${platform}`);
    // The package named is one the generated loader really tried to require.
    expect(r.tried.some((m) => m.includes(`Cannot find module 'stowage-${platform}'`))).toBe(true);
    expect(r.message).toContain(`no native binary for this platform (${platform}, Node ${process.version})`);
    expect(r.message).toContain(`It looked for the package stowage-${platform} and the file ./stowage.${platform}.node`);
    expect(r.message).toContain('remove node_modules and package-lock.json and install again');
    expect(r.message).not.toContain('npm has a bug');
  });

  it('a platform nothing is published for (freebsd-x64) lists the supported ones and says to build from source', () => {
    const r = load('freebsd,x64,');
    expect(r.code).toBe('ERR_STOWAGE_NO_BINARY');
    expect(r.platform).toBe('freebsd-x64');
    expect(r.message).toContain('No binary is published for freebsd-x64; supported: linux-x64-gnu, linux-arm64-gnu, ');
    expect(r.message).toContain('win32-x64-msvc');
    expect(r.message).toContain('Build it from source');
  });

  it('the real binary still loads through main.js, with the same exports as index.js', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const viaMain = require(join(repo, 'main.js'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(viaMain).toBe(require(join(repo, 'index.js')));
    expect(typeof viaMain.StorageService).toBe('function');
  });

  it('an ES module imports the named exports through main.js', () => {
    const script = `import { StorageService, MemoryStorageProvider } from ${JSON.stringify(pathToFileURL(join(repo, 'main.js')).href)};
console.log(typeof StorageService, typeof MemoryStorageProvider);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('function function');
  });
});
