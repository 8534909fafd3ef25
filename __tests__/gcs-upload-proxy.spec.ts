/**
 * The test-only bridge in front of fake-gcs-server (scripts/gcs-upload-proxy.js): everything but
 * the XML-API writes passes through untouched, and those writes land in the emulator.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createProxy } = require('../scripts/gcs-upload-proxy.js') as {
  createProxy: (base: string) => http.Server;
};

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A server that records each request and answers with a recognisable status, headers and body. */
async function recorder(): Promise<{ url: string; seen: Seen[]; server: http.Server }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(207, { 'x-upstream': 'yes', 'content-type': 'application/x-test' });
      res.end(req.method === 'HEAD' ? undefined : `answer to ${req.method} ${req.url} (${body.length} bytes)`);
    });
  });
  return { url: await listen(server), seen, server };
}

describe('gcs-upload-proxy (test-only bridge for fake-gcs-server)', () => {
  let upstream: Awaited<ReturnType<typeof recorder>>;
  let proxy: http.Server;
  let base: string;
  beforeAll(async () => {
    upstream = await recorder();
    proxy = createProxy(upstream.url);
    base = await listen(proxy);
  });
  afterAll(async () => {
    await close(proxy);
    await close(upstream.server);
  });

  const passThrough: Array<[string, string, Buffer | undefined]> = [
    ['GET', '/bucket/a%2Fb.txt?generation=7', undefined],
    ['HEAD', '/bucket/dir/file', undefined],
    ['GET', '/bucket?list-type=2&prefix=a%2F&delimiter=%2F', undefined],
    ['DELETE', '/bucket/a/b', undefined],
    ['POST', '/storage/v1/b?project=p', Buffer.from('{"name":"x"}')],
    ['PUT', '/upload/storage/v1/b/bucket/o?uploadType=resumable&upload_id=1', randomBytes(3000)],
    ['POST', '/upload/storage/v1/b/bucket/o?uploadType=media&name=k', randomBytes(100)],
    ['PATCH', '/storage/v1/b/bucket/o/k', Buffer.from('{}')],
    ['PUT', '/storage/v1/b/bucket/o/k', Buffer.from('{}')],
  ];

  it.each(passThrough)('passes %s %s through untouched, and its answer back', async (method, path, body) => {
    upstream.seen.length = 0;
    const res = await fetch(base + path, { method, body: body && new Uint8Array(body), headers: { 'x-custom': 'kept', authorization: 'Bearer t' } });
    expect(upstream.seen).toHaveLength(1);
    const [seen] = upstream.seen;
    expect(seen.method).toBe(method);
    expect(seen.url).toBe(path);
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers.authorization).toBe('Bearer t');
    expect(seen.headers.host).toBe(new URL(base).host);
    expect(Buffer.compare(seen.body, body ?? Buffer.alloc(0))).toBe(0);
    expect(res.status).toBe(207);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('application/x-test');
    if (method !== 'HEAD') expect(await res.text()).toBe(`answer to ${method} ${path} (${body?.length ?? 0} bytes)`);
  });

  /** The object headers and preconditions of an XML-API write, and the resource they stand for. */
  const WRITE_HEADERS = {
    'content-type': 'image/png',
    'cache-control': 'public, max-age=60',
    'content-disposition': "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
    'content-encoding': 'identity',
    'content-language': 'fr-CA',
    'x-goog-meta-owner': 'ann',
    'x-goog-meta-build_2': '42',
  };
  const RESOURCE = {
    contentType: 'image/png',
    cacheControl: 'public, max-age=60',
    contentDisposition: "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
    contentEncoding: 'identity',
    contentLanguage: 'fr-CA',
    metadata: { owner: 'ann', build_2: '42' },
  };

  /** The parts of a `multipart/related` body: each part's headers (lowercased) and bytes. */
  function relatedParts(seen: Seen): Array<{ headers: Record<string, string>; body: Buffer }> {
    const boundary = /boundary=(.+)$/.exec(String(seen.headers['content-type']))![1];
    const pieces: Buffer[] = [];
    let at = seen.body.indexOf(`--${boundary}`);
    while (at >= 0) {
      const next = seen.body.indexOf(`\r\n--${boundary}`, at + 1);
      if (next < 0) break;
      pieces.push(seen.body.subarray(at + boundary.length + 4, next));
      at = next + 2;
    }
    return pieces.map((piece) => {
      const split = piece.indexOf('\r\n\r\n');
      const headers = Object.fromEntries(
        piece.subarray(0, split).toString().split('\r\n').map((line) => line.split(': ') as [string, string]).map(([k, v]) => [k.toLowerCase(), v]),
      );
      return { headers, body: piece.subarray(split + 4) };
    });
  }

  it('translates an XML-API upload into one JSON-API multipart upload: the bytes, every object header and the preconditions', async () => {
    upstream.seen.length = 0;
    const data = randomBytes(5000);
    await fetch(`${base}/bucket/a%2Fb%20c.bin`, {
      method: 'PUT',
      body: data,
      headers: { ...WRITE_HEADERS, 'x-goog-if-generation-match': '0', 'x-goog-if-metageneration-match': '3' },
    });
    expect(upstream.seen).toHaveLength(1);
    const [seen] = upstream.seen;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/upload/storage/v1/b/bucket/o?uploadType=multipart&ifGenerationMatch=0&ifMetagenerationMatch=3');
    expect(seen.headers['content-type']).toMatch(/^multipart\/related; boundary=/);
    const [resource, media] = relatedParts(seen);
    expect(resource.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(resource.body.toString())).toEqual({ name: 'a/b c.bin', ...RESOURCE });
    expect(media.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(media.body, data)).toBe(0);
  });

  it('an upload without headers is application/octet-stream with no metadata', async () => {
    upstream.seen.length = 0;
    await fetch(`${base}/bucket/k`, { method: 'PUT', body: new Uint8Array([120]) }); // no content-type
    const [resource] = relatedParts(upstream.seen[0]);
    expect(JSON.parse(resource.body.toString())).toEqual({ name: 'k', contentType: 'application/octet-stream' });
  });

  it('translates an XML-API copy into a JSON-API copyTo', async () => {
    upstream.seen.length = 0;
    await fetch(`${base}/bucket/to%2Fx`, { method: 'PUT', headers: { 'x-goog-copy-source': 'bucket/from/y' } });
    expect(upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /storage/v1/b/bucket/o/from%2Fy/copyTo/b/bucket/o/to%2Fx',
    ]);
  });

  const emulator = process.env.STOWAGE_TEST_GCS_EMULATOR;
  const bucket = process.env.STOWAGE_TEST_GCS_BUCKET;
  (emulator && bucket ? describe : describe.skip)('in front of fake-gcs-server', () => {
    let real: http.Server;
    let url: string;
    beforeAll(async () => {
      real = createProxy(emulator!);
      url = await listen(real);
    });
    afterAll(() => close(real));
    const media = (key: string) =>
      fetch(`${emulator}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(key)}?alt=media`);

    it('an XML-API upload, copy and multipart upload land in the emulator byte for byte', async () => {
      const key = `proxy-${randomBytes(4).toString('hex')}/a.bin`;
      const data = randomBytes(70_000);
      const put = await fetch(`${url}/${bucket}/${encodeURIComponent(key)}`, { method: 'PUT', body: data });
      expect(put.status).toBe(200);
      expect(put.headers.get('etag')).toMatch(/^".+"$/);
      expect(Buffer.compare(Buffer.from(await (await media(key)).arrayBuffer()), data)).toBe(0);

      await fetch(`${url}/${bucket}/${encodeURIComponent(key + '.copy')}`, {
        method: 'PUT',
        headers: { 'x-goog-copy-source': `${bucket}/${key}` },
      });
      expect(Buffer.compare(Buffer.from(await (await media(key + '.copy')).arrayBuffer()), data)).toBe(0);

      const target = `${url}/${bucket}/${encodeURIComponent(key + '.parts')}`;
      const init = await (await fetch(`${target}?uploads`, { method: 'POST' })).text();
      const id = /<UploadId>(.+)<\/UploadId>/.exec(init)![1];
      const parts = [randomBytes(1000), randomBytes(2000)];
      for (const [i, part] of parts.entries()) {
        const r = await fetch(`${target}?partNumber=${i + 1}&uploadId=${id}`, { method: 'PUT', body: part });
        expect(r.status).toBe(200);
      }
      const done = await fetch(`${target}?uploadId=${id}`, {
        method: 'POST',
        body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"part-1"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"part-2"</ETag></Part></CompleteMultipartUpload>',
      });
      expect(await done.text()).toMatch(/<ETag>".+"<\/ETag>/);
      expect(Buffer.compare(Buffer.from(await (await media(key + '.parts')).arrayBuffer()), Buffer.concat(parts))).toBe(0);
    });

    it('the emulator keeps every header, the user metadata and the generation precondition of a translated write', async () => {
      const key = `proxy-${randomBytes(4).toString('hex')}/meta.png`;
      const target = `${url}/${bucket}/${encodeURIComponent(key)}`;
      const resource = async (name: string) =>
        (await fetch(`${emulator}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`)).json();
      expect((await fetch(target, { method: 'PUT', body: 'png', headers: WRITE_HEADERS })).status).toBe(200);
      const stored = await resource(key);
      expect(stored).toMatchObject(RESOURCE);
      const stale = await fetch(target, { method: 'PUT', body: 'new', headers: { 'x-goog-if-generation-match': String(Number(stored.generation) - 1) } });
      expect(stale.status).toBe(412);
      const current = await fetch(target, { method: 'PUT', body: 'new', headers: { 'x-goog-if-generation-match': stored.generation } });
      expect(current.status).toBe(200);

      const init = await (await fetch(`${target}.parts?uploads`, { method: 'POST', headers: WRITE_HEADERS })).text();
      const id = /<UploadId>(.+)<\/UploadId>/.exec(init)![1];
      await fetch(`${target}.parts?partNumber=1&uploadId=${id}`, { method: 'PUT', body: 'p' });
      await fetch(`${target}.parts?uploadId=${id}`, {
        method: 'POST',
        body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"part-1"</ETag></Part></CompleteMultipartUpload>',
      });
      expect(await resource(`${key}.parts`)).toMatchObject(RESOURCE);
    });
  });
});
