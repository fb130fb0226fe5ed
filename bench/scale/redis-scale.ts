import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../../lib/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { formatTiming, HOUR, log, MB, sampleRecord, storeTimings, type Timing } from './timing.js';

export interface RedisScaleResult {
  keys: number;
  loadSeconds: number;
  usedMemoryMB: number;
  get: { at1k: Timing; atFull: Timing };
  set: { at1k: Timing; atFull: Timing };
  touch: { at1k: Timing; atFull: Timing };
}

const OPS = 5_000;
/** Versions our compare-and-set writes reached; every row starts at 1 and only these writes change it. */
const versions = new Map<string, number>();

/**
 * RedisStore over a fresh redis-server with 1,000 keys, then `count` keys
 * loaded by pipelined SETs (the record JSON the store itself writes): every
 * store operation is one command on one key, so its time stays flat.
 */
export async function redisScale(count: number): Promise<RedisScaleResult> {
  const server = await startRedisServer();
  const client = new Redis(server.url);
  try {
    const store = new RedisStore({ client });
    const ids: string[] = [];
    const now = Date.now();
    await load(server.admin, ids, 1000, now);
    const at1k = await storeTimings(store, ids, now, OPS, versions);
    const started = performance.now();
    await load(server.admin, ids, count - ids.length, now);
    const loadSeconds = (performance.now() - started) / 1000;
    const keys = await server.admin.dbsize();
    log(`  redis: ${keys.toLocaleString('en-US')} keys in ${loadSeconds.toFixed(1)} s`);
    const atFull = await storeTimings(store, ids, now, OPS, versions);
    const memory = /used_memory:(\d+)/.exec(await server.admin.info('memory'))?.[1];
    log(`  redis: get at 1k ${formatTiming(at1k.get)}; at ${count.toLocaleString('en-US')} ${formatTiming(atFull.get)}`);
    return {
      keys,
      loadSeconds,
      usedMemoryMB: Number(memory) / MB,
      get: { at1k: at1k.get, atFull: atFull.get },
      set: { at1k: at1k.set, atFull: atFull.set },
      touch: { at1k: at1k.touch, atFull: atFull.touch },
    };
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/** Pipelined SET … PX in batches of 10,000, in the store's own key and record format. */
async function load(admin: Redis, ids: string[], n: number, now: number): Promise<void> {
  for (let done = 0; done < n; ) {
    const pipeline = admin.pipeline();
    for (let k = 0; k < 10_000 && done < n; k++, done++) {
      const id = randomBytes(32).toString('base64url');
      const i = ids.push(id);
      const { version, expiresAt, createdAt, data, flash } = sampleRecord(i, now, HOUR);
      pipeline.set(`sess:${id}`, JSON.stringify({ version, expiresAt, createdAt, data, flash }), 'PX', HOUR);
    }
    await pipeline.exec();
  }
}
