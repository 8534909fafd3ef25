import { Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { optionalExport } from './config';
import { getStorageToken } from './disks';
import { StorageService } from './storage.service';

/** `HealthIndicatorService` of `@nestjs/terminus` (an optional peer), else a token nothing provides. */
const HEALTH_INDICATOR_SERVICE: any =
  optionalExport('@nestjs/terminus', 'HealthIndicatorService') ?? Symbol.for('stowage:NO_TERMINUS');

/** Default time a health check waits for the storage to answer. */
const DEFAULT_TIMEOUT_MS = 3000;

export interface StorageHealthOptions {
  /** The named disk to check (`StorageModule.forRoot({ disks })`). Default: the default disk. */
  disk?: string;
  /** How long to wait for an answer before reporting down with `ETIMEDOUT`. Default 3,000 ms. */
  timeoutMs?: number;
}

/** Terminus's `HealthIndicatorResult`: `{ [key]: { status, ...details } }`. */
export type StorageHealthResult = Record<string, { status: 'up' | 'down' } & Record<string, unknown>>;

interface HealthSession {
  up(data?: Record<string, unknown>): StorageHealthResult;
  down(data?: Record<string, unknown>): StorageHealthResult;
}

/** The name of the object a health check asks about; missing is the expected answer. */
const PROBE = '.stowage-health-check';

/**
 * A `@nestjs/terminus` health indicator per disk: one cheap request (`fileExists` of a probe name:
 * a `stat` on LOCAL, a HEAD on S3 and Azure) bounded by a timeout. Up with the provider type; down
 * with the error `code` (`EACCES` for refused credentials, `ETIMEDOUT`, `EIO`...) and no message,
 * so the health endpoint names no bucket, account or path. Needs `TerminusModule` imported and
 * this class listed in the module's providers.
 */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(HEALTH_INDICATOR_SERVICE) private readonly health?: { check(key: string): HealthSession },
  ) {}

  async isHealthy(key = 'storage', options: StorageHealthOptions = {}): Promise<StorageHealthResult> {
    if (!this.health) {
      throw new Error('StorageHealthIndicator needs @nestjs/terminus (npm install @nestjs/terminus, import TerminusModule)');
    }
    const session = this.health.check(key);
    let storage: StorageService;
    try {
      storage = this.moduleRef.get<StorageService>(options.disk ? getStorageToken(options.disk) : StorageService, {
        strict: false,
      });
    } catch {
      return session.down({ code: 'ENOENT', disk: options.disk ?? 'default' });
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    });
    try {
      await Promise.race([storage.getProvider().fileExists(PROBE), timeout]);
      return session.up({ type: storage.defaultType });
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      return session.down({ type: storage.defaultType, code: typeof code === 'string' ? code : 'EIO' });
    } finally {
      clearTimeout(timer);
    }
  }
}
