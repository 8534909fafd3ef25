// The `nest` workload's baselines: the same NestJS 11 / Express upload and download routes as the
// example app (examples/nest-app, `POST /uploads`, `GET /uploads/:name` with Range), written the
// two ways a backend does without Stowage's streamed path. Plain JavaScript (the decorators
// applied by hand), so the benchmark needs no compile step of its own.
//
//   NEST_BASELINE=memory     multer's memoryStorage() (the whole file in a Buffer), then Stowage's
//                            `writeFile` of that Buffer; the download `readFile`s the object and
//                            sends the range of it.
//   NEST_BASELINE=multer-s3  multer-s3 (the AWS SDK's lib-storage Upload: 5 MiB parts, 4 in
//                            flight); the download is a ranged GetObject piped to the response.
//
// Both store into the bench's S3 server (the STOWAGE_TEST_S3_* variables, as the example app's
// AWS_* ones): the same bucket, the same keys (`uploads/<uuid>.bin`). Prints the line the runner
// waits for, as the example app does: `... listening on http://host:port`.
'use strict';

require('reflect-metadata');
const { randomUUID } = require('node:crypto');
const { Controller, Get, Module, Param, Post, Req, Res, UploadedFile, UseInterceptors } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FileInterceptor } = require('@nestjs/platform-express');
const rangeParser = require('range-parser');

const mode = process.env.NEST_BASELINE;
const env = process.env;
const s3 = {
  bucket: env.STOWAGE_TEST_S3_BUCKET,
  region: env.STOWAGE_TEST_S3_REGION || 'us-east-1',
  endpoint: env.STOWAGE_TEST_S3_ENDPOINT,
  accessKeyId: env.STOWAGE_TEST_S3_ACCESS_KEY_ID,
  secretAccessKey: env.STOWAGE_TEST_S3_SECRET_ACCESS_KEY,
};
/** The example app's limit. */
const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
const keyOf = (name) => `uploads/${name}`;

/** The parsed single range of `req` for an object of `size`, or null for the whole object. */
function rangeOf(req, size) {
  const header = req.headers.range;
  if (!header) return null;
  const ranges = rangeParser(size, header);
  return Array.isArray(ranges) && ranges.length === 1 ? ranges[0] : null;
}

function memoryMode() {
  // The addon the runner measures (NAPI_RS_NATIVE_LIBRARY_PATH), as the example app loads it.
  const { S3StorageProvider } = require('../..');
  const storage = new S3StorageProvider(s3);
  const { memoryStorage } = require('multer');
  return {
    storage: memoryStorage(),
    async stored(file) {
      const key = keyOf(`${randomUUID()}.bin`);
      await storage.writeFile(key, file.buffer);
      return key;
    },
    async download(key, req, res) {
      const body = await storage.readFile(key);
      const range = rangeOf(req, body.length);
      res.setHeader('Accept-Ranges', 'bytes');
      if (!range) return res.status(200).send(body);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`);
      return res.status(206).send(body.subarray(range.start, range.end + 1));
    },
  };
}

function multerS3Mode() {
  const { S3Client, GetObjectCommand, HeadObjectCommand } = require('@aws-sdk/client-s3');
  const multerS3 = require('multer-s3');
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  return {
    storage: multerS3({ s3: client, bucket: s3.bucket, key: (_req, _file, cb) => cb(null, keyOf(`${randomUUID()}.bin`)) }),
    async stored(file) {
      return file.key;
    },
    async download(key, req, res) {
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      const range = rangeOf(req, head.ContentLength);
      const got = await client.send(
        new GetObjectCommand({ Bucket: s3.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Content-Length', String(got.ContentLength));
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${head.ContentLength}`);
      res.status(range ? 206 : 200);
      await new Promise((resolve, reject) => {
        got.Body.on('error', reject);
        res.on('finish', resolve);
        res.on('close', resolve);
        got.Body.pipe(res);
      });
    },
  };
}

const impl = mode === 'memory' ? memoryMode() : mode === 'multer-s3' ? multerS3Mode() : null;
if (!impl) throw new Error(`NEST_BASELINE must be memory or multer-s3, not ${mode}`);

class UploadsController {
  async upload(file) {
    const path = await impl.stored(file);
    return { name: path.slice(path.lastIndexOf('/') + 1), path, size: file.size };
  }

  async download(name, req, res) {
    await impl.download(keyOf(name), req, res);
  }
}
const proto = UploadsController.prototype;
const method = (name) => Object.getOwnPropertyDescriptor(proto, name);
UploadedFile()(proto, 'upload', 0);
Reflect.decorate(
  [Post(), UseInterceptors(FileInterceptor('file', { storage: impl.storage, limits: { fileSize: MAX_UPLOAD_BYTES } }))],
  proto,
  'upload',
  method('upload'),
);
Param('name')(proto, 'download', 0);
Req()(proto, 'download', 1);
Res()(proto, 'download', 2);
Reflect.decorate([Get(':name')], proto, 'download', method('download'));
Reflect.defineMetadata('design:paramtypes', [Object], proto, 'upload');
Reflect.defineMetadata('design:paramtypes', [String, Object, Object], proto, 'download');
Controller('uploads')(UploadsController);

class AppModule {}
Module({ controllers: [UploadsController] })(AppModule);

(async () => {
  const app = await NestFactory.create(AppModule, { logger: ['warn', 'error'] });
  const host = env.HOST ?? '127.0.0.1';
  await app.listen(Number(env.PORT ?? 0), host);
  const { port } = app.getHttpServer().address();
  console.log(`Baseline (${mode}) listening on http://${host}:${port}`);
})();
