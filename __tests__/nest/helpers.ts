import type { LoggerService } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Rust log events arrive on a later event-loop tick. */
export const logsSettle = () => new Promise((resolve) => setTimeout(resolve, 50));

export type Line = { level: string; message: string; context: unknown };

/** A Nest LoggerService that records what it is given. */
export function recordingLogger(): LoggerService & { lines: Line[] } {
  const lines: Line[] = [];
  const record =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      lines.push({ level, message: String(message), context: rest[rest.length - 1] });
    };
  return {
    lines,
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
  };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'stowage-nest-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
