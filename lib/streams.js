// `createReadStream` and `createWriteStream`: Node streams over a native handle that the binding
// (src/streams.rs) makes for each stream.
'use strict';

const { Readable, Writable } = require('node:stream');
const v8 = require('node:v8');

/**
 * @typedef {object} ReadHandle the native side of a read stream
 * @property {() => Promise<void>} open
 * @property {() => Promise<Buffer | null>} read the next chunk, `null` at the end
 * @property {() => Promise<void>} close
 */

/**
 * @typedef {object} WriteHandle the native side of a write stream
 * @property {() => Promise<void>} open
 * @property {(chunk: unknown) => Promise<void>} write copies the chunk before it returns
 * @property {() => Promise<void>} finish publishes the file
 * @property {() => Promise<void>} abort drops what was written; a no-op after finish
 */

/**
 * What both streams' options share: the abort signal, and opening the handle before the first
 * read or write.
 * @param {{ open: () => Promise<void> }} handle
 * @param {AbortSignal | null} signal `null` for none
 */
function shared(handle, signal) {
  return {
    signal: signal ?? undefined,
    /** @param {(err?: Error | null) => void} cb */
    construct(cb) {
      handle.open().then(() => cb(), cb);
    },
  };
}

/**
 * True for a chunk whose buffer was transferred (detached) since `write()` took it: it is empty
 * now while the stream still counts its old length, so it would never finish.
 * @param {unknown} chunk
 */
function detached(chunk) {
  if (!ArrayBuffer.isView(chunk) || chunk.byteLength !== 0) return false;
  try {
    new Uint8Array(chunk.buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * A Readable that pulls one chunk from `handle` per `_read`.
 * @param {ReadHandle} handle
 * @param {AbortSignal | null} signal `null` for none
 * @returns {Readable}
 */
function readStream(handle, signal) {
  return new Readable({
    ...shared(handle, signal),
    read() {
      handle.read().then(
        (chunk) => {
          this.push(chunk);
        },
        (err) => this.destroy(err),
      );
    },
    destroy(err, cb) {
      handle.close().then(
        () => cb(err),
        () => cb(err),
      );
    },
  });
}

/**
 * A Writable whose callback runs once Rust took the chunk; `final` publishes the file and
 * `destroy` drops what was written.
 * @param {WriteHandle} handle
 * @param {AbortSignal | null} signal `null` for none
 * @returns {Writable}
 */
function writeStream(handle, signal) {
  return new Writable({
    ...shared(handle, signal),
    // A detached chunk is this write's error, as is anything `handle.write` throws (a throw here
    // would escape the stream).
    write(chunk, _encoding, cb) {
      if (detached(chunk)) {
        const message = "The chunk's buffer was transferred (detached) before it was written";
        cb(Object.assign(new TypeError(message), { code: 'ERR_INVALID_STATE' }));
        return;
      }
      let written;
      try {
        written = handle.write(chunk);
      } catch (err) {
        cb(/** @type {Error} */ (err));
        return;
      }
      written.then(() => cb(), cb);
    },
    final(cb) {
      handle.finish().then(() => cb(), cb);
    },
    destroy(err, cb) {
      handle.abort().then(
        () => cb(err),
        (e) => cb(err ?? e),
      );
    },
  });
}

/** Bytes of the JS heap in use: how much dead chunk memory the binding lets pile up before it nudges V8. */
function heapUsed() {
  return v8.getHeapStatistics().used_heap_size;
}

module.exports = { readStream, writeStream, heapUsed };
