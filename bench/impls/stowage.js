// Stowage's LocalStorageProvider from a release build of the addon (bench/.build, see README),
// or the .node that STOWAGE_NODE names (e.g. a debug build while profiling).
'use strict';

const { join, dirname } = require('node:path');
const { existsSync, readdirSync } = require('node:fs');

function addonPath() {
  if (process.env.STOWAGE_NODE) return process.env.STOWAGE_NODE;
  const dir = join(__dirname, '..', '.build');
  const node = readdirSync(dir).find((f) => f.endsWith('.node'));
  if (!node) throw new Error(`no .node in ${dir}: run the release build (bench/README.md)`);
  return join(dir, node);
}

/**
 * The addon at `node`, given the package's hand-written layer as the package entry gives it: the
 * lib/ built beside it (bench/build.sh copies HEAD's), else the repository's. An addon from
 * before that layer existed (a baseline) needs none and is returned as it is.
 */
function load(node) {
  const besides = join(dirname(node), 'lib');
  const lib = existsSync(join(besides, 'index.js')) ? besides : join(__dirname, '..', '..', 'lib');
  return require(join(lib, 'index.js')).attach(require(node));
}

function create(base, options = {}, node = addonPath()) {
  const { LocalStorageProvider } = load(node);
  const p = new LocalStorageProvider(options);
  return {
    name: 'stowage',
    ensureDirectory: (path) => p.ensureDirectory(path),
    directoryExists: (path) => p.directoryExists(path),
    deleteDirectory: (path, o) => p.deleteDirectory(path, o),
    deleteFile: (path) => p.deleteFile(path),
    fileExists: (path) => p.fileExists(path),
    listFiles: (dir, o) => p.listFiles(dir, o),
    getFileStats: (path) => p.getFileStats(path),
    readFile: (path) => p.readFile(path),
    writeFile: (path, data) => p.writeFile(path, data),
    deleteOldFiles: (dir, olderThan) => p.deleteOldFiles(dir, olderThan),
    // Native SHA-256 (hashes while it reads; resolves the hex digest): the sha256_native workload.
    checksum: (path) => p.checksum(path, 'sha256'),
  };
}

/**
 * Options that the addon being measured must know (an unknown field of an options object is
 * ignored by napi, so a row measured with an older build would silently be the default one).
 */
function requireOption(name) {
  if (process.env.STOWAGE_NODE) return;
  const dts = require('node:fs').readFileSync(join(__dirname, '..', '.build', 'out', 'index.d.ts'), 'utf8');
  if (!dts.includes(`${name}?:`)) throw new Error(`the build in bench/.build has no option ${name}: run bench/build.sh`);
}

module.exports = create;
module.exports.addonPath = addonPath;
module.exports.requireOption = requireOption;
