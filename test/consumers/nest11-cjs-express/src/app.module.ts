import { Module } from '@nestjs/common';
import { MemoryStore, SessionModule } from 'nest-sessions';
import { AppController } from './app.controller';
import { AppService } from './app.service';

@Module({
  imports: [
    SessionModule.forRoot({
      secret:
        process.env.SESSION_SECRET ?? 'consumer-check-secret-at-least-32-characters',
      store: new MemoryStore(),
    }),
  ],
  controllers: [AppController],
  providers: [AppService],
})
export class AppModule {}
