import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { lookup } from 'mime-types';
import type { WriteFileOptions, WriteStreamOptions } from 'stowage';
import { registeredDisk } from './disks';

/** What the engine needs from a `StorageService` or a provider. */
export interface UploadTarget {
  createWriteStream(path: string, options?: WriteStreamOptions & WriteFileOptions): Writable;
  deleteFile(path: string): Promise<void>;
}

/** A multipart file part as multer hands it to a storage engine. */
export interface IncomingUpload {
  fieldname: string;
  originalname: string;
  encoding: string;
  mimetype: string;
  stream: Readable;
}

/** What `req.file` (`@UploadedFile()`) holds once the engine stored the part. */
export interface StoredUpload {
  fieldname: string;
  originalname: string;
  /** Where the file was stored: the key `key()` returned. */
  path: string;
  /** Bytes stored. */
  size: number;
  /** SHA-256 of the stored bytes, lowercase hex. */
  sha256: string;
  /** The content type `contentType` chose. */
  contentType: string;
  /** The client's `Content-Type` of the part. */
  mimetype: string;
}

export interface StowageStorageOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * Where files go: a `StorageService` (or provider), or the name of a disk of the app's
   * StorageModule (`forRoot({ disks })`). Default: the module's default disk, looked up per request.
   */
  disk?: string | UploadTarget;
  /** The path to store a part at; refuse a part by throwing (the request then fails with it). */
  key: (req: Req, file: IncomingUpload) => string | Promise<string>;
  /**
   * The part's content type: a fixed value or a function. Default: guessed from the file name,
   * else `application/octet-stream` (the client's own `Content-Type` is in `mimetype`, unchecked).
   */
  contentType?: string | ((req: Req, file: IncomingUpload) => string);
}

/**
 * A multer `StorageEngine` for `FileInterceptor` / `FilesInterceptor` that streams each part into
 * `createWriteStream` — never the whole file in memory or in a temporary file — and computes its
 * size and SHA-256 on the way. A part is published whole or not at all: when the client aborts,
 * the stream fails or a multer limit (`limits.fileSize`) trips, nothing is left at the key; a part
 * already stored when a later one fails is removed by multer through `_removeFile`.
 *
 * ```ts
 * @UseInterceptors(FileInterceptor('file', {
 *   storage: stowageStorage({ disk: 'uploads', key: (req, file) => `uploads/${randomUUID()}` }),
 *   limits: { fileSize: 1 << 30 },
 * }))
 * ```
 */
export function stowageStorage<Req extends IncomingMessage = IncomingMessage>(options: StowageStorageOptions<Req>) {
  const target = (): UploadTarget =>
    typeof options.disk === 'object' ? options.disk : registeredDisk<UploadTarget>(options.disk);
  return {
    _handleFile(req: Req, file: IncomingUpload, callback: (error?: unknown, info?: Partial<StoredUpload>) => void): void {
      store(target(), req, file, options).then((info) => callback(null, info), callback);
    },
    _removeFile(_req: Req, file: Partial<StoredUpload>, callback: (error: unknown) => void): void {
      if (!file.path) return callback(null);
      target()
        .deleteFile(file.path)
        .then(
          () => callback(null),
          (error: { code?: string }) => callback(error?.code === 'ENOENT' ? null : error),
        );
    },
  };
}

async function store<Req extends IncomingMessage>(
  disk: UploadTarget,
  req: Req,
  file: IncomingUpload,
  options: StowageStorageOptions<Req>,
): Promise<Partial<StoredUpload>> {
  const path = await options.key(req, file);
  const contentType =
    typeof options.contentType === 'function'
      ? options.contentType(req, file)
      : (options.contentType ?? (lookup(file.originalname) || 'application/octet-stream'));
  const { size, sha256 } = await streamInto(disk, path, file.stream, req, { contentType });
  return { path, size, sha256, contentType };
}

/**
 * Streams `source` (a multipart part, or a request body) into `createWriteStream(path, write)`
 * (`write`: the content type and other metadata the file is stored with), counting
 * bytes and hashing them on the way. The write is aborted, so nothing is published at `path`, when
 * the request closes before it ended (client abort) or the source reports a multer/busboy
 * `limit`; the promise then rejects.
 */
export async function streamInto(
  disk: UploadTarget,
  path: string,
  source: Readable,
  req: IncomingMessage,
  write: WriteFileOptions = {},
): Promise<{ size: number; sha256: string }> {
  const abort = new AbortController();
  const onLimit = () => abort.abort(Object.assign(new Error('File too large'), { code: 'LIMIT_FILE_SIZE' }));
  const onClose = () => {
    if (!req.complete) abort.abort(new Error('Request aborted by the client'));
  };
  source.once('limit', onLimit);
  req.once('close', onClose);

  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, disk.createWriteStream(path, { ...write, signal: abort.signal }), { signal: abort.signal });
  } finally {
    source.off('limit', onLimit);
    req.off('close', onClose);
  }
  return { size, sha256: hash.digest('hex') };
}
