#!/usr/bin/env node
// Usage: node scripts/check-binary.js [FILE.node ...]   (default: the *.node files in the package root)
//
// What `npm pack` and `npm publish` check before they pack (package.json "prepack"), and what
// `npm test` checks on the binary it packs: every addon is a release build and a Linux glibc one
// needs at most glibc 2.17, so a tarball never carries a 50 MB debug build that happened to be left
// by the last `npm run build:debug`, nor a binary that fails to load on an older distribution.
//
// Linux (ELF) binaries are read with `readelf` (binutils): no `.debug_*` sections and no `.symtab`
// (release builds are stripped), and the highest GLIBC_x.y symbol version they need is at most
// GLIBC_FLOOR. macOS and Windows binaries (built by the release workflow on their own OS) are checked
// by size only. With no *.node in the root, packing fails unless STOWAGE_PACK_WITHOUT_BINARY=1 (the
// release workflow's root package, whose binaries are in the per-platform packages).
'use strict';
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync, openSync, readSync, closeSync } = require('node:fs');
const { basename, join } = require('node:path');

/** Highest glibc version a linux-gnu binary may need (what napi-rs's cross toolchain targets). */
const GLIBC_FLOOR = '2.17';
/** Largest release binary that passes (the release build is about 9 MB; a debug build 50 MB). */
const MAX_BYTES = 25_000_000;

const compareVersions = (a, b) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

function isElf(file) {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    return magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

function readelf(args, file) {
  try {
    return execFileSync('readelf', [...args, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error('readelf is not installed (binutils): cannot check the binary');
    throw e;
  }
}

/** The highest GLIBC_x.y version `file` needs, or null when it needs none (musl, static). */
function glibcNeeded(file) {
  const versions = [...readelf(['-V', '-W'], file).matchAll(/\bGLIBC_([0-9]+(?:\.[0-9]+)+)\b/g)].map((m) => m[1]);
  return versions.sort(compareVersions).pop() ?? null;
}

/** Problems with one binary (empty when it may be packed) and a one-line description. */
function check(file) {
  const problems = [];
  const size = statSync(file).size;
  const mb = (size / 1e6).toFixed(1);
  const facts = [`${mb} MB`];
  if (size > MAX_BYTES) problems.push(`${mb} MB is larger than a release build (at most ${MAX_BYTES / 1e6} MB)`);
  if (isElf(file)) {
    const sections = readelf(['-S', '-W'], file);
    if (/\s\.debug_info\s/.test(sections)) problems.push('it has debug info (.debug_info): a debug build');
    if (/\s\.symtab\s/.test(sections)) problems.push('it is not stripped (.symtab)');
    const glibc = glibcNeeded(file);
    facts.push(glibc ? `needs GLIBC_${glibc}` : 'needs no glibc');
    if (glibc && compareVersions(glibc, GLIBC_FLOOR) > 0) {
      problems.push(`it needs GLIBC_${glibc}, above the floor GLIBC_${GLIBC_FLOOR} (build it with scripts/build-release.sh)`);
    }
    if (/linux-[a-z0-9]+-gnu\.node$/.test(file) && !glibc) problems.push('a linux-gnu binary that needs no glibc?');
  }
  return { problems, facts };
}

function main(argv) {
  const files = argv.length > 0 ? argv : readdirSync('.').filter((f) => f.endsWith('.node')).map((f) => join('.', f));
  if (files.length === 0) {
    if (process.env.STOWAGE_PACK_WITHOUT_BINARY === '1') return 0;
    console.error('check-binary: no *.node to pack: build the release addon first (npm run build, or bash scripts/pack.sh DIR)');
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    const { problems, facts } = check(file);
    if (problems.length === 0) {
      console.error(`check-binary: ${basename(file)}: release build, ${facts.join(', ')} (floor GLIBC_${GLIBC_FLOOR})`);
    } else {
      failed++;
      console.error(`check-binary: ${basename(file)} cannot be packed: ${problems.join('; ')}.`);
    }
  }
  if (failed > 0) console.error('check-binary: run `npm run build` (the release build) and pack again.');
  return failed > 0 ? 1 : 0;
}

module.exports = { check, glibcNeeded, GLIBC_FLOOR };
if (require.main === module) process.exitCode = main(process.argv.slice(2));
