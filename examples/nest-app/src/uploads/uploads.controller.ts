import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { FileCleanupService } from '../file-cleanup/file-cleanup.service';
import { safeName, UploadedBlob } from '../names';
import { UPLOADS_DIR, UploadsService } from './uploads.service';

@Controller('uploads')
export class UploadsController {
  constructor(
    private readonly uploads: UploadsService,
    private readonly cleanup: FileCleanupService,
  ) {}

  /** multipart/form-data with a `file` field; answers with the SHA-256 of the stored bytes. */
  @Post()
  @UseInterceptors(FileInterceptor('file'))
  upload(@UploadedFile() file: UploadedBlob | undefined) {
    if (!file) throw new BadRequestException('Expected a multipart field named "file"');
    return this.uploads.store(file.originalname, file.buffer);
  }

  @Get()
  async list() {
    return { files: await this.uploads.list() };
  }

  @Get(':name')
  async download(@Param('name') name: string) {
    return new StreamableFile(await this.uploads.read(name));
  }

  /** Marks the file for deletion; the cleanup job removes it. */
  @Delete(':name')
  @HttpCode(202)
  markForDeletion(@Param('name') name: string) {
    const path = `${UPLOADS_DIR}/${safeName(name)}`;
    this.cleanup.markForDeletion(path);
    return { marked: path };
  }
}
