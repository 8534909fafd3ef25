#!/usr/bin/env node
'use strict';
/**
 * TEST-ONLY bridge in front of fake-gcs-server (https://github.com/fsouza/fake-gcs-server, v1.54).
 * Never use it against real Google Cloud Storage.
 *
 * object_store's GCS client writes through Google's XML API; fake-gcs-server 1.54 answers those
 * writes with 400 "invalid uploadType" (object_store's own CI runs a patched fork of the emulator,
 * fake-gcs-server PR #1164). This proxy translates exactly those XML-API writes into the JSON API
 * calls the emulator does serve, and passes every other request through untouched (method, path,
 * query, headers and body; the answer comes back as the emulator gave it):
 *
 *   PUT /bucket/key                              -> POST /upload/storage/v1/b/bucket/o?uploadType=media&name=key
 *   PUT /bucket/key  + x-goog-copy-source        -> POST /storage/v1/b/src/o/key/copyTo/b/bucket/o/key
 *   POST /bucket/key?uploads                     -> a multipart upload kept in this process's memory
 *   PUT /bucket/key?partNumber=N&uploadId=U      -> one part, kept in memory
 *   POST /bucket/key?uploadId=U                  -> the parts joined, uploaded as above
 *   DELETE /bucket/key?uploadId=U                -> the parts dropped
 *
 * `x-goog-if-generation-match` becomes `ifGenerationMatch` (the emulator ignores `0`, "create
 * only"). Query parameters of signed URLs are dropped on translated writes: the emulator does
 * not verify signatures anyway. Only `content-type` of the request's headers is kept on uploads.
 *
 *   node scripts/gcs-upload-proxy.js <listen port> <emulator base URL>
 *
 * Prints "listening <port>" once it accepts connections. `__tests__/gcs-upload-proxy.spec.ts`
 * proves the pass-through and each translation.
 */
const http = require('node:http');
const { randomUUID } = require('node:crypto');

/** Multipart uploads in flight: uploadId -> { bucket, key, contentType, parts: Map<number, Buffer> }. */
const uploads = new Map();

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `/bucket/a%2Fb` -> { bucket, key: 'a/b' }, or undefined for a bucket-level or API path. */
function objectOf(pathname) {
  const m = /^\/([^/]+)\/(.+)$/.exec(pathname);
  if (!m || ['storage', 'upload', 'download', '_internal'].includes(m[1])) return undefined;
  return { bucket: decodeURIComponent(m[1]), key: decodeURIComponent(m[2]) };
}

function upstreamCall(base, method, path, headers, body) {
  return fetch(new URL(path, base), { method, headers, body });
}

/** Answers a JSON-API object resource the way the XML API answers an upload. */
async function answerUpload(res, upstream) {
  const text = await upstream.text();
  if (!upstream.ok) {
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
    res.end(text);
    return;
  }
  const object = JSON.parse(text);
  res.writeHead(200, { etag: `"${object.etag}"`, 'x-goog-generation': String(object.generation), 'content-length': 0 });
  res.end();
}

function generationQuery(req) {
  const match = req.headers['x-goog-if-generation-match'];
  return match === undefined ? '' : `&ifGenerationMatch=${encodeURIComponent(match)}`;
}

async function upload(base, req, res, { bucket, key }, body, contentType) {
  const path =
    `/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=media` +
    `&name=${encodeURIComponent(key)}${generationQuery(req)}`;
  const headers = { 'content-type': contentType ?? 'application/octet-stream' };
  await answerUpload(res, await upstreamCall(base, 'POST', path, headers, body));
}

async function copy(base, req, res, { bucket, key }) {
  const source = decodeURIComponent(String(req.headers['x-goog-copy-source']).replace(/^\//, ''));
  const slash = source.indexOf('/');
  const [fromBucket, fromKey] = [source.slice(0, slash), source.slice(slash + 1)];
  const query = generationQuery(req).slice(1);
  const path =
    `/storage/v1/b/${encodeURIComponent(fromBucket)}/o/${encodeURIComponent(fromKey)}` +
    `/copyTo/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}${query ? `?${query}` : ''}`;
  await answerUpload(res, await upstreamCall(base, 'POST', path, {}, undefined));
}

function xml(res, body) {
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function noSuchUpload(res) {
  res.writeHead(404, { 'content-type': 'application/xml' });
  res.end('<Error><Code>NoSuchUpload</Code></Error>');
}

/** The request when it is one of the translated writes, else undefined (pass it through). */
async function translate(base, req, res) {
  const url = new URL(req.url, 'http://proxy');
  const object = objectOf(url.pathname);
  if (!object) return false;
  const q = url.searchParams;
  const uploadId = q.get('uploadId');
  if (req.method === 'POST' && q.has('uploads')) {
    const id = randomUUID();
    uploads.set(id, { ...object, contentType: req.headers['content-type'], parts: new Map() });
    await readBody(req);
    xml(res, `<InitiateMultipartUploadResult><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    return true;
  }
  if (uploadId !== null && ['PUT', 'POST', 'DELETE'].includes(req.method)) {
    const pending = uploads.get(uploadId);
    const body = await readBody(req);
    if (!pending) return noSuchUpload(res), true;
    if (req.method === 'PUT') {
      const n = Number(q.get('partNumber'));
      pending.parts.set(n, body);
      res.writeHead(200, { etag: `"part-${n}"`, 'content-length': 0 });
      res.end();
    } else if (req.method === 'DELETE') {
      uploads.delete(uploadId);
      res.writeHead(204);
      res.end();
    } else {
      const order = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
      const data = Buffer.concat(order.map((n) => pending.parts.get(n) ?? Buffer.alloc(0)));
      uploads.delete(uploadId);
      const captured = { status: 0, headers: {}, body: '' };
      const fake = {
        writeHead: (s, h) => Object.assign(captured, { status: s, headers: h }),
        end: (b) => (captured.body = b ?? ''),
      };
      await upload(base, req, fake, pending, data, pending.contentType);
      if (captured.status !== 200) {
        res.writeHead(captured.status, captured.headers);
        res.end(captured.body);
      } else {
        res.writeHead(200, { 'content-type': 'application/xml', 'x-goog-generation': captured.headers['x-goog-generation'] });
        res.end(`<CompleteMultipartUploadResult><ETag>${captured.headers.etag}</ETag></CompleteMultipartUploadResult>`);
      }
    }
    return true;
  }
  if (req.method === 'PUT' && req.headers['x-goog-copy-source']) {
    await readBody(req);
    await copy(base, req, res, object);
    return true;
  }
  if (req.method === 'PUT') {
    await upload(base, req, res, object, await readBody(req), req.headers['content-type']);
    return true;
  }
  return false;
}

/** Connections to the emulator are reused (a connection per request costs a handshake each). */
const agent = new http.Agent({ keepAlive: true });

/** Sends the request on as it came, and its answer back as it came. */
function passThrough(base, req, res) {
  const target = new URL(base);
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  upstream.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`gcs-upload-proxy: ${e.message}`);
  });
  req.pipe(upstream);
}

/** A proxy server in front of `base`; call `.listen(port, '127.0.0.1')` on it. */
function createProxy(base) {
  return http.createServer((req, res) => {
    translate(base, req, res)
      .then((done) => done || passThrough(base, req, res))
      .catch((e) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`gcs-upload-proxy: ${e.message}`);
      });
  });
}

module.exports = { createProxy };

if (require.main === module) {
  const [port, base] = process.argv.slice(2);
  if (!port || !base) {
    console.error('usage: gcs-upload-proxy.js <listen port> <emulator base URL>');
    process.exit(2);
  }
  const server = createProxy(base);
  server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
