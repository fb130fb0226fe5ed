import { execFile } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, open, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { FileStore, SessionModule, type SessionStore } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { CreateSessionTable, TypeOrmStore } from '../../lib/typeorm.js';
import { SECRET } from '../support/constants.js';
import { connectedClient } from '../support/redis.js';
import { DurableRedis } from '../support/durable-redis.js';
import { PLATFORMS, startApp, type Platform } from '../support/platforms.js';
import { ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { HardeningController } from './fixtures/hardening.controller.js';
import { listenerCounts, loadThroughOutage, seedSessions, verifySessions, waitForRecovery, type OutageCounts } from './fixtures/outage-load.js';

/**
 * Fault injection under load: autocannon drives session reads and
 * compare-and-set writes while the backend goes away and comes back. During
 * the outage requests that need the store get 503, none waits past the
 * configured timeouts, the process neither crashes nor leaks listeners, and
 * afterwards every session written before the fault is intact with every
 * acknowledged write in it. The counts are printed once per scenario.
 */
const TEST_TIMEOUT = 60_000;
const run = promisify(execFile);
const SECONDS = 4;
const SEEDED = 40;

interface Backend {
  store: SessionStore;
  /** The client-side timeout the store is configured with: no request may wait much longer. */
  timeoutMs: number;
  emitters: Record<string, EventEmitter>;
  fault(): Promise<unknown>;
  recover(): Promise<unknown>;
  close(): Promise<unknown>;
}

const unhandled: unknown[] = [];
const warnings: Error[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const onWarning = (warning: Error) => void warnings.push(warning);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('warning', onWarning);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('warning', onWarning);
});

async function outage(platform: Platform, scenario: string, backend: Backend): Promise<OutageCounts> {
  const running = await startApp(platform, {
    imports: [SessionModule.forRoot({ secret: SECRET, store: backend.store })],
    controllers: [HardeningController],
  });
  try {
    const sessions = await seedSessions(running.url, SEEDED);
    const emitters = { process, server: running.app.getHttpServer() as EventEmitter, ...backend.emitters };
    const before = listenerCounts(emitters);
    const warningsBefore = warnings.length;

    const load = await loadThroughOutage(running.url, sessions, {
      seconds: SECONDS,
      faultAtMs: 1_000,
      recoverAtMs: 2_500,
      fault: backend.fault,
      recover: backend.recover,
      requestTimeoutS: 10,
    });
    await waitForRecovery(running.url);
    const sessionsVerified = await verifySessions(running.url, sessions, load);
    const counts: OutageCounts = { scenario: `${scenario} on ${platform}`, ...load.counts, sessionsVerified };
    console.log(`[outage counts] ${JSON.stringify(counts)}`);

    expect(counts.unavailable503).toBeGreaterThan(0); // the fault was felt
    expect(counts.otherStatuses).toEqual({}); // and only as 503: no 500, no 502
    expect(counts.connectionErrors).toBe(0); // the process kept answering
    expect(counts.timeouts).toBe(0);
    expect(counts.maxLatencyMs).toBeLessThan(3 * backend.timeoutMs); // at most get + set + a conflict's reload, each bounded
    expect(counts.ok).toBeGreaterThan(0);
    expect(sessionsVerified).toBe(SEEDED);
    expect(unhandled).toEqual([]);
    expect(warnings.slice(warningsBefore).map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    expect(listenerCounts(emitters)).toEqual(before);
    return counts;
  } finally {
    await running.close();
    await backend.close();
  }
}

describe('Redis killed (SIGKILL) and restarted under load', () => {
  let redis: DurableRedis;

  beforeAll(async () => {
    redis = await DurableRedis.start();
  });
  afterAll(() => redis.stop());

  it.each(PLATFORMS)('on %s: 503s during the outage, every session intact afterwards', async (platform) => {
    // Fail fast, as the README recommends: no offline queue, a command timeout, one retry, reconnect every 100 ms.
    const client = await connectedClient(redis.port, { enableOfflineQueue: false, commandTimeout: 1_000, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    await outage(platform, 'Redis SIGKILL + restart', {
      store: new RedisStore({ client, prefix: `outage-${platform}:` }),
      timeoutMs: 1_000,
      emitters: { redisClient: client },
      fault: () => redis.kill(),
      recover: () => redis.restart(),
      close: async () => client.disconnect(),
    });
  }, TEST_TIMEOUT);
});

describe('PostgreSQL stopped and started again under load', () => {
  let pg: ThrowawayPostgres;

  beforeAll(async () => {
    pg = await ThrowawayPostgres.start();
  });
  afterAll(() => pg?.destroy());

  it.each(PLATFORMS)('on %s: 503s during the outage, every session intact afterwards', async (platform) => {
    // Fail fast: a connection timeout and a query timeout on the pool (pg's own options, passed by TypeORM).
    const dataSource = await new DataSource({
      type: 'postgres',
      url: pg.url,
      connectTimeoutMS: 1_000,
      extra: { max: 10, connectionTimeoutMillis: 1_000, query_timeout: 1_000, statement_timeout: 1_000 },
    }).initialize();
    const runner = dataSource.createQueryRunner();
    if (!(await runner.hasTable('sessions'))) await new CreateSessionTable().up(runner);
    await runner.release();
    const pool = (dataSource.driver as unknown as { master: EventEmitter }).master;
    await outage(platform, 'PostgreSQL stop + start', {
      store: new TypeOrmStore({ dataSource, pruneIntervalMs: 0 }),
      timeoutMs: 1_000,
      emitters: { pgPool: pool },
      fault: () => pg.stopServer(),
      recover: () => pg.startServer(),
      close: () => dataSource.destroy(),
    });
  }, TEST_TIMEOUT);
});

describe('the file store\'s disk filled up under load', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nest-sessions-disk-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /**
   * A disk of its own per run: every new visitor under load leaves a session
   * file (a 4 KiB page each on tmpfs), so a disk shared between runs would
   * still be full of the first run's sessions after the second run frees its
   * filler, and the second app could never recover.
   */
  async function freshDisk(name: string): Promise<{ disk: string; method: 'tmpfs' | 'directory replaced by a file'; release(): Promise<unknown> }> {
    const disk = join(root, name);
    await mkdir(disk);
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', disk]);
      return { disk, method: 'tmpfs', release: () => run('umount', [disk]).catch(() => undefined) };
    } catch {
      // No mount permission: make the path unusable instead (root ignores chmod).
      return { disk, method: 'directory replaced by a file', release: async () => undefined };
    }
  }

  it.each(PLATFORMS)('on %s: 503s for writes while full, every session intact afterwards', async (platform) => {
    const { disk, method, release } = await freshDisk(platform);
    const dir = join(disk, 'sessions');
    const filler = join(disk, 'filler');
    const fill = async () => {
      if (method !== 'tmpfs') {
        await rename(dir, `${dir}.away`);
        await writeFile(dir, '');
        return;
      }
      const handle = await open(filler, 'w');
      const chunk = Buffer.alloc(1024 * 1024, 1); // the last write fills what is left, the next one gets ENOSPC
      try {
        for (;;) await handle.write(chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await handle.close();
      }
    };
    const free = async () => {
      if (method !== 'tmpfs') {
        await unlink(dir);
        await rename(`${dir}.away`, dir);
        return;
      }
      await unlink(filler);
    };
    const store = new FileStore({ dir, pruneIntervalMs: 0 });
    const counts = await outage(platform, `FileStore, disk full (${method})`, {
      store,
      timeoutMs: 1_000,
      emitters: {},
      fault: fill,
      recover: free,
      close: async () => {
        await store.close();
        await release();
      },
    });
    if (method === 'tmpfs') expect(counts.ok).toBeGreaterThan(counts.unavailable503); // reads keep working while only writes fail
  }, TEST_TIMEOUT);
});
