import { Module } from '@nestjs/common';
import { FileCleanupModule } from '../file-cleanup/file-cleanup.module';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

@Module({
  imports: [FileCleanupModule],
  controllers: [UploadsController],
  providers: [UploadsService],
})
export class UploadsModule {}
