// The official Google Cloud Storage SDK (@google-cloud/storage 7.x, the root package's
// devDependency), used as an application would: one Storage client with its defaults (checksum
// validation of downloads included); File.save with `resumable: false` (one multipart upload
// request) per write, File.download per read. Against fake-gcs-server through the same test-only
// upload bridge as the other GCS rows (bench/cloud.js gcsSettings).
'use strict';

const { gcsBucket } = require('../cloud');

module.exports = function create() {
  const bucket = gcsBucket();
  return {
    name: 'gcs-sdk',
    writeFile: (key, data) => bucket.file(key).save(data, { resumable: false }),
    readFile: async (key) => (await bucket.file(key).download())[0],
  };
};
