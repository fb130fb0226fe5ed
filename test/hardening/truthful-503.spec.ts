import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { callStore } from '../../lib/commit/call-store.js';
import { SessionModule, SessionStoreUnavailableError } from '../../lib/index.js';
import type { ResolvedSession } from '../../lib/session-config.js';
import { RedisStore } from '../../lib/redis.js';
import { CreateSessionTable, SessionEntity, TypeOrmStore } from '../../lib/typeorm.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { connectedClient } from '../support/redis.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { databaseUrl } from '../support/postgres.js';
import { RegenerateRacesController } from '../e2e/fixtures/regenerate-races.controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(PLATFORMS)('a 503 tells the truth about a write on %s', (platform) => {
  describe('RedisStore with a commandTimeout, Redis paused just as the write goes out', () => {
    let redis: DisposableRedis;
    let client: Redis;
    let running: RunningApp;

    beforeAll(async () => {
      redis = await DisposableRedis.start();
      client = await connectedClient(redis.port, { commandTimeout: 300, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client }) })], controllers: [RegenerateRacesController] });
    });
    afterAll(async () => {
      await running.close();
      client.disconnect();
      await redis.kill();
    });

    it('answers 503 and the write never lands when Redis resumes: a retry applies the change once', async () => {
      for (let run = 0; run < Number(process.env.RACE_RUNS ?? 3); run++) {
        const browser = new Browser(running.url);
        await browser.post('/race/sign-in');
        const pending = browser.post('/race/slow-inc?ms=150'); // loads now, writes in 150 ms
        await sleep(60);
        redis.pause();
        const answer = await pending;
        expect(answer.status).toBe(503);
        redis.resume();
        await sleep(200); // whatever Redis was holding has run by now
        expect((await browser.get('/race/me')).body.n).toBe(0);
        expect((await browser.post('/race/slow-inc?ms=0')).status).toBe(200); // the client's retry
        expect((await browser.get('/race/me')).body.n).toBe(1);
      }
    });
  });
});

describe('TypeOrmStore on PostgreSQL with a client-side query_timeout', () => {
  let dataSource: DataSource;
  let store: TypeOrmStore;

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'postgres', url: databaseUrl(), entities: [SessionEntity], extra: { query_timeout: 300 } }).initialize();
    const runner = dataSource.createQueryRunner();
    if (!(await runner.hasTable('sessions'))) await new CreateSessionTable().up(runner);
    await runner.release();
    store = new TypeOrmStore({ dataSource });
  });
  afterAll(() => dataSource.destroy());

  it('says the outcome of a timed-out write is unknown, because PostgreSQL may still apply it', async () => {
    const id = 'x'.repeat(43);
    const now = Date.now();
    await store.set(id, { data: { n: 0 }, flash: {}, createdAt: now, expiresAt: now + 60_000, version: 1 }, { ttlMs: 60_000 });
    const locker = dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [id]); // the write waits behind this lock
    const failure = await callStore({ storeName: 'TypeOrmStore' } as ResolvedSession, 'set', () =>
      store.set(id, { data: { n: 1 }, flash: {}, createdAt: now, expiresAt: now + 60_000, version: 2 }, { ttlMs: 60_000, ifVersion: 1 }),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    await locker.commitTransaction();
    await locker.release();
    expect(failure).toBeInstanceOf(SessionStoreUnavailableError);
    expect((failure as SessionStoreUnavailableError).outcome).toBe('unknown');
    expect((failure as Error).message).toMatch(/may still be applied/);
    await sleep(200);
    // And indeed: PostgreSQL ran the UPDATE once the lock was gone, after the client had given up.
    expect((await store.get(id))?.version).toBe(2);
  });
});

