import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { StorageHealthIndicator } from 'stowage/nest';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly storage: StorageHealthIndicator,
  ) {}

  /** 200 when the storage answers a cheap request within 3 s, else 503 with its error code. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.storage.isHealthy('storage', { timeoutMs: 3000 })]);
  }
}

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [StorageHealthIndicator],
})
export class HealthModule {}
