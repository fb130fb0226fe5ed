import type { Redis } from 'ioredis';
import { SessionModule } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp } from '../support/platforms.js';
import { REDIS, RedisModule } from './fixtures/redis-app/redis.module.js';
import { SessionController } from './fixtures/session.controller.js';

describe.each(PLATFORMS)("the README's RedisStore setup on %s", (platform) => {
  it('serves the very first requests after start-up, even with enableOfflineQueue: false, and quits its client with the app', async () => {
    const running = await startApp(platform, {
      imports: [
        RedisModule,
        SessionModule.forRootAsync({
          inject: [REDIS],
          useFactory: (redis: Redis) => ({ secret: SECRET, store: new RedisStore({ client: redis }) }),
        }),
      ],
      controllers: [SessionController],
    });
    const client = running.app.get<Redis>(REDIS);
    const browser = new Browser(running.url);
    const answers = await Promise.all([browser.clone().post('/set', { path: 'a', value: 1 }), browser.clone().post('/set', { path: 'b', value: 2 })]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await running.close();
    // The module's onApplicationShutdown quit the client: it ends, and nothing keeps the test runner alive.
    if (client.status !== 'end') await new Promise((resolve) => client.once('end', resolve));
    expect(client.status).toBe('end');
  });
});
