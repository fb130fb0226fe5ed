import type { Redis } from 'ioredis';
import { SessionModule } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { connectedClient } from '../support/redis.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { GatedController } from './fixtures/gated.controller.js';
import { SessionController } from './fixtures/session.controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(PLATFORMS)('a store outage on %s', (platform) => {
  let redis: DisposableRedis;
  let client: Redis;
  let running: RunningApp;

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    // Fail fast while Redis is away (the README recommends these options): no offline queue, a command timeout.
    client = await connectedClient(redis.port, { enableOfflineQueue: false, commandTimeout: 1000, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client }) })], controllers: [SessionController, GatedController] });
  });
  afterAll(async () => {
    await running.close();
    client.disconnect();
    await redis.kill();
  });

  it('answers 503 on session routes and 200 elsewhere while Redis is down, then recovers by itself', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/set', { path: 'x', value: 1 })).status).toBe(200);

    await redis.kill();
    const started = Date.now();
    const during = await browser.get('/get?path=x');
    expect(during.status).toBe(503);
    expect(during.body.message).toMatch(/session store is unavailable/i);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await browser.post('/set', { path: 'y', value: 2 })).status).toBe(503);
    expect((await browser.get('/untouched')).status).toBe(200);

    await redis.restart();
    let after = await browser.post('/set', { path: 'z', value: 3 });
    for (let i = 0; i < 50 && after.status !== 200; i++) {
      await sleep(100);
      after = await browser.post('/set', { path: 'z', value: 3 });
    }
    expect(after.status).toBe(200);
    expect((await browser.get('/get?path=z')).body.value).toBe(3);
  });

  it('answers 503 through Nest\'s exception layer instead of the handler\'s 200 when the save fails after the handler ran', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/set', { path: 'before', value: 1 })).status).toBe(200);

    GatedController.close();
    const pending = browser.post('/gated/set'); // loads the session, sets a value, waits at the gate
    await sleep(200);
    await redis.kill(); // the save, after the handler returns, now fails
    GatedController.open();
    const answer = await pending;
    expect(answer.status).toBe(503);
    expect(answer.body.message).toMatch(/session store is unavailable/i);
    expect(answer.headers.get('x-handler')).toBe('ran'); // headers set before the failure survive, as for any exception
    expect(answer.headers.get('set-cookie')).toBeNull();

    await redis.restart();
    let after = await browser.post('/gated/set');
    for (let i = 0; i < 50 && after.status !== 200; i++) {
      await sleep(100);
      after = await browser.post('/gated/set');
    }
    expect(after.status).toBe(200);
    expect(after.headers.get('x-handler')).toBe('ran');
  });
});
