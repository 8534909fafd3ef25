import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Logger, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { StorageModule } from 'stowage/nest';
import { FileCleanupModule } from './file-cleanup/file-cleanup.module';
import { HealthModule } from './health/health.module';
import { ReplaySegmentsModule } from './replay-segments/replay-segments.module';
import { UploadsModule } from './uploads/uploads.module';

/** Signed URLs on LOCAL need a secret; without STORAGE_SIGNING_SECRET this development app makes one per run. */
function signingSecret(config: ConfigService): string {
  const secret = config.get<string>('STORAGE_SIGNING_SECRET');
  if (secret) return secret;
  new Logger('AppModule').debug('STORAGE_SIGNING_SECRET is not set: signed URLs use a secret made for this run only');
  return randomBytes(32).toString('hex');
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    ScheduleModule.forRoot(),
    // STORAGE_TYPE and the S3/Azure variables are read through ConfigService by Stowage itself;
    // only the LOCAL root gets a default here: ./data in the working directory.
    StorageModule.forRootAsync({
      isGlobal: true,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        local: { root: resolve(config.get<string>('STORAGE_LOCAL_ROOT') ?? 'data') }, // created when missing
        signing: { secret: signingSecret(config) },
      }),
    }),
    UploadsModule,
    ReplaySegmentsModule,
    FileCleanupModule,
    HealthModule,
  ],
})
export class AppModule {}
