import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { INestApplication } from '@nestjs/common';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Listens on a free loopback port; returns the base URL. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** One real HTTP request; `body` may be a Buffer or a stream-like async iterable. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // A server may answer (e.g. 413) and close before it read the whole body: the answer counts.
    req.on('error', (error) => answered || reject(error));
    req.end(options.body);
  });
}

/** A multipart/form-data body with one file field. */
export function multipart(field: string, filename: string, content: Buffer | string, type = 'application/octet-stream') {
  const boundary = `----stowage${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    head,
    tail,
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([head, Buffer.from(content), tail]),
  };
}
