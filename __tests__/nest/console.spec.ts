// In a file of its own: a Nest app's console logger only prints when no earlier test in the same
// file replaced Nest's static logger (Test.createTestingModule does).
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StorageModule } from 'stowage/nest';
import { logsSettle } from './helpers';

describe('Rust log events in a Nest app', () => {
  it('shows the warning in a Nest app’s console', async () => {
    const saved = process.env.STORAGE_TYPE;
    process.env.STORAGE_TYPE = 'TAPE';
    @Module({ imports: [StorageModule.forRoot()] })
    class AppModule {}

    let printed = '';
    const capture = (chunk: unknown) => {
      printed += String(chunk);
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const app = await NestFactory.createApplicationContext(AppModule, { logger: ['warn', 'error'] });
      await logsSettle();
      await app.close();
    } finally {
      out.mockRestore();
      err.mockRestore();
      if (saved === undefined) delete process.env.STORAGE_TYPE;
      else process.env.STORAGE_TYPE = saved;
    }
    expect(printed).toMatch(/WARN.*\[StorageService\].*TAPE/);
  });
});
