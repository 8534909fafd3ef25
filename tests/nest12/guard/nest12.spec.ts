// Guards the Nest 12 run itself: the specs copied next to this one must see NestJS 12 and the
// packed stowage, not the repo's NestJS 11 or its sources.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function packageJsonOf(entry: string): { name: string; version: string } {
  let dir = dirname(require.resolve(entry));
  while (!dir.endsWith(join('node_modules', ...entry.split('/').slice(0, entry.startsWith('@') ? 2 : 1)))) {
    dir = dirname(dir);
  }
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

describe('the Nest 12 test run', () => {
  it('runs on Node 24 or newer', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it.each(['@nestjs/common', '@nestjs/core', '@nestjs/testing', '@nestjs/config'])('loads %s 12', (name) => {
    expect(require.resolve(name)).toContain(join('tests', 'nest12', 'node_modules'));
    expect(packageJsonOf(name).version).toMatch(/^12\./);
  });

  it('loads stowage/nest from the installed tarball', () => {
    expect(require.resolve('stowage/nest')).toContain(join('tests', 'nest12', 'node_modules', 'stowage', 'dist'));
  });
});
