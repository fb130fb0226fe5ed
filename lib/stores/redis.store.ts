import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { SessionConfigError } from '../errors/session-config.error.js';
import { SessionError } from '../errors/session.error.js';
import { isSessionId } from '../http/session-id.js';
import { LuaScript } from './redis/lua-script.js';
import { COMPARE_AND_SET, DESTROY_IF_VERSION, TOUCH } from './redis/redis-scripts.js';
import { RedisTagIndex } from './redis/tag-index.js';
import { parseReply, serialize, toTtl } from './redis/redis-records.js';
import { WriteCoalescer } from './redis/write-coalescer.js';
import { isTimeout, notSaved, writeDeadline } from './redis/write-deadline.js';
import { type SessionStore, type StoreDestroyOptions, type StoreSetOptions, type StoredSession, type TaggedSession } from './session-store.js';

interface PrefixOption {
  /** Prepended to every session id to make its key. @default 'sess:' */
  prefix?: string;
}

export type RedisStoreOptions = PrefixOption &
  (
    | {
        /** A client you created (`Redis` or `Cluster`); you keep it: `close()` leaves it open. */
        client: Redis | Cluster;
      }
    | {
        /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…`; the store creates, owns and closes the client. */
        url: string;
        /** Further ioredis options applied on top of the url. */
        connection?: RedisOptions;
      }
    | {
        /** ioredis connection options; the store creates, owns and closes the client. */
        connection: RedisOptions;
      }
  );

type Client = Redis | Cluster;

const COMPARE_AND_SET_SCRIPT = new LuaScript(COMPARE_AND_SET);
const TOUCH_SCRIPT = new LuaScript(TOUCH);
const DESTROY_IF_VERSION_SCRIPT = new LuaScript(DESTROY_IF_VERSION);

/**
 * Sessions in Redis through ioredis 5 or 6 (RESP2 or RESP3), standalone or
 * Cluster. One string key per session (`prefix + id`) holding the record as
 * JSON, with Redis's own expiry, so nothing needs pruning. Every operation is
 * one round trip: GET, SET, DEL, or a single-key Lua script for the
 * compare-and-set write and for touch.
 *
 * ioredis is only imported as a type; when the store is given a url or
 * connection options it loads ioredis on first use.
 */
export class RedisStore implements SessionStore {
  private readonly prefix: string;
  private readonly ownsClient: boolean;
  private client: Promise<Client> | undefined;
  /** The client once it exists (ioredis queues commands until it is connected). */
  private connected: Client | undefined;
  private coalescer: WriteCoalescer | undefined;
  private closed = false;
  private readonly tags: RedisTagIndex;

  constructor(private readonly options: RedisStoreOptions) {
    const given = options as Partial<{ client: unknown; url: unknown; connection: unknown; prefix: unknown }>;
    if (typeof given !== 'object' || given === null || (!given.client && given.url === undefined && !given.connection)) {
      throw new SessionConfigError(
        "RedisStore needs a Redis connection: pass { client: new Redis() } (or a Cluster), { url: 'redis://host:6379' } or { connection: { host, port } }.",
      );
    }
    if (given.url !== undefined && typeof given.url !== 'string') {
      throw new SessionConfigError(`RedisStore url must be a string such as 'redis://localhost:6379'; got ${typeof given.url}.`);
    }
    if (given.prefix !== undefined && typeof given.prefix !== 'string') {
      throw new SessionConfigError(`RedisStore prefix must be a string such as 'sess:'; got ${typeof given.prefix}.`);
    }
    this.prefix = options.prefix ?? 'sess:';
    this.tags = new RedisTagIndex(this.prefix, (command) => this.send(command));
    this.ownsClient = !('client' in options && options.client);
    if ('client' in options && options.client) this.client = Promise.resolve(this.adopt(options.client));
  }

  get(id: string): Promise<StoredSession | undefined> {
    if (!isSessionId(id)) return Promise.resolve(undefined);
    const key = this.key(id);
    return this.send((client) => client.get(key)).then(parseReply);
  }

  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    if (!isSessionId(id)) return false;
    const key = this.key(id);
    const json = serialize(session);
    const ttlMs = toTtl(options.ttlMs);
    const { ifVersion } = options;
    const { tag } = session;
    // A new id's tag entry after its first write, an existing id's before its compare-and-set (see RedisTagIndex).
    if (ifVersion === undefined) {
      await this.send((client) => client.set(key, json, 'PX', ttlMs));
      if (tag !== undefined) await this.tags.add(tag, id, ttlMs);
      return true;
    }
    if (tag !== undefined) await this.tags.add(tag, id, ttlMs);
    const deadline = writeDeadline(this.connected);
    let written: unknown;
    try {
      written = await this.send((client) => COMPARE_AND_SET_SCRIPT.run(client, key, [String(ifVersion), json, ttlMs, String(deadline)]));
    } catch (error) {
      // Timed out with a deadline: the script refuses to run past it, so the write can never land later.
      throw deadline && isTimeout(error) ? notSaved(error) : error;
    }
    if (Number(written) === 2) throw notSaved(new Error('the write reached Redis after its deadline and was refused'));
    return Number(written) === 1;
  }

  async destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    if (!isSessionId(id)) return true;
    const key = this.key(id);
    const { ifVersion } = options;
    if (ifVersion === undefined) {
      await this.send((client) => client.del(key));
      return true;
    }
    return Number(await this.send((client) => DESTROY_IF_VERSION_SCRIPT.run(client, key, [String(ifVersion)]))) === 1;
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) return;
    if (!Number.isSafeInteger(expiresAt)) throw new TypeError(`RedisStore.touch needs expiresAt in whole epoch ms; got ${expiresAt}.`);
    const key = this.key(id);
    const ttlMs = toTtl(expiresAt - Date.now());
    const touched = await this.send((client) => TOUCH_SCRIPT.run(client, key, [String(expiresAt), ttlMs]));
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
    const client = await this.connection();
    if (client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      client.once('ready', done);
      client.once('end', done);
    });
  }

  /** Quits the client the store created from a url or options; a client you handed in stays open. */
  async close(): Promise<void> {
    if (!this.ownsClient || this.closed) return;
    this.closed = true;
    const pending = this.client;
    this.client = undefined;
    this.connected = undefined;
    this.coalescer = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (client?.status === 'ready') await client.quit();
    else client?.disconnect();
  }

  private key(id: string): string {
    return this.prefix + id;
  }

  /**
   * Issues a command now when connected, so commands go out in the order the
   * store was called (and share their turn's socket write), else once the
   * client exists.
   */
  private send<T>(command: (client: Client) => Promise<T>): Promise<T> {
    const client = this.connected;
    if (client) {
      this.coalescer?.hold();
      return command(client);
    }
    return this.connection().then(command);
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new SessionError('RedisStore was closed; create a new one to reconnect.'));
    return (this.client ??= this.open().then((opened) => (this.closed ? opened : this.adopt(opened))));
  }

  private adopt(client: Client): Client {
    this.connected = client;
    this.coalescer = WriteCoalescer.for(client);
    return client;
  }

  /** Loads ioredis only now, so apps that never use Redis never load it. */
  private async open(): Promise<Client> {
    const { Redis } = await import('ioredis');
    const options = this.options as { url?: string; connection?: RedisOptions };
    // Fail fast while Redis is away (one reconnect attempt, a command timeout), so requests get
    // a 503 promptly instead of waiting through ioredis's 20 retries; options you pass win.
    const connection: RedisOptions = { maxRetriesPerRequest: 1, commandTimeout: 2000, ...options.connection };
    const client = options.url === undefined ? new Redis(connection) : new Redis(options.url, connection);
    // Failed commands reject and reach the module, which logs them and answers 503;
    // without a listener ioredis would also print every reconnect attempt.
    client.on('error', () => undefined);
    return client;
  }
}
