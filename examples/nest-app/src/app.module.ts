import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { StorageModule } from 'stowage/nest';
import { FileCleanupModule } from './file-cleanup/file-cleanup.module';
import { ReplaySegmentsModule } from './replay-segments/replay-segments.module';
import { UploadsModule } from './uploads/uploads.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    ScheduleModule.forRoot(),
    // STORAGE_TYPE and the S3/Azure variables are read through ConfigService by Stowage itself;
    // only the LOCAL root gets a default here: ./data in the working directory.
    StorageModule.forRootAsync({
      isGlobal: true,
      inject: [ConfigService],
      // The root is created when missing.
      useFactory: (config: ConfigService) => ({
        local: { root: resolve(config.get<string>('STORAGE_LOCAL_ROOT') ?? 'data') },
      }),
    }),
    UploadsModule,
    ReplaySegmentsModule,
    FileCleanupModule,
  ],
})
export class AppModule {}
