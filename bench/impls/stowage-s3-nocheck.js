// Stowage's S3StorageProvider with `skipWriteChecks: true`: a write is the PUT alone, without the
// LIST and HEADs that keep fs's EISDIR/ENOTDIR (see README). Runs on the put workloads only.
'use strict';

const { requireOption } = require('./stowage');

module.exports = function create(base, backend = 's3') {
  requireOption('skipWriteChecks');
  return { ...require('./stowage-s3')(base, backend, { skipWriteChecks: true }), name: 'stowage-s3-nocheck' };
};
