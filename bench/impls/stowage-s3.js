// Stowage's S3StorageProvider (release build, as impls/stowage.js loads it) against the bench's
// S3 server: moto for the `s3_*` workloads, s3s-fs for `s3s_*`. Keys are the workloads' paths.
'use strict';

const { addonPath } = require('./stowage');
const { s3Settings } = require('../cloud');

module.exports = function create(base, backend = 's3', extra = {}) {
  const { S3StorageProvider } = require(addonPath());
  const s = s3Settings(backend);
  const p = new S3StorageProvider({
    bucket: s.bucket,
    region: s.region,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    endpoint: s.endpoint,
    ...extra,
  });
  return {
    name: 'stowage-s3',
    writeFile: (key, data) => p.writeFile(key, data),
    readFile: (key) => p.readFile(key),
  };
};
