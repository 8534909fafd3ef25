// The official AWS SDK v3 (@aws-sdk/client-s3, the root package's devDependency), used as an
// application would: one S3Client with its defaults (keep-alive, its default request checksums),
// path-style addressing for the local server; PutObject per write, GetObject + transformToByteArray
// per read. Same server as Stowage's row: moto (`s3_*`) or s3s-fs (`s3s_*`).
'use strict';

const { s3Client } = require('../cloud');

module.exports = function create(base, backend = 's3') {
  const { PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
  const { client, bucket } = s3Client(backend);
  return {
    name: 'aws-sdk',
    writeFile: (key, data) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data })).then(() => undefined),
    async readFile(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await out.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
};
