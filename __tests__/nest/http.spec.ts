// The HTTP pieces of stowage/nest through a real Express server on loopback: the exception filter,
// the download helper (Range, ETag, Content-Disposition) and the multer storage engine.
import { lookup } from 'mime-types';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import {
  Controller,
  Get,
  HttpCode,
  INestApplication,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import {
  downloadFile,
  StorageExceptionFilter,
  StorageModule,
  StorageService,
  stowageStorage,
  type StoredUpload,
} from 'stowage/nest';
import { tempDir } from './helpers';
import { listen, multipart, send } from './http-helpers';

@Controller()
class FilesController {
  constructor(private readonly storage: StorageService) {}

  @Get('files/*path')
  download(@Param('path') path: string[], @Query('name') name: string | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return downloadFile(this.storage, path.join('/'), req, res, { filename: name });
  }

  @Post('upload')
  @HttpCode(201)
  @UseInterceptors(
    FileInterceptor('file', {
      storage: stowageStorage({
        key: (_req, file) => `incoming/${file.originalname}`,
        // A name without an extension takes the type the part declares; others the name's.
        contentType: (_req, file) => (file.originalname.includes('.') ? lookup(file.originalname) || 'application/octet-stream' : file.mimetype),
      }),
      limits: { fileSize: 1024 * 1024 },
    }),
  )
  upload(@UploadedFile() file: StoredUpload) {
    return file;
  }

  @Post('fail/:what')
  async fail(@Param('what') what: string) {
    switch (what) {
      case 'enotempty':
        await this.storage.writeFile('full/a.txt', 'a');
        return this.storage.deleteDirectory('full');
      case 'eexist':
        await this.storage.writeFile('plain.txt', 'a');
        return this.storage.ensureDirectory('plain.txt/sub');
      case 'eacces':
        return this.storage.readFile('../../etc/passwd');
      case 'einval':
        return this.storage.readFile('bad\u0001name');
      case 'enotsup':
        return this.storage.getSignedUrl('plain.txt');
      default:
        // Codes that need a cloud store or a race to happen: thrown as Stowage throws them.
        throw Object.assign(new Error(`failed at bucket secret-bucket/${what} with key AKIA123`), {
          code: what.toUpperCase(),
          retryable: false,
          path: 'secret-bucket/x',
        });
    }
  }

  @Put('plain')
  plain() {
    throw new Error('not a storage error: /srv/internal/path');
  }
}

describe('stowage/nest over HTTP (LOCAL)', () => {
  let app: INestApplication;
  let base: string;
  let dir: ReturnType<typeof tempDir>;
  const content = Buffer.from('0123456789abcdefghij');

  beforeAll(async () => {
    dir = tempDir();
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storageType: 'LOCAL', local: { root: dir.path }, env: {} })],
      controllers: [FilesController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new StorageExceptionFilter());
    base = await listen(app);
    await app.get(StorageService).writeFile('docs/report.pdf', content);
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  describe('StorageExceptionFilter', () => {
    it.each([
      ['enoent', 404, 'ENOENT'],
      ['eacces', 403, 'EACCES'],
      ['einval', 400, 'EINVAL'],
      ['eexist', 409, undefined],
      ['enotempty', 409, 'ENOTEMPTY'],
      ['econflict', 412, 'ECONFLICT'],
      ['enotsup', 501, 'ENOTSUP'],
      ['etimedout', 504, 'ETIMEDOUT'],
      ['eio', 500, 'EIO'],
    ])('maps %s to %i with a body naming no path, bucket or key', async (what, status, code) => {
      const url = what === 'enoent' ? `${base}/files/missing/secret-dir/x.txt` : `${base}/fail/${what}`;
      const reply = await send(url, { method: what === 'enoent' ? 'GET' : 'POST' });
      expect(reply.status).toBe(status);
      const body = JSON.parse(reply.body.toString());
      expect(body.statusCode).toBe(status);
      if (code) expect(body.code).toBe(code);
      const text = reply.body.toString();
      for (const secret of ['secret', 'bucket', 'AKIA', dir.path, 'passwd', 'plain.txt', 'full']) {
        expect(text).not.toContain(secret);
      }
    });

    it('leaves HttpExceptions to their own status and other errors to a bare 500', async () => {
      const missing = await send(`${base}/nowhere`);
      expect(missing.status).toBe(404);
      const plain = await send(`${base}/plain`, { method: 'PUT' });
      expect(plain.status).toBe(500);
      expect(plain.body.toString()).not.toContain('/srv/internal');
    });
  });

  describe('downloadFile', () => {
    it('streams the file with Content-Type, Content-Length, ETag, Last-Modified and Content-Disposition', async () => {
      const reply = await send(`${base}/files/docs/report.pdf`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(content);
      expect(reply.headers['content-type']).toBe('application/pdf');
      expect(reply.headers['content-length']).toBe(String(content.length));
      // The store's own validator (LOCAL: device, inode, size and mtime), quoted as HTTP has it.
      const { etag } = await app.get(StorageService).getFileStats('docs/report.pdf');
      expect(reply.headers['etag']).toBe(`"${etag!.replace(/"/g, '')}"`);
      expect(new Date(reply.headers['last-modified']!).getTime()).toBeGreaterThan(0);
      expect(reply.headers['accept-ranges']).toBe('bytes');
      expect(reply.headers['content-disposition']).toBe('attachment; filename="report.pdf"');
    });

    it('names a download with non-ASCII characters (RFC 6266 filename*)', async () => {
      const reply = await send(`${base}/files/docs/report.pdf?name=${encodeURIComponent('Résumé 年报.pdf')}`);
      expect(reply.headers['content-disposition']).toBe(
        `attachment; filename="Résumé ??.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E5%B9%B4%E6%8A%A5.pdf`,
      );
    });

    it('answers a Range request with 206 and exactly those bytes', async () => {
      const reply = await send(`${base}/files/docs/report.pdf`, { headers: { Range: 'bytes=2-5' } });
      expect(reply.status).toBe(206);
      expect(reply.body.toString()).toBe('2345');
      expect(reply.headers['content-range']).toBe(`bytes 2-5/${content.length}`);
      expect(reply.headers['content-length']).toBe('4');

      const suffix = await send(`${base}/files/docs/report.pdf`, { headers: { Range: 'bytes=-3' } });
      expect(suffix.status).toBe(206);
      expect(suffix.body.toString()).toBe('hij');
    });

    it('answers an unsatisfiable Range with 416 and the size', async () => {
      const reply = await send(`${base}/files/docs/report.pdf`, { headers: { Range: 'bytes=100-200' } });
      expect(reply.status).toBe(416);
      expect(reply.headers['content-range']).toBe(`bytes */${content.length}`);
    });

    it('sends the whole file for a Range whose If-Range no longer matches', async () => {
      const reply = await send(`${base}/files/docs/report.pdf`, {
        headers: { Range: 'bytes=2-5', 'If-Range': 'W/"old"' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(content);
    });

    it('answers a matching If-None-Match with 304 and no body, a stale one with the file', async () => {
      const first = await send(`${base}/files/docs/report.pdf`);
      const cached = await send(`${base}/files/docs/report.pdf`, { headers: { 'If-None-Match': first.headers.etag! } });
      expect(cached.status).toBe(304);
      expect(cached.body.length).toBe(0);
      const stale = await send(`${base}/files/docs/report.pdf`, { headers: { 'If-None-Match': 'W/"1-1"' } });
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual(content);
    });

    it('answers HEAD with the headers and no body', async () => {
      const reply = await send(`${base}/files/docs/report.pdf`, { method: 'HEAD' });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-length']).toBe(String(content.length));
      expect(reply.body.length).toBe(0);
    });
  });

  describe('stowageStorage (multer engine)', () => {
    it('streams the part into storage and reports its size, SHA-256 and content type', async () => {
      const data = Buffer.alloc(300 * 1024, 7);
      const form = multipart('file', 'photo.png', data, 'image/png');
      const reply = await send(`${base}/upload`, {
        method: 'POST',
        headers: { 'Content-Type': form.contentType },
        body: form.body,
      });
      expect(reply.status).toBe(201);
      const info = JSON.parse(reply.body.toString());
      expect(info).toMatchObject({
        path: 'incoming/photo.png',
        size: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        contentType: 'image/png',
        originalname: 'photo.png',
      });
      // Buffer.equals: jest's toEqual walks a large Buffer byte by byte, for seconds.
      expect((await app.get(StorageService).readFile('incoming/photo.png')).equals(data)).toBe(true);
    });

    it('stores the file with the content type the engine chose', async () => {
      const form = multipart('file', 'scan', Buffer.from('%PDF-1.7'), 'application/pdf');
      const reply = await send(`${base}/upload`, { method: 'POST', headers: { 'Content-Type': form.contentType }, body: form.body });
      expect(reply.status).toBe(201);
      expect(JSON.parse(reply.body.toString())).toMatchObject({ contentType: 'application/pdf' });
      // No extension: only the engine can have told the storage this type.
      expect(await app.get(StorageService).getFileStats('incoming/scan')).toMatchObject({ contentType: 'application/pdf' });
      await app.get(StorageService).deleteFile('incoming/scan');
    });

    it('stores nothing when a multer limit trips (413)', async () => {
      const form = multipart('file', 'too-big.bin', Buffer.alloc(2 * 1024 * 1024, 1));
      const reply = await send(`${base}/upload`, {
        method: 'POST',
        headers: { 'Content-Type': form.contentType },
        body: form.body,
      });
      expect(reply.status).toBe(413);
      expect(await app.get(StorageService).fileExists('incoming/too-big.bin')).toBe(false);
      expect(readdirSync(`${dir.path}/incoming`).filter((n) => n !== 'photo.png')).toEqual([]);
    });

    it('stores nothing, and leaves no temporary file, when the client aborts mid-upload', async () => {
      const form = multipart('file', 'aborted.bin', Buffer.alloc(0));
      const req = httpRequest(`${base}/upload`, {
        method: 'POST',
        headers: { 'Content-Type': form.contentType, 'Content-Length': String(form.head.length + 8 * 1024 * 1024) },
      });
      req.on('error', () => {});
      req.write(form.head);
      req.write(Buffer.alloc(512 * 1024, 3));
      await new Promise((resolve) => setTimeout(resolve, 200));
      req.destroy();
      // The server notices the closed connection, aborts the write and removes its temporary file.
      const deadline = Date.now() + 5000;
      let left: string[] = [];
      do {
        await new Promise((resolve) => setTimeout(resolve, 50));
        left = readdirSync(`${dir.path}/incoming`).filter((n) => n !== 'photo.png');
      } while (left.length && Date.now() < deadline);
      expect(left).toEqual([]);
      expect(await app.get(StorageService).fileExists('incoming/aborted.bin')).toBe(false);
    });
  });
});
