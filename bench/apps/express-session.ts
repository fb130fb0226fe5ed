import { Controller, Get, Module, Post, Req } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import session, { MemoryStore, type Store } from 'express-session';
import { createClient } from 'redis';
import { countCalls } from './app-stats.js';
import { BENCH_SECRET, env, main, runBenchApp } from './bench-app.js';

declare module 'express-session' {
  interface SessionData {
    count: number;
  }
}

type Request = { session: session.Session & Partial<session.SessionData> };

/** express-session's recommended settings (resave and saveUninitialized off); sessions are touched on reads, its default. */
@Controller()
class ExpressSessionController {
  @Get('read')
  read(@Req() req: Request) {
    return { count: req.session.count ?? 0 };
  }

  @Post('write')
  write(@Req() req: Request) {
    req.session.count = (req.session.count ?? 0) + 1;
    return { count: req.session.count };
  }

  @Get('create')
  create(@Req() req: Request) {
    req.session.count = (req.session.count ?? 0) + 1;
    return { count: req.session.count };
  }

  @Get('none')
  none() {
    return { count: 0 };
  }
}

@Module({ controllers: [ExpressSessionController] })
class ExpressSessionModule {}

/** BENCH_STORE=memory (express-session's MemoryStore) or redis (connect-redis over the `redis` client). */
async function createStore(): Promise<{ store: Store; close(): Promise<void> }> {
  if (env.store === 'redis') {
    const client = createClient({ url: env.redisUrl });
    await client.connect();
    countCalls(client, ['get', 'set', 'expire', 'del'], 'redis ');
    return { store: countCalls(new RedisStore({ client }), ['get', 'set', 'touch', 'destroy'], 'store '), close: async () => void (await client.quit()) };
  }
  return { store: countCalls(new MemoryStore(), ['get', 'set', 'touch', 'destroy'], 'store '), close: async () => undefined };
}

main(async () => {
  const { store, close } = await createStore();
  await runBenchApp(ExpressSessionModule, {
    configure: (app) => {
      app.use(session({ secret: BENCH_SECRET, store, resave: false, saveUninitialized: false, name: 'sid' }));
    },
    close,
  });
});
