// StorageHealthIndicator with @nestjs/terminus, over HTTP: up per disk, down with the error code
// (a storage that never answers: ETIMEDOUT within the timeout), nothing internal in the body.
import { createServer, type Server, type Socket } from 'node:net';
import { Controller, Get, INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { StorageHealthIndicator, StorageModule } from 'stowage/nest';
import { listen, send } from './http-helpers';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly storage: StorageHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.storage.isHealthy('storage'),
      () => this.storage.isHealthy('archive', { disk: 'archive', timeoutMs: 300 }),
    ]);
  }
}

describe('StorageHealthIndicator', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    // Accepts connections and never answers: a storage endpoint that hangs.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule,
        StorageModule.forRoot({
          disks: {
            main: { type: 'MEMORY' },
            archive: {
              type: 'S3',
              bucket: 'private-archive-bucket',
              region: 'us-east-1',
              endpoint: `http://127.0.0.1:${port}`,
              accessKeyId: 'AKIAHEALTHCHECK',
              secretAccessKey: 'not-a-real-secret',
              retry: { maxRetries: 0 },
            },
          },
          default: 'main',
        }),
      ],
      controllers: [HealthController],
      providers: [StorageHealthIndicator],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
    sockets.forEach((s) => s.destroy());
    silent.close();
  });

  it('reports each disk: up with its type, down with the error code within the timeout', async () => {
    const started = Date.now();
    const reply = await send(`${base}/health`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(reply.status).toBe(503);
    const body = JSON.parse(reply.body.toString());
    expect(body.info).toEqual({ storage: { status: 'up', type: 'MEMORY' } });
    expect(body.error).toEqual({ archive: { status: 'down', type: 'S3', code: 'ETIMEDOUT' } });
    expect(reply.body.toString()).not.toMatch(/private-archive-bucket|AKIA|not-a-real-secret|127\.0\.0\.1/);
  });
});
