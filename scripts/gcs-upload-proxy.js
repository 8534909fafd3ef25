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
 * An upload goes as one `uploadType=multipart` request whose object resource carries what the
 * XML request's headers set: `Content-Type`, `Cache-Control`, `Content-Disposition`,
 * `Content-Encoding`, `Content-Language` and each `x-goog-meta-<key>` (as `metadata.<key>`); a
 * multipart upload keeps the headers of its initiating POST. The preconditions
 * `x-goog-if-generation-match` and `x-goog-if-metageneration-match` become `ifGenerationMatch` and
 * `ifMetagenerationMatch` (the emulator honours a generation, but ignores `0`, "create only").
 * Query parameters of signed URLs are dropped on translated writes: the emulator does not verify
 * signatures anyway. Other request headers of a translated write are not forwarded.
 *
 *   node scripts/gcs-upload-proxy.js <listen port> <emulator base URL>
 *
 * Prints "listening <port>" once it accepts connections. `__tests__/gcs-upload-proxy.spec.ts`
 * proves the pass-through and each translation.
 */
const http = require('node:http');
const { randomUUID } = require('node:crypto');

/** Multipart uploads in flight: uploadId -> { bucket, key, headers, parts: Map<number, Buffer> }. */
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

/** The XML API's precondition headers as the JSON API's query parameters (`&name=value`…). */
function generationQuery(headers) {
  const conditions = [
    ['x-goog-if-generation-match', 'ifGenerationMatch'],
    ['x-goog-if-metageneration-match', 'ifMetagenerationMatch'],
  ];
  return conditions
    .filter(([header]) => headers[header] !== undefined)
    .map(([header, param]) => `&${param}=${encodeURIComponent(headers[header])}`)
    .join('');
}

/** The XML API's object headers as the JSON API's object resource fields. */
const RESOURCE_FIELDS = {
  'content-type': 'contentType',
  'cache-control': 'cacheControl',
  'content-disposition': 'contentDisposition',
  'content-encoding': 'contentEncoding',
  'content-language': 'contentLanguage',
};

/** The object resource an XML-API write with `headers` describes (name included). */
function resourceOf(key, headers) {
  const resource = { name: key, contentType: 'application/octet-stream' };
  const metadata = {};
  for (const [name, value] of Object.entries(headers)) {
    if (RESOURCE_FIELDS[name]) resource[RESOURCE_FIELDS[name]] = String(value);
    else if (name.startsWith('x-goog-meta-')) metadata[name.slice('x-goog-meta-'.length)] = String(value);
  }
  if (Object.keys(metadata).length > 0) resource.metadata = metadata;
  return resource;
}

/** One JSON-API multipart upload (RFC 2387 `multipart/related`: the resource, then the bytes). */
async function upload(base, res, { bucket, key }, body, headers) {
  const path =
    `/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=multipart` + generationQuery(headers);
  const resource = resourceOf(key, headers);
  const boundary = `gcs-upload-proxy-${randomUUID()}`;
  const related = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(resource)}\r\n`),
    Buffer.from(`--${boundary}\r\ncontent-type: ${resource.contentType}\r\n\r\n`),
    body,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const type = { 'content-type': `multipart/related; boundary=${boundary}` };
  await answerUpload(res, await upstreamCall(base, 'POST', path, type, related));
}

async function copy(base, req, res, { bucket, key }) {
  const source = decodeURIComponent(String(req.headers['x-goog-copy-source']).replace(/^\//, ''));
  const slash = source.indexOf('/');
  const [fromBucket, fromKey] = [source.slice(0, slash), source.slice(slash + 1)];
  const query = generationQuery(req.headers).slice(1);
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
    uploads.set(id, { ...object, headers: req.headers, parts: new Map() });
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
      await upload(base, fake, pending, data, pending.headers);
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
    await upload(base, res, object, await readBody(req), req.headers);
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
  const server = http.createServer((req, res) => {
    translate(base, req, res)
      .then((done) => done || passThrough(base, req, res))
      .catch((e) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`gcs-upload-proxy: ${e.message}`);
      });
  });
  // Clients keep idle connections for a few seconds (Google's SDK among them): closing ours
  // after Node's default 5 s races their reuse of one ("socket hang up").
  server.keepAliveTimeout = 65_000;
  return server;
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
