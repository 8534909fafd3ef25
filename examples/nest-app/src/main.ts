import 'reflect-metadata';
import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { StorageErrorFilter } from './storage-error.filter';

async function bootstrap(): Promise<void> {
  const levels = (process.env.LOG_LEVELS ?? 'log,warn,error').split(',') as LogLevel[];
  const app = await NestFactory.create(AppModule, { logger: levels });
  app.useGlobalFilters(new StorageErrorFilter());
  app.enableShutdownHooks();

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  const address = app.getHttpServer().address() as { port: number };
  // The end-to-end test reads this line to find the port when PORT=0.
  console.log(`Stowage example listening on http://${host}:${address.port}`);
}

void bootstrap();
