import { Logger, Module } from '@nestjs/common';
import { MemoryStore, SessionModule } from '../lib/index.js';
import { VisitsController } from './visits.controller.js';

const DEV_SECRET = 'development-only-secret-do-not-use-in-production';

function sessionSecret(): string {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  new Logger('Sample').warn('SESSION_SECRET is not set: using a DEVELOPMENT secret. Set SESSION_SECRET (32+ characters) in production.');
  return DEV_SECRET;
}

@Module({
  imports: [SessionModule.forRoot({ secret: sessionSecret(), store: new MemoryStore() })],
  controllers: [VisitsController],
})
export class AppModule {}
