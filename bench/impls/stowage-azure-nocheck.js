// Stowage's AzureBlobStorageProvider with `skipWriteChecks: true`: a write is the PUT alone,
// without the LIST and HEADs that keep fs's EISDIR/ENOTDIR (see README). Put workloads only.
'use strict';

const { requireOption } = require('./stowage');

module.exports = function create(base, backend = 'azure') {
  requireOption('skipWriteChecks');
  return { ...require('./stowage-azure')(base, backend, { skipWriteChecks: true }), name: 'stowage-azure-nocheck' };
};
