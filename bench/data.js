// What the workloads write and expect: file layouts and contents, shared by the parent (which
// builds fixtures and checks results) and the child (which runs one workload). The floor
// (floor/src/main.rs) uses the same layout and generators.
'use strict';

const { join } = require('node:path');

/** Small file `i`: `size` bytes, its index at both ends so a read proves it got the right file. */
function smallContent(i, size) {
  const buf = Buffer.alloc(size, i & 0xff);
  buf.writeUInt32LE(i >>> 0, 0);
  buf.writeUInt32LE((i ^ 0x5a5a5a5a) >>> 0, size - 4);
  return buf;
}

function smallOk(i, size, buf) {
  return (
    buf.length === size &&
    buf.readUInt32LE(0) === i >>> 0 &&
    buf.readUInt32LE(size - 4) === (i ^ 0x5a5a5a5a) >>> 0
  );
}

/** Where small file `i` of a tree lives: `dirs` directories, round robin. */
function smallPath(root, i, dirs) {
  return join(root, `d${String(i % dirs).padStart(2, '0')}`, `f${String(i).padStart(5, '0')}.bin`);
}

function dirPath(root, d) {
  return join(root, `d${String(d).padStart(2, '0')}`);
}

/** The big file: a repeating 64 KiB block of hashed bytes (not zeros, not compressible). */
function bigContent(size) {
  const block = Buffer.alloc(65536);
  for (let j = 0; j < 65536; j += 1) block[j] = Math.imul(j, 2654435761 | 0) >>> 24;
  const buf = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += 65536) block.copy(buf, off, 0, Math.min(65536, size - off));
  return buf;
}

/** A cheap fingerprint of a big buffer (every 4096th byte), checked inside the timed region. */
function sample(buf) {
  let sum = 0;
  for (let off = 0; off < buf.length; off += 4096) sum += buf[off];
  return sum;
}

/** Names in the listing directory: every other one is a `.ts` segment the filter keeps. */
function listName(i) {
  return `seg-${String(i).padStart(6, '0')}.${i % 2 === 0 ? 'ts' : 'm4s'}`;
}

module.exports = { smallContent, smallOk, smallPath, dirPath, bigContent, sample, listName };
