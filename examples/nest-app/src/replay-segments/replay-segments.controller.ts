import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import { stowageStorage, type StoredUpload } from 'stowage/nest';
import { safeName } from '../names';
import { ReplaySegmentsService, sessionDir } from './replay-segments.service';

/** Stands in for the media server writing a segment file: streamed to the session's folder. */
const segmentStorage = stowageStorage<Request>({
  key: (req) => `${sessionDir(String(req.params.userId), String(req.params.timestamp))}/${safeName(String(req.params.name))}`,
});

@Controller('sessions')
export class ReplaySegmentsController {
  constructor(private readonly segments: ReplaySegmentsService) {}

  @Post()
  start(@Body() body: { userId?: string }) {
    if (!body?.userId) throw new BadRequestException('Expected { "userId": ... }');
    return this.segments.startSession(body.userId);
  }

  /** Runs the scheduled retention job now. */
  @Post('cleanup')
  @HttpCode(200)
  cleanup() {
    return this.segments.deleteOldSegments();
  }

  @Put(':userId/:timestamp/segments/:name')
  @UseInterceptors(FileInterceptor('file', { storage: segmentStorage }))
  writeSegment(@Param('name') name: string, @UploadedFile() file: StoredUpload | undefined) {
    if (!file) throw new BadRequestException('Expected a multipart field named "file"');
    return { stored: name, size: file.size };
  }

  @Get(':userId/:timestamp/segments')
  async list(@Param('userId') userId: string, @Param('timestamp') timestamp: string) {
    return { segments: await this.segments.listSegments(userId, timestamp) };
  }

  @Delete(':userId/:timestamp')
  @HttpCode(204)
  abort(@Param('userId') userId: string, @Param('timestamp') timestamp: string) {
    return this.segments.abortSession(userId, timestamp);
  }
}
