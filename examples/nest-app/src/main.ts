import 'reflect-metadata';
import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StorageExceptionFilter } from 'stowage/nest';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const levels = (process.env.LOG_LEVELS ?? 'log,warn,error').split(',') as LogLevel[];
  const app = await NestFactory.create(AppModule, { logger: levels });
  // Stowage's fs-style codes as HTTP statuses (ENOENT 404, EACCES 403, ...), bodies without paths.
  app.useGlobalFilters(new StorageExceptionFilter());
  app.enableShutdownHooks();

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  const address = app.getHttpServer().address() as { port: number };
  // The end-to-end test reads this line to find the port when PORT=0.
  console.log(`Stowage example listening on http://${host}:${address.port}`);
}

void bootstrap();
