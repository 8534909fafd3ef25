// Stowage's GcsStorageProvider with `skipWriteChecks: true`: a write is the PUT alone, without the
// LIST and HEADs that keep fs's EISDIR/ENOTDIR (see README). Runs on the put workloads only.
'use strict';

const { requireOption } = require('./stowage');

module.exports = function create(base, backend) {
  requireOption('skipWriteChecks');
  return { ...require('./stowage-gcs')(base, backend, { skipWriteChecks: true }), name: 'stowage-gcs-nocheck' };
};
