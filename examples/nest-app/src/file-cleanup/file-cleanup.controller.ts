import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { FileCleanupService } from './file-cleanup.service';

@Controller('cleanup')
export class FileCleanupController {
  constructor(private readonly cleanup: FileCleanupService) {}

  @Get()
  pending() {
    return { pending: this.cleanup.pending() };
  }

  /** Runs the scheduled job now. */
  @Post('run')
  @HttpCode(200)
  run() {
    return this.cleanup.deleteMarkedFiles();
  }
}
