import cluster from 'node:cluster';
import { setImmediate } from 'node:timers';
import { Logger } from '@nestjs/common';
import { copySession, type SessionStore, type StoreDestroyOptions, type StoreSetOptions, type StoredSession, type TaggedSession } from './session-store.js';
import { TagIndex } from './tag-index.js';
import { UseOrder, type UseOrderItem } from './use-order.js';

/** Options of `new MemoryStore(options)`. */
export interface MemoryStoreOptions {
  /** Most sessions kept; past it the least recently used is evicted. @default 100_000 */
  maxEntries?: number;
  /** How often expired sessions are swept, in ms. @default 60_000 */
  sweepIntervalMs?: number;
}

interface Entry extends UseOrderItem<Entry> {
  readonly id: string;
  /** The store's own deep copy: callers get copies of it, never it. */
  record: StoredSession;
  expiresAt: number;
}

/** Entries looked at per sweep tick: the sweep never blocks the event loop for long. */
const SWEEP_BUDGET = 10_000;

/**
 * Sessions in this process's memory: for development, tests and single-process
 * apps. Every operation is O(1). Past maxEntries the least recently used
 * session goes: entries are linked in use order beside the Map, so a read or
 * an update relinks its entry instead of writing the Map. Expired entries are
 * swept by one unref'd timer walking a bounded slice of the map per tick,
 * never a timer per session.
 */
export class MemoryStore implements SessionStore {
  private static warnedAboutCluster = false;
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly timer: NodeJS.Timeout;
  private readonly useOrder = new UseOrder<Entry>();
  private readonly tags = new TagIndex();
  private cursor: MapIterator<Entry> | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new TypeError(`MemoryStore maxEntries must be a whole number of at least 1; got ${options.maxEntries}.`);
    }
    this.timer = setInterval(() => this.sweep(Date.now()), options.sweepIntervalMs ?? 60_000);
    this.timer.unref();
    if (cluster.isWorker && !MemoryStore.warnedAboutCluster) {
      MemoryStore.warnedAboutCluster = true;
      new Logger('SessionModule').warn(
        'MemoryStore runs in a cluster worker: each worker has its own sessions, so users will be signed out at random. Use RedisStore or TypeOrmStore.',
      );
    }
  }

  /** How many sessions are held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  /** A copy of the live session, or undefined. */
  get(id: string): Promise<StoredSession | undefined> {
    return nextTurn(() => this.read(id, Date.now()));
  }

  /** Saves a copy; false when `options.ifVersion` is not the version held. */
  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    const copy = copySession(session); // what the caller passed, even if it changes it before the next turn; a throw rejects
    return nextTurn(() => this.write(id, copy, options, Date.now()));
  }

  /** Deletes the session; false when `options.ifVersion` is not the version held. */
  destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    return nextTurn(() => {
      const entry = this.live(id, Date.now());
      if (!entry) return true;
      if (options.ifVersion !== undefined && entry.record.version !== options.ifVersion) return false;
      this.remove(entry);
      return true;
    });
  }

  /** Moves the session's expiry without rewriting it. */
  touch(id: string, expiresAt: number): Promise<void> {
    return nextTurn(() => {
      const entry = this.live(id, Date.now());
      if (!entry) return;
      entry.record.expiresAt = expiresAt;
      entry.expiresAt = expiresAt;
    });
  }

  private read(id: string, now: number): StoredSession | undefined {
    const entry = this.live(id, now);
    if (!entry) return undefined;
    this.useOrder.use(entry);
    return copySession(entry.record);
  }

  /** `record` is the store's own copy already. */
  private write(id: string, record: StoredSession, options: StoreSetOptions, now: number): boolean {
    const existing = this.live(id, now);
    if (options.ifVersion !== undefined && existing?.record.version !== options.ifVersion) return false;
    const expiresAt = now + options.ttlMs;
    this.tags.set(id, record.tag);
    if (existing) {
      existing.record = record;
      existing.expiresAt = expiresAt;
      this.useOrder.use(existing);
      return true;
    }
    const entry: Entry = { id, record, expiresAt, older: undefined, newer: undefined };
    this.entries.set(id, entry);
    this.useOrder.add(entry);
    if (this.entries.size > this.maxEntries) this.remove(this.useOrder.oldest!);
    return true;
  }

  /** The tag's live sessions: O(its own sessions), from an index kept in step with every write and removal. */
  findTagged(tag: string): Promise<TaggedSession[]> {
    return nextTurn(() => {
      const now = Date.now();
      const found: TaggedSession[] = [];
      for (const id of this.tags.idsOf(tag)) {
        const entry = this.live(id, now);
        if (entry && entry.record.movedTo === undefined) found.push({ id, session: copySession(entry.record) });
      }
      return found;
    });
  }

  /** Deletes every expired session now; resolves to how many. The sweep timer does this in slices anyway. */
  prune(): Promise<number> {
    return nextTurn(() => {
      const before = this.entries.size;
      const now = Date.now();
      for (const entry of this.entries.values()) if (entry.expiresAt <= now) this.remove(entry);
      return before - this.entries.size;
    });
  }

  /** Stops the sweep timer (SessionModule calls it at shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  private live(id: string, now: number): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= now) {
      this.remove(entry);
      return undefined;
    }
    return entry;
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.id);
    this.tags.delete(entry.id);
    this.useOrder.remove(entry);
  }

  /** Walks up to SWEEP_BUDGET entries from where the last tick stopped (Map iterators stay valid across deletes). */
  private sweep(now: number): void {
    this.cursor ??= this.entries.values();
    for (let i = 0; i < SWEEP_BUDGET; i++) {
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        return;
      }
      if (next.value.expiresAt <= now) this.remove(next.value);
    }
  }
}

/**
 * Every operation answers in a later turn of the event loop, in the order
 * it was asked, as express-session's MemoryStore and any store across a
 * network do: parallel requests interleave in tests as they will on Redis
 * or SQL, and under load the responses of requests read in one turn are
 * written together. Node's own `setImmediate`, not the global a test's fake
 * timers replace.
 */
function nextTurn<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(work());
      } catch (error) {
        reject(error);
      }
    });
  });
}
