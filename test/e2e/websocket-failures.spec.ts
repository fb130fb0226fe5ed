import type { Redis } from 'ioredis';
import { RedisStore } from '../../lib/redis.js';
import { Browser } from '../support/browser.js';
import { connectedClient } from '../support/redis.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { FailingWritesStore } from './fixtures/failing-writes.store.js';
import { BareGateway } from './fixtures/contexts/bare.gateway.js';
import { connect, SOCKET_KINDS, type TestSocket } from './fixtures/contexts/socket-clients.js';
import { startSocketApp } from './fixtures/contexts/socket-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cases = PLATFORMS.flatMap((platform) => SOCKET_KINDS.map((kind) => [platform, kind] as const));

describe.each(cases)('when the store fails under a gateway on %s, %s', (platform, kind) => {
  failOnProcessErrors();
  const sockets: TestSocket[] = [];
  const open = async (url: string, browser: Browser) => {
    const socket = await connect(kind, url, browser);
    sockets.push(socket);
    return socket;
  };
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  describe('Redis down', () => {
    let redis: DisposableRedis;
    let client: Redis;
    let running: RunningApp;

    beforeAll(async () => {
      redis = await DisposableRedis.start();
      // Fail fast while Redis is away, as the README recommends: no offline queue, a command timeout.
      client = await connectedClient(redis.port, { enableOfflineQueue: false, commandTimeout: 1000, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      running = await startSocketApp(platform, kind, new RedisStore({ client }));
    });
    afterAll(async () => {
      await running.close();
      client.disconnect();
      await redis.kill();
    });

    it('answers the message with an error the client sees, keeps serving, and recovers when Redis is back', async () => {
      const browser = new Browser(running.url);
      await browser.post('/account/sign-in', { name: 'ada' });
      const socket = await open(running.url, browser);
      expect((await socket.send('read')).data.user).toBe('ada');

      await redis.kill();
      const read = await socket.send('read');
      expect(read.error?.message).toMatch(/session store is unavailable/i);
      const write = await socket.send('add', 'book');
      expect(write.error?.message).toMatch(/session store is unavailable/i);
      expect((await socket.send('no-session')).ok).toBe(true); // the same connection still serves
      expect((await browser.get('/account/no-session')).status).toBe(200);

      await redis.restart();
      let after = await socket.send('read');
      for (let i = 0; i < 50 && !after.ok; i++) {
        await sleep(100);
        after = await socket.send('read');
      }
      expect(after.ok).toBe(true);
    });
  });

  describe('a save the store refuses', () => {
    const store = new FailingWritesStore();
    let running: RunningApp;

    beforeAll(async () => {
      running = await startSocketApp(platform, kind, store);
    });
    afterAll(() => running.close());

    it('answers the message with an error, not the handler\'s answer, and the session is unchanged', async () => {
      const browser = new Browser(running.url);
      await browser.post('/account/sign-in', { name: 'ada' });
      const socket = await open(running.url, browser);
      store.failWrites = true;
      try {
        const answer = await socket.send('add', 'book');
        expect(answer.error?.message).toMatch(/could not be saved|unavailable/i);
      } finally {
        store.failWrites = false;
      }
      expect((await socket.send('read')).data.cart).toEqual([]);
    });
  });
});

describe.each(PLATFORMS)('a ws gateway that does not keep the handshake, on %s', (platform) => {
  failOnProcessErrors();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startSocketApp(platform, 'ws', new FailingWritesStore(), { providers: [BareGateway] });
  });
  afterAll(() => running.close());

  it('answers @Session() with an error that says to call keepHandshake(client, request) in handleConnection', async () => {
    const browser = new Browser(running.url);
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await connect('ws', `${running.url}/bare`, browser);
    try {
      const answer = await socket.send('read');
      expect(answer.error?.message).toMatch(/handleConnection\(client, request\).*keepHandshake\(client, request\)/);
    } finally {
      socket.close();
    }
  });
});
