import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { SessionConfigError } from '../../errors/session-config.error.js';
import { SessionError } from '../../errors/session.error.js';
import { WriteCoalescer } from './write-coalescer.js';

/** How RedisStore reaches Redis: a client of yours, or one it makes from a url or options. */
export type RedisConnectionOptions =
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
    };

type Client = Redis | Cluster;

/**
 * RedisStore's client: the one handed in, or one made on first use. ioredis
 * is only imported as a type here and loaded when a client is made, so apps
 * that never use Redis never load it.
 */
export class RedisConnection {
  private readonly ownsClient: boolean;
  private client: Promise<Client> | undefined;
  /** The client once it exists (ioredis queues commands until it is connected). */
  private connected: Client | undefined;
  private coalescer: WriteCoalescer | undefined;
  private closed = false;

  constructor(private readonly options: RedisConnectionOptions) {
    const given = options as Partial<{ client: unknown; url: unknown; connection: unknown }>;
    if (typeof given !== 'object' || given === null || (!given.client && given.url === undefined && !given.connection)) {
      throw new SessionConfigError(
        "RedisStore needs a Redis connection: pass { client: new Redis() } (or a Cluster), { url: 'redis://host:6379' } or { connection: { host, port } }.",
      );
    }
    if (given.url !== undefined && typeof given.url !== 'string') {
      throw new SessionConfigError(`RedisStore url must be a string such as 'redis://localhost:6379'; got ${typeof given.url}.`);
    }
    this.ownsClient = !('client' in options && options.client);
    if ('client' in options && options.client) this.client = Promise.resolve(this.adopt(options.client));
  }

  /** The client, once it exists. */
  get current(): Client | undefined {
    return this.connected;
  }

  /**
   * Issues a command now when connected, so commands go out in the order the
   * store was called (and share their turn's socket write), else once the
   * client exists.
   */
  send<T>(command: (client: Client) => Promise<T>): Promise<T> {
    const client = this.connected;
    if (client) {
      this.coalescer?.hold();
      return command(client);
    }
    return this.connection().then(command);
  }

  /** Resolves once the client is connected, or after `waitMs` (see RedisStore.ready). */
  async ready(waitMs: number): Promise<void> {
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

  /** Quits the client made here; a client handed in stays open. */
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
