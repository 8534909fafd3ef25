import type { Request, Response } from 'express';
import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { downloadFile, StorageService, stowageStorage, type StoredUpload } from 'stowage/nest';
import { FileCleanupService } from '../file-cleanup/file-cleanup.service';
import { safeName } from '../names';
import { uploadPath, UploadsService } from './uploads.service';

/** Largest upload accepted: 2 GiB (multer answers 413 beyond it, and nothing is kept). */
const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

@Controller('uploads')
export class UploadsController {
  constructor(
    private readonly uploads: UploadsService,
    private readonly storage: StorageService,
    private readonly cleanup: FileCleanupService,
  ) {}

  /**
   * multipart/form-data with a `file` field, streamed into storage (never held in memory);
   * answers with the size and SHA-256 of the stored bytes.
   */
  @Post()
  @UseInterceptors(
    FileInterceptor('file', {
      storage: stowageStorage({ key: (_req, file) => uploadPath(file.originalname) }),
      limits: { fileSize: MAX_UPLOAD_BYTES },
    }),
  )
  upload(@UploadedFile() file: StoredUpload | undefined) {
    if (!file) throw new BadRequestException('Expected a multipart field named "file"');
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    return { name, path: file.path, size: file.size, sha256: file.sha256 };
  }

  @Get()
  async list() {
    return { files: await this.uploads.list() };
  }

  /** The file, streamed: Range (206), If-None-Match (304), a download name (`?as=...`). */
  @Get(':name')
  download(
    @Param('name') name: string,
    @Query('as') downloadName: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return downloadFile(this.storage, this.uploads.pathOf(name), req, res, { filename: downloadName });
  }

  /** A signed GET URL for the file (on LOCAL served by Stowage's controller, on S3/Azure by the store). */
  @Get(':name/signed-url')
  async signedDownload(@Param('name') name: string) {
    return { url: await this.uploads.signedUrl(name, 'GET') };
  }

  /** A signed PUT URL: the browser uploads the body there directly. */
  @Post(':name/signed-url')
  @HttpCode(200)
  async signedUpload(@Param('name') name: string) {
    return { url: await this.uploads.signedUrl(name, 'PUT') };
  }

  /** Marks the file for deletion; the cleanup job removes it. */
  @Delete(':name')
  @HttpCode(202)
  markForDeletion(@Param('name') name: string) {
    const path = this.uploads.pathOf(safeName(name));
    this.cleanup.markForDeletion(path);
    return { marked: path };
  }
}
