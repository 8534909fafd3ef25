// Wrappers around user callbacks that the binding calls from other threads (through threadsafe
// functions): whatever the callback throws is dropped there, so a logger or a progress callback
// can never break a storage call.
'use strict';

/**
 * `setLogger(fn)`: `fn`, with what it throws ignored.
 * @template T
 * @param {(event: T) => void} fn
 * @returns {(event: T) => void}
 */
function guardedLogger(fn) {
  return (event) => {
    try {
      fn(event);
    } catch {
      // logging never breaks a storage call
    }
  };
}

/**
 * `transfer`'s `onProgress`: the function the transfer calls as it goes, and the one that makes
 * the last call, before the promise settles; calls still queued after that are dropped.
 * @template T
 * @param {(progress: T) => void} fn
 * @returns {[(progress: T) => void, (progress: T) => void]}
 */
function progressCalls(fn) {
  let done = false;
  /** @param {T} progress */
  const call = (progress) => {
    try {
      fn(progress);
    } catch {
      // a progress callback never breaks the transfer
    }
  };
  return [
    (progress) => {
      if (!done) call(progress);
    },
    (progress) => {
      done = true;
      call(progress);
    },
  ];
}

module.exports = { guardedLogger, progressCalls };
