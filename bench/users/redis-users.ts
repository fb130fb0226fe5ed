import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../../lib/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { HOUR, log } from '../scale/timing.js';
import { timeUser, userSessionsOver, type UserTiming } from './user-timing.js';

/** Sessions per background user: a million sessions are a quarter of a million users' four devices. */
const PER_USER = 4;
/** RedisTagIndex's margin past each session's deadline. */
const MARGIN_MS = 60_000;

/**
 * UserSessions over RedisStore: one database with `small` sessions of other
 * users, one with `count`, and in each a user with 1, 100 and 10,000 of
 * their own, loaded as the store writes them (the record with its tag in the
 * header, and the user's sorted set).
 */
export async function redisUsers(count: number, small: number, owns: number[], rounds: number): Promise<UserTiming[]> {
  const server = await startRedisServer();
  const clients = [new Redis(server.url, { db: 1 }), new Redis(server.url)];
  try {
    const results: UserTiming[] = [];
    for (const [client, total] of [
      [clients[0]!, small],
      [clients[1]!, count],
    ] as const) {
      const started = performance.now();
      await loadBackground(client, total);
      log(`  redis: ${(await client.dbsize()).toLocaleString('en-US')} keys (${total.toLocaleString('en-US')} sessions) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const users = userSessionsOver(new RedisStore({ client }));
      for (const own of owns) {
        const timing = await timeUser(users, (tag, ids) => loadTagged(client, tag, ids), total, own, rounds);
        log(`  redis, ${total.toLocaleString('en-US')} sessions, a user with ${own}: list ${timing.listMs.toFixed(2)} ms, destroyAll ${timing.destroyAllMs.toFixed(2)} ms`);
        results.push(timing);
      }
    }
    return results;
  } finally {
    for (const client of clients) client.disconnect();
    await server.stop();
  }
}

async function loadBackground(client: Redis, total: number): Promise<void> {
  for (let done = 0; done < total; ) {
    const batch: { tag: string; ids: string[] }[] = [];
    for (let k = 0; k < 2_500 && done < total; k++) {
      const ids = Array.from({ length: Math.min(PER_USER, total - done) }, () => randomBytes(32).toString('base64url'));
      done += ids.length;
      batch.push({ tag: `user-${done}`, ids });
    }
    const pipeline = client.pipeline();
    for (const { tag, ids } of batch) write(pipeline, tag, ids);
    await pipeline.exec();
  }
}

async function loadTagged(client: Redis, tag: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 5_000) {
    const pipeline = client.pipeline();
    write(pipeline, tag, ids.slice(i, i + 5_000));
    await pipeline.exec();
  }
}

/** Records with the tag right after expiresAt (as PlannedRecord writes them), and their entries. */
function write(pipeline: ReturnType<Redis['pipeline']>, tag: string, ids: string[]): void {
  const now = Date.now();
  const deadline = now + HOUR + MARGIN_MS;
  for (const id of ids) {
    const record = { version: 1, expiresAt: now + HOUR, tag, createdAt: now, data: { user: { id: tag } }, flash: {} };
    pipeline.set(`sess:${id}`, JSON.stringify(record), 'PX', HOUR);
  }
  pipeline.zadd(`sess:tag:${tag}`, ...ids.flatMap((id) => [deadline, id]));
  pipeline.pexpireat(`sess:tag:${tag}`, deadline);
}
