// The backend's current StorageService, as it is written today: plain fs/promises, one await per
// syscall, and a sequential deleteOldFiles (readdir, then stat and unlink one file at a time).
'use strict';

const fs = require('node:fs/promises');
const { join } = require('node:path');

module.exports = function create() {
  return {
    name: 'fs/promises',
    ensureDirectory: (p) => fs.mkdir(p, { recursive: true }).then(() => undefined),
    directoryExists: (p) => fs.stat(p).then((s) => s.isDirectory(), () => false),
    deleteDirectory: (p, o = {}) =>
      o.recursive ? fs.rm(p, { recursive: true, force: Boolean(o.force) }) : fs.rmdir(p),
    deleteFile: (p) => fs.unlink(p),
    fileExists: (p) => fs.stat(p).then((s) => s.isFile(), () => false),
    async listFiles(dir, o = {}) {
      const names = await fs.readdir(dir);
      return o.filter ? names.filter(o.filter) : names;
    },
    async getFileStats(p) {
      const s = await fs.stat(p);
      return { size: s.size, mtime: s.mtime, ctime: s.ctime };
    },
    readFile: (p) => fs.readFile(p),
    writeFile: (p, data) => fs.writeFile(p, data),
    async deleteOldFiles(dir, olderThan) {
      let deleted = 0;
      for (const name of await fs.readdir(dir)) {
        const p = join(dir, name);
        const s = await fs.stat(p);
        if (s.isFile() && s.mtime < olderThan) {
          await fs.unlink(p);
          deleted += 1;
        }
      }
      return deleted;
    },
    checksum: null,
  };
};
