import type { Cluster, Redis } from 'ioredis';
import type { StoredSession, TaggedSession } from '../session-store.js';
import { LuaScript } from './lua-script.js';
import { REDIS_NOW_MS } from './redis-scripts.js';

/**
 * How much longer an entry lives than the session it stands for: covers the
 * clocks of two Cluster nodes (the session's key and the tag's key hash to
 * different slots) disagreeing, and the moment between a session's write
 * and its entry's.
 */
const ENTRY_MARGIN_MS = 60_000;

/** Reads Redis's own clock, so entries and sessions expire by the same kind of clock, and drops expired entries. */
const NOW = `${REDIS_NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)`;

/**
 * ARGV: session id, its ttl in ms. Drops expired entries, moves this one's
 * deadline forward (never back), and lets the whole key expire with its
 * last entry, so a user who never comes back leaves nothing behind.
 */
const ADD = `${NOW}
local deadline = now + tonumber(ARGV[2]) + ${ENTRY_MARGIN_MS}
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not current or tonumber(current) < deadline then redis.call('ZADD', KEYS[1], deadline, ARGV[1]) end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(last[2])))
return 1
`;

/** Drops expired entries and answers the ids left. */
const READ = `${NOW}
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

const ADD_SCRIPT = new LuaScript(ADD);
const READ_SCRIPT = new LuaScript(READ);

type Send = <T>(command: (client: Redis | Cluster) => Promise<T>) => Promise<T>;

/**
 * RedisStore's index of tagged sessions: one sorted set per tag
 * (`<prefix>tag:<tag>`), the session ids scored by when their entry expires.
 * One key, so one hash slot: every change to it is one atomic single-key
 * command, on a Cluster too. The sessions' own keys hash by their ids to any
 * slot, so the index cannot change atomically with them; it stays a
 * superset of the tag's sessions by the order of writes instead:
 *
 * - an existing id's entry is added (or extended) before its compare-and-set,
 *   so a record can carry the tag only once the entry exists and outlives it;
 * - a new id's entry right after its first write, so an entry whose record is
 *   missing belongs to a session destroyed or expired, which never comes
 *   back: only such entries (and forward markers') are removed early;
 * - a touch extends the entry of the tag the record carries;
 * - every entry expires by itself a margin after its session would.
 *
 * Reading costs the tag's own entries, never a scan of the keyspace.
 */
export class RedisTagIndex {
  constructor(
    private readonly prefix: string,
    private readonly send: Send,
  ) {}

  /** The entry of `id` under `tag` lives at least `ttlMs` (and a margin) from now. */
  async add(tag: string, id: string, ttlMs: number): Promise<void> {
    const key = this.key(tag);
    await this.send((client) => ADD_SCRIPT.run(client, key, [id, ttlMs]));
  }

  /** The tag's live sessions, read from their own keys; entries of sessions gone for good are dropped. */
  async find(tag: string, get: (id: string) => Promise<StoredSession | undefined>): Promise<TaggedSession[]> {
    const key = this.key(tag);
    const ids = (await this.send((client) => READ_SCRIPT.run(client, key, []))) as string[];
    const records = await Promise.all(ids.map(get));
    const found: TaggedSession[] = [];
    const gone: string[] = [];
    records.forEach((session, i) => {
      if (!session || session.movedTo !== undefined) gone.push(ids[i]!);
      else if (session.tag === tag) found.push({ id: ids[i]!, session });
    });
    if (gone.length > 0) await this.send((client) => client.zrem(key, ...gone));
    return found;
  }

  private key(tag: string): string {
    return `${this.prefix}tag:${tag}`;
  }
}
