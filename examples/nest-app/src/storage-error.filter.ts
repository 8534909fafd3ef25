import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';

/** Stowage errors carry fs-style codes; this turns them into HTTP statuses. */
const STATUS_BY_CODE: Record<string, number> = {
  ENOENT: 404,
  EACCES: 403,
  EINVAL: 400,
  EISDIR: 409,
  ENOTDIR: 409,
  EEXIST: 409,
  ENOTEMPTY: 409,
  ETIMEDOUT: 504,
};

@Catch()
export class StorageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(StorageErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    if (error instanceof HttpException) {
      response.status(error.getStatus()).json(error.getResponse());
      return;
    }
    const { code, message } = error as { code?: string; message?: string };
    const status = (code && STATUS_BY_CODE[code]) || 500;
    if (status === 500) this.logger.error(message ?? String(error));
    response.status(status).json({ statusCode: status, code, message });
  }
}
