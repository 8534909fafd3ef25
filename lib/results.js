// How `listFiles` and `getFileStats` results are built: in JavaScript, where making the strings,
// calling the caller's `filter` and making the `Date`s costs one native call per result instead
// of one per name or property. The binding (src/js.rs) calls these through `registerHelpers`.
'use strict';

/**
 * @typedef {object} FileStats what `getFileStats` resolves to (index.d.ts's `FileStats`); the
 *   binding adds the other headers and `metadata` when they are set
 * @property {number} size
 * @property {Date} mtime
 * @property {Date} ctime
 * @property {string} [etag]
 * @property {string} [contentType]
 */

/**
 * A `getFileStats` result from the times in ms since the epoch; `etag` and `contentType` are
 * left out when null.
 * @param {number} size
 * @param {number} mtime
 * @param {number} ctime
 * @param {string | null} etag
 * @param {string | null} contentType
 * @returns {FileStats}
 */
function fileStats(size, mtime, ctime, etag, contentType) {
  /** @type {FileStats} */
  const stats = { size, mtime: new Date(mtime), ctime: new Date(ctime) };
  if (etag !== null) stats.etag = etag;
  if (contentType !== null) stats.contentType = contentType;
  return stats;
}

/**
 * Splits one piece of a listing (names joined with NUL) and pushes onto `kept` the names `filter`
 * keeps (by truthiness, as `Array#filter`; all when there is no filter), setting `flags[i]` for
 * each kept name `i` of the piece. What `filter` throws propagates.
 * @param {string[]} kept the listing's names so far, in the order found
 * @param {string} piece NUL-joined names (none of them holding a NUL)
 * @param {((name: string) => unknown) | undefined} filter
 * @param {Uint8Array | undefined} flags zeroed, one byte per name of the piece; with a filter
 */
function appendNames(kept, piece, filter, flags) {
  const names = piece.split('\0');
  if (filter === undefined || flags === undefined) {
    for (let i = 0; i < names.length; i++) kept.push(names[i]);
    return;
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (filter(name)) {
      kept.push(name);
      flags[i] = 1;
    }
  }
}

/**
 * The names of `kept` in `order` (indices into `kept`, sorted by name); `kept` backwards when
 * `order` is null (tmpfs lists newest first, so names made in order come in reverse; a
 * builtin is much faster than the loop in a fresh process).
 * @param {string[]} kept
 * @param {Uint32Array | null} order
 * @returns {string[]}
 */
function assembleNames(kept, order) {
  if (order == null) return kept.reverse();
  const sorted = [];
  for (let i = 0; i < order.length; i++) sorted.push(kept[order[i]]);
  return sorted;
}

/**
 * The names `filter` keeps, one call per name: for the rare listing with a NUL in a name (an
 * object key made elsewhere), which cannot go through the NUL-joined pieces.
 * @param {string[]} names
 * @param {((name: string) => unknown) | undefined} filter
 * @returns {string[]}
 */
function filterNames(names, filter) {
  return filter === undefined ? names : names.filter((name) => filter(name));
}

module.exports = { fileStats, appendNames, assembleNames, filterNames };
