import { Logger } from '@nestjs/common';
import type { LogEvent } from 'stowage';
import { LOG_CONTEXT } from './constants';

const loggers = new Map<string, Logger>();

function loggerFor(context: string): Logger {
  let logger = loggers.get(context);
  if (!logger) {
    logger = new Logger(context);
    loggers.set(context, logger);
  }
  return logger;
}

/**
 * Sends a Rust log event to Nest's `Logger` (context `StorageService`), so it goes wherever the
 * app's logger goes (`app.useLogger`, `Test.createTestingModule(...).setLogger`).
 */
export function nestLogBridge(event: LogEvent): void {
  const logger = loggerFor(event.context || LOG_CONTEXT);
  switch (event.level) {
    case 'debug':
      logger.debug(event.message);
      break;
    case 'warn':
      logger.warn(event.message);
      break;
    case 'error':
      logger.error(event.message);
      break;
    default:
      logger.log(event.message);
  }
}
