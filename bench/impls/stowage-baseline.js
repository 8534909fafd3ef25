// Stowage's LocalStorageProvider from a second addon, the one `--baseline path/to/old.node` names
// (run.js passes it as STOWAGE_BASELINE_NODE): a "Stowage (baseline)" row next to the current
// build's, measured in the same run, for before/after comparisons of a change.
'use strict';

const stowage = require('./stowage');

module.exports = function create(base) {
  const node = process.env.STOWAGE_BASELINE_NODE;
  if (!node) throw new Error('stowage-baseline needs --baseline path/to/stowage.node (see bench/README.md)');
  return { ...stowage(base, {}, node), name: 'stowage-baseline' };
};
