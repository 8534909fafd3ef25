import { Module } from '@nestjs/common';
import { ReplaySegmentsController } from './replay-segments.controller';
import { ReplaySegmentsService } from './replay-segments.service';

@Module({
  controllers: [ReplaySegmentsController],
  providers: [ReplaySegmentsService],
})
export class ReplaySegmentsModule {}
