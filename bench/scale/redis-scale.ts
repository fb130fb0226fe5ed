import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../../lib/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { formatTiming, HOUR, interleavedStoreTimings, log, MB, sampleRecord, type Timing } from './timing.js';

export interface RedisScaleResult {
  keys: number;
  loadSeconds: number;
  usedMemoryMB: number;
  get: { at1k: Timing; atFull: Timing };
  set: { at1k: Timing; atFull: Timing };
  touch: { at1k: Timing; atFull: Timing };
}

const OPS = 5_000;
/** Turns the 1,000-key and the full database take, alternately. */
const ROUNDS = 10;
/** Versions our compare-and-set writes reached; every row starts at 1 and only these writes change it. */
const versions = new Map<string, number>();

/**
 * RedisStore over a fresh redis-server: 1,000 keys in database 1 and `count`
 * in database 0, loaded by pipelined SETs (the record JSON the store itself
 * writes). The two are timed in alternating rounds (see
 * interleavedStoreTimings): every store operation is one command on one key,
 * so its time stays flat.
 */
export async function redisScale(count: number): Promise<RedisScaleResult> {
  const server = await startRedisServer();
  const smallClient = new Redis(server.url, { db: 1 });
  const fullClient = new Redis(server.url);
  try {
    const now = Date.now();
    const smallIds: string[] = [];
    await load(smallClient, smallIds, 1000, now);
    const fullIds: string[] = [];
    const started = performance.now();
    await load(fullClient, fullIds, count, now);
    const loadSeconds = (performance.now() - started) / 1000;
    const keys = await fullClient.dbsize();
    log(`  redis: ${keys.toLocaleString('en-US')} keys in ${loadSeconds.toFixed(1)} s`);
    const [at1k, atFull] = await interleavedStoreTimings(
      [
        { store: new RedisStore({ client: smallClient }), ids: smallIds },
        { store: new RedisStore({ client: fullClient }), ids: fullIds },
      ],
      now,
      OPS,
      ROUNDS,
      versions,
    );
    const memory = /used_memory:(\d+)/.exec(await server.admin.info('memory'))?.[1];
    log(`  redis: get at 1k ${formatTiming(at1k!.get)}; at ${count.toLocaleString('en-US')} ${formatTiming(atFull!.get)}`);
    return {
      keys,
      loadSeconds,
      usedMemoryMB: Number(memory) / MB,
      get: { at1k: at1k!.get, atFull: atFull!.get },
      set: { at1k: at1k!.set, atFull: atFull!.set },
      touch: { at1k: at1k!.touch, atFull: atFull!.touch },
    };
  } finally {
    smallClient.disconnect();
    fullClient.disconnect();
    await server.stop();
  }
}

/** Pipelined SET … PX in batches of 10,000, in the store's own key and record format, into `client`'s database. */
async function load(client: Redis, ids: string[], n: number, now: number): Promise<void> {
  for (let done = 0; done < n; ) {
    const pipeline = client.pipeline();
    for (let k = 0; k < 10_000 && done < n; k++, done++) {
      const id = randomBytes(32).toString('base64url');
      const i = ids.push(id);
      const { version, expiresAt, createdAt, data, flash } = sampleRecord(i, now, HOUR);
      pipeline.set(`sess:${id}`, JSON.stringify({ version, expiresAt, createdAt, data, flash }), 'PX', HOUR);
    }
    await pipeline.exec();
  }
}
