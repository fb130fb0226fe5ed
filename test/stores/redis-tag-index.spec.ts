import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { RedisStore } from '../../lib/redis.js';
import { clusterNodes, redisUrl } from '../support/redis.js';
import { newId, record } from './store-conformance.js';

const MINUTE = 60_000;
/** RedisTagIndex's margin past a session's deadline. */
const MARGIN = 60_000;

describe.each([
  ['ioredis 5', () => new Redis(redisUrl())],
  ['ioredis 6, RESP3 replies mapped', () => new Redis6(redisUrl(), { protocol: 3, replyMapping: 'resp3' }) as unknown as Redis],
] as const)("RedisStore's tag index over %s", (_label, makeClient) => {
  let client: Redis;
  let store: RedisStore;
  let monitored: Redis;
  let monitor: Redis;

  beforeAll(async () => {
    client = makeClient();
    store = new RedisStore({ client });
    monitored = new Redis(redisUrl());
    monitor = await monitored.monitor();
  });
  afterAll(async () => {
    monitor.disconnect();
    await monitored.quit();
    await client.quit();
  });

  /** Every command any client sent while `action` ran (script-internal calls excluded), upper-cased with its first argument. */
  async function commandsDuring(action: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const listener = (_time: string, args: string[], source: string) => {
      if (source !== 'lua') seen.push(`${args[0]!.toUpperCase()} ${args[1] ?? ''}`.trim());
    };
    const [start, end] = [`start-${randomUUID()}`, `end-${randomUUID()}`];
    await client.echo(start);
    monitor.on('monitor', listener);
    try {
      await action();
      await client.echo(end);
      while (!seen.some((line) => line === `ECHO ${end}`)) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      monitor.off('monitor', listener);
    }
    return seen.slice(seen.indexOf(`ECHO ${start}`) + 1, seen.indexOf(`ECHO ${end}`));
  }

  it('is one sorted set per tag, scored by when each entry expires, the key expiring with its last entry', async () => {
    const tag = `ada-${randomUUID()}`;
    const [a, b] = [newId(), newId()];
    await store.set(a, record({ tag }), { ttlMs: MINUTE });
    await store.set(b, record({ tag }), { ttlMs: 5 * MINUTE });
    const key = `sess:tag:${tag}`;
    expect(await client.type(key)).toBe('zset');
    const scores = Object.fromEntries(chunk((await client.zrange(key, 0, -1, 'WITHSCORES')) as unknown[]));
    expect(Number(scores[a]) - Date.now()).toBeGreaterThan(MINUTE + MARGIN - 5_000);
    expect(Number(scores[b]) - Date.now()).toBeLessThanOrEqual(5 * MINUTE + MARGIN + 1_000);
    const pttl = await client.pttl(key);
    expect(pttl).toBeGreaterThan(5 * MINUTE + MARGIN - 5_000);
    expect(pttl).toBeLessThanOrEqual(5 * MINUTE + MARGIN + 1_000);
  });

  it('a touch extends the entry of the tag the record carries, escapes and all; a touch of an untagged record sends nothing more', async () => {
    const tag = `a "quoted" \\ tag ${randomUUID()} 😀`;
    const id = newId();
    await store.set(id, record({ tag }), { ttlMs: MINUTE });
    const key = `sess:tag:${tag}`;
    const before = Number(await client.zscore(key, id));
    await store.touch(id, Date.now() + 30 * MINUTE);
    expect(Number(await client.zscore(key, id)) - before).toBeGreaterThan(28 * MINUTE);
    expect(await client.pttl(key)).toBeGreaterThan(30 * MINUTE);

    const plain = newId();
    await store.set(plain, record(), { ttlMs: MINUTE });
    const sent = await commandsDuring(() => store.touch(plain, Date.now() + 2 * MINUTE));
    expect(sent).toEqual([expect.stringMatching(/^EVAL(SHA)? /)]);
  });

  it('finding a tag reads its own key and its sessions, never KEYS or SCAN; entries of destroyed sessions are dropped', async () => {
    const tag = `grace-${randomUUID()}`;
    const [kept, gone] = [newId(), newId()];
    await store.set(kept, record({ tag }), { ttlMs: MINUTE });
    await store.set(gone, record({ tag }), { ttlMs: MINUTE });
    await store.destroy(gone);
    const sent = await commandsDuring(async () => expect((await store.findTagged(tag)).map(({ id }) => id)).toEqual([kept]));
    expect(sent.filter((line) => /^(KEYS|SCAN)\b/.test(line))).toEqual([]);
    expect(sent.map((line) => line.split(' ')[0])).toEqual(['EVALSHA', 'GET', 'GET', 'ZREM'].map((c, i) => (i === 0 ? expect.stringMatching(/^EVAL/) : c)));
    expect(await client.zrange(`sess:tag:${tag}`, 0, -1)).toEqual([kept]);
  });

  it('on a Cluster, sessions of one tag spread over every node while their index stays one key', async () => {
    const cluster = new Cluster(clusterNodes());
    const clustered = new RedisStore({ client: cluster });
    try {
      const tag = `linus-${randomUUID()}`;
      const ids = Array.from({ length: 30 }, newId);
      for (const id of ids) await clustered.set(id, record({ tag }), { ttlMs: MINUTE });
      const masters = new Set(ids.map((id) => cluster.slots[slotOf(`sess:${id}`)]![0]));
      expect(masters.size).toBe(3); // 30 random ids over 3 masters: each holds some
      expect((await clustered.findTagged(tag)).map(({ id }) => id).sort()).toEqual([...ids].sort());
      expect(await cluster.zcard(`sess:tag:${tag}`)).toBe(30);
    } finally {
      await cluster.quit();
    }
  });
});

/** ZRANGE … WITHSCORES as pairs: flat under RESP2, already pairs when RESP3 replies are mapped. */
function chunk(flat: unknown[]): [string, string][] {
  if (Array.isArray(flat[0])) return flat as [string, string][];
  const pairs: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([String(flat[i]), String(flat[i + 1])]);
  return pairs;
}

/** Redis Cluster's key slot (CRC16/XMODEM mod 16384), hash tags ignored: these keys have none. */
function slotOf(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
