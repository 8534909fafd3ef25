// The hand-written layer over the native binding: hands the binding, once per JS thread, the
// JavaScript functions it calls (building results, the stream classes, the list iterator,
// callback guards). main.js applies it to the generated loader's exports.
'use strict';

const { fileStats, appendNames, assembleNames, filterNames } = require('./results');
const { listEntries } = require('./list');
const { readStream, writeStream, heapUsed } = require('./streams');
const { guardedLogger, progressCalls } = require('./callbacks');

/** What the binding's `registerHelpers` takes (src/helpers.rs reads each by name). */
const helpers = {
  fileStats,
  appendNames,
  assembleNames,
  filterNames,
  listEntries,
  readStream,
  writeStream,
  heapUsed,
  guardedLogger,
  progressCalls,
};

/**
 * Registers the helpers with `binding` (a loaded `stowage.*.node` or the loader's exports) and
 * returns it. An addon without `registerHelpers` (a build from before it existed, as the
 * benchmark's baseline may be) is returned as it is.
 * @template {object} B
 * @param {B} binding
 * @returns {B}
 */
function attach(binding) {
  const register = /** @type {{ registerHelpers?: (h: typeof helpers) => void }} */ (binding).registerHelpers;
  if (typeof register === 'function') register(helpers);
  return binding;
}

module.exports = { attach, helpers };
