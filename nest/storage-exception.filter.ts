import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';

/** HTTP status and public message per Stowage error code; any other code is a 500. */
const RESPONSES: Record<string, [status: number, message: string]> = {
  ENOENT: [HttpStatus.NOT_FOUND, 'File not found'],
  EACCES: [HttpStatus.FORBIDDEN, 'Access denied'],
  EINVAL: [HttpStatus.BAD_REQUEST, 'Invalid path or argument'],
  EEXIST: [HttpStatus.CONFLICT, 'File already exists'],
  ENOTEMPTY: [HttpStatus.CONFLICT, 'Directory not empty'],
  EISDIR: [HttpStatus.CONFLICT, 'Path is a directory'],
  ENOTDIR: [HttpStatus.CONFLICT, 'A file is in the way of the path'],
  ECONFLICT: [HttpStatus.PRECONDITION_FAILED, 'File changed since it was read'],
  ENOTSUP: [HttpStatus.NOT_IMPLEMENTED, 'Not supported by this storage'],
  ETIMEDOUT: [HttpStatus.GATEWAY_TIMEOUT, 'Storage timed out'],
};

/** The status a Stowage error code maps to (500 for codes not in the table). */
export function statusForStorageError(code: string | undefined): number {
  return (code !== undefined && RESPONSES[code]?.[0]) || HttpStatus.INTERNAL_SERVER_ERROR;
}

/** A rejection of a Stowage call: an error with a string `code` and the `retryable` flag. */
export function isStorageError(error: unknown): error is Error & { code: string; retryable: boolean } {
  const e = error as { code?: unknown; retryable?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.retryable === 'boolean';
}

/**
 * Turns Stowage errors into HTTP responses: ENOENT 404, EACCES 403, EINVAL 400, EEXIST, ENOTEMPTY,
 * EISDIR and ENOTDIR 409, ECONFLICT 412, ENOTSUP 501, ETIMEDOUT 504, anything else 500. The body is
 * `{ statusCode, code, message }` with a fixed message per code: the error's own message names the
 * path (and, on object stores, may name the bucket or account), so it only goes to the log, and
 * only for 500s. Nest's HttpExceptions pass through with their own status and body; other errors
 * are a plain 500. Works globally (`app.useGlobalFilters(new StorageExceptionFilter())`, or as
 * `APP_FILTER`) and per controller (`@UseFilters(StorageExceptionFilter)`), on HTTP (Express).
 */
@Catch()
export class StorageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('StorageExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse();
    const request = host.switchToHttp().getRequest();
    if (request?.socket?.destroyed === true) {
      // The client went away (an aborted upload or download): nobody to answer, nothing to alarm.
      this.logger.debug?.(`Request closed by the client: ${(error as Error)?.message ?? String(error)}`);
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      send(response, error.getStatus(), typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body);
      return;
    }
    const code = isStorageError(error) ? error.code : undefined;
    const status = statusForStorageError(code);
    if (status === HttpStatus.INTERNAL_SERVER_ERROR) {
      this.logger.error((error as Error)?.stack ?? String(error));
    }
    const message = (code !== undefined && RESPONSES[code]?.[1]) || 'Internal server error';
    send(response, status, code === undefined ? { statusCode: status, message } : { statusCode: status, code, message });
  }
}

/** Express: a JSON reply, unless the response is already under way (a failed stream). */
function send(response: any, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy?.();
    return;
  }
  response.status(status).json(body);
}
