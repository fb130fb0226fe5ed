import { Controller, Get, Module, Post } from '@nestjs/common';
import { CookieStore, MemoryStore, Session, SessionModule, type SessionStore } from '../../lib/index.js';
import { countCalls, countIoredisCommands } from './app-stats.js';
import { BENCH_SECRET, env, main, runBenchApp } from './bench-app.js';

interface Counter {
  count: number;
}

@Controller()
class NestSessionsController {
  @Get('read')
  read(@Session() session: Session<Counter>) {
    return { count: session.get('count', 0) };
  }

  @Post('write')
  write(@Session() session: Session<Counter>) {
    return { count: session.increment('count') };
  }

  @Get('create')
  create(@Session() session: Session<Counter>) {
    return { count: session.increment('count') };
  }

  @Get('none')
  none() {
    return { count: 0 };
  }
}

/**
 * BENCH_STORE=memory | cookie | redis | sqlite, with every other option at
 * its default (idleTimeout 2h, touchAfter 12 min). Redis and TypeORM are
 * loaded only for their variants, as in an app that never imports them.
 */
async function createStore(): Promise<{ store: SessionStore; close(): Promise<void> }> {
  switch (env.store) {
    case 'memory':
      return { store: new MemoryStore(), close: async () => undefined };
    case 'cookie':
      return { store: new CookieStore(), close: async () => undefined };
    case 'redis': {
      const [{ Redis }, { RedisStore }] = await Promise.all([import('ioredis'), import('../../lib/redis.js')]);
      const client = countIoredisCommands(new Redis(env.redisUrl));
      return { store: new RedisStore({ client }), close: async () => void (await client.quit()) };
    }
    case 'sqlite': {
      const [{ TypeOrmStore }, { openSqlite }] = await Promise.all([import('../../lib/typeorm.js'), import('./sqlite-database.js')]);
      const database = await openSqlite();
      return { store: new TypeOrmStore({ dataSource: database.dataSource }), close: database.close };
    }
    default:
      throw new Error(`Unknown BENCH_STORE "${env.store}": use memory, cookie, redis or sqlite.`);
  }
}

main(async () => {
  const { store, close } = await createStore();
  // CookieStore's methods are no-ops (the record travels in the cookie): nothing to count.
  if (env.store !== 'cookie') countCalls(store, ['get', 'set', 'touch', 'destroy'], 'store ', (m) => m);

  @Module({
    imports: [SessionModule.forRoot({ secret: BENCH_SECRET, store, cookie: { name: 'sid' } })],
    controllers: [NestSessionsController],
  })
  class NestSessionsModule {}

  await runBenchApp(NestSessionsModule, { close });
});
