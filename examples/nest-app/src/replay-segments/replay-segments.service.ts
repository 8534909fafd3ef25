import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Cron, CronExpression } from '@nestjs/schedule';
import { StorageService } from 'stowage/nest';
import { safeName } from '../names';
import { scheduledJobsOff } from '../schedule';

export const SEGMENTS_ROOT = 'replay-segments';
/** Segment files written by the media server: `segment-<n>.ts` or `.m4s`. */
const SEGMENT_NAME = /^segment-\d+\.(ts|m4s)$/;

/** The folder of one recording session. */
export function sessionDir(userId: string, timestamp: string): string {
  return `${SEGMENTS_ROOT}/${safeName(userId)}/${safeName(timestamp)}`;
}

export interface SegmentInfo {
  name: string;
  size: number;
  mtime: string;
}

@Injectable()
export class ReplaySegmentsService {
  private readonly logger = new Logger(ReplaySegmentsService.name);
  private readonly retentionMs: number;

  constructor(
    private readonly storage: StorageService,
    config: ConfigService,
  ) {
    this.retentionMs = Number(config.get('SEGMENT_RETENTION_MS') ?? 20 * 60 * 1000);
  }

  sessionDir(userId: string, timestamp: string): string {
    return sessionDir(userId, timestamp);
  }

  /** One folder per recording session; the media server writes its segments there. */
  async startSession(userId: string): Promise<{ userId: string; timestamp: string; dir: string }> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const dir = this.sessionDir(userId, timestamp);
    await this.storage.ensureDirectory(dir);
    return { userId, timestamp, dir };
  }

  /** Starting the recording failed: remove the session folder and whatever is in it. */
  abortSession(userId: string, timestamp: string): Promise<void> {
    return this.storage.deleteDirectory(this.sessionDir(userId, timestamp), { recursive: true, force: true });
  }

  async listSegments(userId: string, timestamp: string): Promise<SegmentInfo[]> {
    const dir = this.sessionDir(userId, timestamp);
    const names = await this.storage.listFiles(dir, { filter: (name) => SEGMENT_NAME.test(name) });
    return Promise.all(
      names.map(async (name) => {
        const stats = await this.storage.getFileStats(`${dir}/${name}`);
        return { name, size: stats.size, mtime: stats.mtime.toISOString() };
      }),
    );
  }

  /** Every 5 minutes: delete segments older than the retention (20 minutes) in every session. */
  @Cron(CronExpression.EVERY_5_MINUTES, { disabled: scheduledJobsOff() })
  async deleteOldSegments(): Promise<{ sessions: number; deleted: number }> {
    const olderThan = new Date(Date.now() - this.retentionMs);
    let sessions = 0;
    let deleted = 0;
    if (!(await this.storage.directoryExists(SEGMENTS_ROOT))) return { sessions, deleted };
    for (const userId of await this.storage.listFiles(SEGMENTS_ROOT)) {
      const userDir = `${SEGMENTS_ROOT}/${userId}`;
      if (!(await this.storage.directoryExists(userDir))) continue;
      for (const timestamp of await this.storage.listFiles(userDir)) {
        const dir = `${userDir}/${timestamp}`;
        if (!(await this.storage.directoryExists(dir))) continue;
        sessions += 1;
        deleted += await this.storage.deleteOldFiles(dir, olderThan);
      }
    }
    if (deleted) this.logger.log(`Deleted ${deleted} old segment(s) in ${sessions} session(s)`);
    return { sessions, deleted };
  }
}
