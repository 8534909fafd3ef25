// OpenDAL's Node binding (opendal@0.49.2, pinned in bench/package.json) on its `fs` service,
// used the way its API invites: one call per operation; paths relative to the operator's root.
'use strict';

const { relative, basename } = require('node:path');

/** Runs `fn(i)` for i < n with at most `limit` in flight. */
async function inFlight(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

module.exports = function create(base) {
  const { Operator } = require('opendal');
  const op = new Operator('fs', { root: base });
  const rel = (p) => relative(base, p);
  const dir = (p) => `${rel(p)}/`.replace(/^\/$/, '');
  const names = async (p) =>
    (await op.list(dir(p)))
      .map((e) => e.path())
      .filter((e) => e !== dir(p))
      .map((e) => basename(e));
  return {
    name: 'opendal',
    ensureDirectory: (p) => op.createDir(dir(p)),
    directoryExists: (p) => op.stat(dir(p)).then((m) => m.isDirectory(), () => false),
    deleteDirectory: (p) => op.removeAll(dir(p)),
    deleteFile: (p) => op.delete(rel(p)),
    fileExists: (p) => op.exists(rel(p)),
    async listFiles(p, o = {}) {
      const all = await names(p);
      return o.filter ? all.filter(o.filter) : all;
    },
    async getFileStats(p) {
      const m = await op.stat(rel(p));
      const mtime = new Date(m.lastModified);
      return { size: Number(m.contentLength), mtime, ctime: mtime };
    },
    readFile: (p) => op.read(rel(p)),
    writeFile: (p, data) => op.write(rel(p), data),
    // No such call in OpenDAL: list, then stat and delete with 64 in flight.
    async deleteOldFiles(p, olderThan) {
      const all = await names(p);
      let deleted = 0;
      await inFlight(all.length, 64, async (i) => {
        const path = `${dir(p)}${all[i]}`;
        const m = await op.stat(path);
        if (m.isFile() && new Date(m.lastModified) < olderThan) {
          await op.delete(path);
          deleted += 1;
        }
      });
      return deleted;
    },
    checksum: null,
  };
};

module.exports.inFlight = inFlight;
