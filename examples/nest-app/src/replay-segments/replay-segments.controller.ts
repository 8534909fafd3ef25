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
import { UploadedBlob } from '../names';
import { ReplaySegmentsService } from './replay-segments.service';

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
  @UseInterceptors(FileInterceptor('file'))
  async writeSegment(
    @Param('userId') userId: string,
    @Param('timestamp') timestamp: string,
    @Param('name') name: string,
    @UploadedFile() file: UploadedBlob | undefined,
  ) {
    if (!file) throw new BadRequestException('Expected a multipart field named "file"');
    await this.segments.writeSegment(userId, timestamp, name, file.buffer);
    return { stored: name };
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
