import { Module } from '@nestjs/common';
import { FileCleanupController } from './file-cleanup.controller';
import { FileCleanupService } from './file-cleanup.service';

@Module({
  controllers: [FileCleanupController],
  providers: [FileCleanupService],
  exports: [FileCleanupService],
})
export class FileCleanupModule {}
