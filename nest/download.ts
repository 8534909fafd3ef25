import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { HttpException, HttpStatus, StreamableFile } from '@nestjs/common';
import contentDisposition from 'content-disposition';
import fresh from 'fresh';
import { lookup } from 'mime-types';
import rangeParser from 'range-parser';
import type { FileStats, ReadStreamOptions } from 'stowage';

/** What `downloadFile` needs from a `StorageService` or a provider. */
export interface DownloadSource {
  getFileStats(path: string): Promise<FileStats>;
  createReadStream(path: string, options?: ReadStreamOptions): Readable;
}

/** The parts of the request `downloadFile` reads (Express's `Request` has them). */
export interface DownloadRequest {
  method?: string;
  headers: IncomingHttpHeaders;
}

export interface DownloadOptions {
  /** The name the browser saves the file as (any characters). Default: the path's last segment. */
  filename?: string;
  /** `attachment` (save) or `inline` (show in the browser). Default `attachment`. */
  disposition?: 'attachment' | 'inline';
  /** Default: the stored content type when the provider keeps one, else guessed from the name, else `application/octet-stream`. */
  contentType?: string;
}

/**
 * A stored file as Nest's `StreamableFile`, streamed (never read whole), for a handler with
 * `@Req() req` and `@Res({ passthrough: true }) res` (Express):
 *
 * - `Content-Type`, `Content-Length`, `ETag`, `Last-Modified`, `Accept-Ranges` and
 *   `Content-Disposition` (RFC 6266, non-ASCII names as `filename*`);
 * - `If-None-Match` / `If-Modified-Since` that match: `304` with no body;
 * - one satisfiable `Range` (`If-Range` respected): `206` with `Content-Range`; an unsatisfiable one:
 *   `416` with `Content-Range: bytes *\/size`; several ranges or a malformed header: the whole file;
 * - a missing file: the storage error (`ENOENT`, 404 through `StorageExceptionFilter`).
 */
export async function downloadFile(
  storage: DownloadSource,
  path: string,
  req: DownloadRequest,
  res: ServerResponse,
  options: DownloadOptions = {},
): Promise<StreamableFile> {
  const stats = await storage.getFileStats(path);
  const filename = options.filename ?? path.split('/').filter(Boolean).pop() ?? 'download';
  const stored = (stats as FileStats & { contentType?: string; etag?: string });
  const contentType = options.contentType ?? stored.contentType ?? (lookup(filename) || 'application/octet-stream');
  const etag = stored.etag ? `"${stored.etag.replace(/"/g, '')}"` : weakEtag(stats);
  const lastModified = stats.mtime.toUTCString();

  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', lastModified);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', contentDisposition(filename, { type: options.disposition ?? 'attachment' }));

  if (fresh(req.headers, { etag, 'last-modified': lastModified })) {
    return withStatus(res, HttpStatus.NOT_MODIFIED);
  }

  const range = chosenRange(req.headers, stats.size, etag, lastModified);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${stats.size}`);
    throw new HttpException('Range Not Satisfiable', HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
  }
  const isHead = req.method === 'HEAD';
  if (range) {
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${stats.size}`);
    const length = range.end - range.start + 1;
    const body = isHead ? undefined : storage.createReadStream(path, { start: range.start, end: range.end });
    return withStatus(res, HttpStatus.PARTIAL_CONTENT, length, body);
  }
  return withStatus(res, HttpStatus.OK, stats.size, isHead || stats.size === 0 ? undefined : storage.createReadStream(path));
}

/** A validator from size and mtime, as Express's static files have: changes when either does. */
function weakEtag(stats: FileStats): string {
  return `W/"${stats.size.toString(16)}-${stats.mtime.getTime().toString(16)}"`;
}

/** The one range to send; `undefined` for the whole file. */
function chosenRange(
  headers: IncomingHttpHeaders,
  size: number,
  etag: string,
  lastModified: string,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const header = headers.range;
  if (!header) return undefined;
  const ifRange = headers['if-range'];
  if (ifRange && ifRange !== etag && ifRange !== lastModified) return undefined; // changed: all of it
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return ranges[0];
}

/**
 * Nest replies with the handler's status (200) just before it pipes a StreamableFile, so the
 * status this response needs (206, 304) is set again once the body starts: when Nest pipes it
 * (GET), or at the first read of an empty body (HEAD, 304, an empty file).
 */
function withStatus(res: ServerResponse, status: number, length?: number, body?: Readable): StreamableFile {
  if (length !== undefined) res.setHeader('Content-Length', String(length));
  if (body) {
    res.once('pipe', () => (res.statusCode = status));
    return new StreamableFile(body);
  }
  const empty = new Readable({
    read() {
      res.statusCode = status;
      this.push(null);
    },
  });
  return new StreamableFile(empty);
}
