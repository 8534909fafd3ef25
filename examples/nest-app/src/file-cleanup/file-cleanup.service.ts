import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { StorageService } from 'stowage/nest';
import { scheduledJobsOff } from '../schedule';

export interface CleanupResult {
  deleted: string[];
  failed: string[];
}

/**
 * Deletes files marked for deletion, every 10 minutes. The marks live in memory here; a real
 * backend keeps them in its database.
 */
@Injectable()
export class FileCleanupService {
  private readonly logger = new Logger(FileCleanupService.name);
  private readonly marked = new Set<string>();

  constructor(private readonly storage: StorageService) {}

  markForDeletion(path: string): void {
    this.marked.add(path);
  }

  pending(): string[] {
    return [...this.marked];
  }

  @Cron(CronExpression.EVERY_10_MINUTES, { disabled: scheduledJobsOff() })
  async deleteMarkedFiles(): Promise<CleanupResult> {
    const result: CleanupResult = { deleted: [], failed: [] };
    for (const path of [...this.marked]) {
      try {
        await this.storage.deleteFile(path);
        result.deleted.push(path);
        this.marked.delete(path);
      } catch (error) {
        const { code, message } = error as { code?: string; message?: string };
        if (code === 'ENOENT') {
          this.marked.delete(path); // already gone: nothing left to do
        } else {
          result.failed.push(path); // kept marked: the next run tries again
          this.logger.error(`Failed to delete ${path}: ${message}`);
        }
      }
    }
    if (result.deleted.length) this.logger.log(`Deleted ${result.deleted.length} marked file(s)`);
    return result;
  }
}
