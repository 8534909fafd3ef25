// Stowage confined to a root (what STORAGE_LOCAL_ROOT does): every path is resolved beneath the
// root's directory fd. Opt-in: --impls ...,stowage-root.
'use strict';

const stowage = require('./stowage');

module.exports = function create(base) {
  return { ...stowage(base, { root: base }), name: 'stowage-root' };
};
