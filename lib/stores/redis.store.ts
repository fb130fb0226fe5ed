import { SessionConfigError } from '../errors/session-config.error.js';
import { isSessionId } from '../http/session-id.js';
import { LuaScript } from './redis/lua-script.js';
import { RedisConnection, type RedisConnectionOptions } from './redis/redis-connection.js';
import { COMPARE_AND_SET, DESTROY_IF_VERSION, SET_BEFORE_DEADLINE, TOUCH } from './redis/redis-scripts.js';
import { RedisTagIndex } from './redis/tag-index.js';
import { parseReply, serialize, toTtl } from './redis/redis-records.js';
import { isTimeout, notSaved, writeDeadline } from './redis/write-deadline.js';
import { type SessionStore, type StoreDestroyOptions, type StoreSetOptions, type StoredSession, type TaggedSession } from './session-store.js';

interface PrefixOption {
  /** Prepended to every session id to make its key. @default 'sess:' */
  prefix?: string;
}

/** Options of `new RedisStore(...)`: a connection (`client`, `url` or `connection`) and an optional key `prefix`. */
export type RedisStoreOptions = PrefixOption & RedisConnectionOptions;

const COMPARE_AND_SET_SCRIPT = new LuaScript(COMPARE_AND_SET);
const SET_BEFORE_DEADLINE_SCRIPT = new LuaScript(SET_BEFORE_DEADLINE);
const TOUCH_SCRIPT = new LuaScript(TOUCH);
const DESTROY_IF_VERSION_SCRIPT = new LuaScript(DESTROY_IF_VERSION);

/**
 * Sessions in Redis through ioredis 5 or 6 (RESP2 or RESP3), standalone or
 * Cluster. One string key per session (`prefix + id`) holding the record as
 * JSON, with Redis's own expiry, so nothing needs pruning. Every operation is
 * one round trip: GET, SET, DEL, or a single-key Lua script for the
 * compare-and-set write and for touch. Given a url or connection options,
 * it loads ioredis on first use (see RedisConnection).
 */
export class RedisStore implements SessionStore {
  private readonly prefix: string;
  private readonly redis: RedisConnection;
  private readonly tags: RedisTagIndex;

  constructor(options: RedisStoreOptions) {
    this.redis = new RedisConnection(options);
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new SessionConfigError(`RedisStore prefix must be a string such as 'sess:'; got ${typeof options.prefix}.`);
    }
    this.prefix = options.prefix ?? 'sess:';
    this.tags = new RedisTagIndex(this.prefix, (command) => this.redis.send(command));
  }

  /** One GET; a value that is not a record reads as undefined. */
  get(id: string): Promise<StoredSession | undefined> {
    if (!isSessionId(id)) return Promise.resolve(undefined);
    const key = this.key(id);
    return this.redis.send((client) => client.get(key)).then(parseReply);
  }

  /**
   * SET with PX, or a compare-and-set script with `ifVersion`. With a
   * `commandTimeout`, either write carries a deadline Redis checks (a first
   * write through a script): a write Redis refuses past it rejects as not saved.
   */
  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    if (!isSessionId(id)) return false;
    const key = this.key(id);
    const json = serialize(session);
    const ttlMs = toTtl(options.ttlMs);
    const { ifVersion } = options;
    const { tag } = session;
    const deadline = writeDeadline(this.redis.current);
    // A new id's tag entry after its first write, an existing id's before its compare-and-set (see RedisTagIndex).
    if (ifVersion === undefined) {
      if (deadline) await this.beforeDeadline(deadline, (client) => SET_BEFORE_DEADLINE_SCRIPT.run(client, key, [json, ttlMs, String(deadline)]));
      else await this.redis.send((client) => client.set(key, json, 'PX', ttlMs));
      if (tag !== undefined) await this.tags.add(tag, id, ttlMs);
      return true;
    }
    if (tag !== undefined) await this.tags.add(tag, id, ttlMs);
    const written = await this.beforeDeadline(deadline, (client) => COMPARE_AND_SET_SCRIPT.run(client, key, [String(ifVersion), json, ttlMs, String(deadline)]));
    return Number(written) === 1;
  }

  /** DEL, or a script that deletes only at `ifVersion`. */
  async destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    if (!isSessionId(id)) return true;
    const key = this.key(id);
    const { ifVersion } = options;
    if (ifVersion === undefined) {
      await this.redis.send((client) => client.del(key));
      return true;
    }
    return Number(await this.redis.send((client) => DESTROY_IF_VERSION_SCRIPT.run(client, key, [String(ifVersion)]))) === 1;
  }

  /** Moves the record's expiry (and its tag entry's) with one script. Throws `TypeError` unless `expiresAt` is whole epoch ms. */
  async touch(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) return;
    if (!Number.isSafeInteger(expiresAt)) throw new TypeError(`RedisStore.touch needs expiresAt in whole epoch ms; got ${expiresAt}.`);
    const key = this.key(id);
    const ttlMs = toTtl(expiresAt - Date.now());
    const touched = await this.redis.send((client) => TOUCH_SCRIPT.run(client, key, [String(expiresAt), ttlMs]));
    if (typeof touched === 'string' && touched.startsWith('"')) await this.tags.add(JSON.parse(touched) as string, id, ttlMs); // tagged: its entry lives on too
  }

  /** The tag's live sessions: one sorted set per tag, then a GET per entry (see RedisTagIndex); no scan of the keyspace. */
  findTagged(tag: string): Promise<TaggedSession[]> {
    return this.tags.find(tag, (id) => this.get(id));
  }

  /**
   * Resolves once the client is connected (the module awaits it at start-up),
   * so the first requests after `app.init()` work even with
   * `enableOfflineQueue: false`. Gives up waiting after `waitMs` rather than
   * hold the app's start: requests then answer 503 until Redis is reachable.
   */
  async ready(waitMs = 5_000): Promise<void> {
    await this.redis.ready(waitMs);
  }

  /** Quits the client the store created from a url or options; a client you handed in stays open. */
  close(): Promise<void> {
    return this.redis.close();
  }

  /** A write script that refuses to run past `deadline` (0: none), answering 2 if it did not run. */
  private async beforeDeadline(deadline: number, script: Parameters<RedisConnection['send']>[0]): Promise<unknown> {
    let written: unknown;
    try {
      written = await this.redis.send(script);
    } catch (error) {
      // Timed out with a deadline: the script refuses to run past it, so the write can never land later.
      throw deadline && isTimeout(error) ? notSaved(error) : error;
    }
    if (Number(written) === 2) throw notSaved(new Error('the write reached Redis after its deadline and was refused'));
    return written;
  }

  private key(id: string): string {
    return this.prefix + id;
  }
}
