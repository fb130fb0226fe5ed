import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { copySession, type SessionStore, type StoreSetOptions, type StoredSession } from './session-store.js';

export interface MemoryStoreOptions {
  /** Most sessions kept; past it the least recently used is evicted. @default 100_000 */
  maxEntries?: number;
  /** How often expired sessions are swept, in ms. @default 60_000 */
  sweepIntervalMs?: number;
}

interface Entry {
  /** The store's own deep copy: callers get copies of it, never it. */
  record: StoredSession;
  expiresAt: number;
  /** The store's clock when the entry was put at the back of the map. */
  placedAt: number;
  /** The store's clock when the entry was last read or written. */
  usedAt: number;
}

/** Entries looked at per sweep tick: the sweep never blocks the event loop for long. */
const SWEEP_BUDGET = 10_000;

/** Entries an eviction may move to the back for having been used; then the front goes regardless. */
const SECOND_CHANCES = 32;

/**
 * Sessions in this process's memory: for development, tests and single-process
 * apps. Every operation is O(1). The Map keeps entries in the order they were
 * written; a read only stamps its entry, so reads never write the Map.
 * Eviction approximates least-recently-used by second chance: an entry at the
 * front that was read since it was written moves to the back, and the first
 * one nobody read goes. Expired entries are swept by one unref'd timer walking
 * a bounded slice of the map per tick, never a timer per session.
 */
export class MemoryStore implements SessionStore {
  private static warnedAboutCluster = false;
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly timer: NodeJS.Timeout;
  private cursor: MapIterator<[string, Entry]> | undefined;
  /** Counts reads and writes, so an entry knows whether it was used since it was placed. */
  private clock = 0;

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

  async get(id: string): Promise<StoredSession | undefined> {
    return this.getSync(id);
  }

  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    return this.setSync(id, session, options);
  }

  async destroy(id: string): Promise<void> {
    this.destroySync(id);
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    this.touchSync(id, expiresAt);
  }

  getSync(id: string): StoredSession | undefined {
    const entry = this.live(id, Date.now());
    if (!entry) return undefined;
    entry.usedAt = ++this.clock;
    return copySession(entry.record);
  }

  setSync(id: string, session: StoredSession, options: StoreSetOptions): boolean {
    const now = Date.now();
    if (options.ifVersion !== undefined && this.live(id, now)?.record.version !== options.ifVersion) return false;
    this.entries.delete(id);
    const at = ++this.clock;
    this.entries.set(id, { record: copySession(session), expiresAt: now + options.ttlMs, placedAt: at, usedAt: at });
    if (this.entries.size > this.maxEntries) this.evictOldest();
    return true;
  }

  destroySync(id: string): void {
    this.entries.delete(id);
  }

  touchSync(id: string, expiresAt: number): void {
    const entry = this.live(id, Date.now());
    if (!entry) return;
    entry.record.expiresAt = expiresAt;
    entry.expiresAt = expiresAt;
  }

  async prune(): Promise<number> {
    const before = this.entries.size;
    const now = Date.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    return before - this.entries.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  private live(id: string, now: number): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  private evictOldest(): void {
    for (let chances = 0; chances < SECOND_CHANCES; chances++) {
      const front = this.entries.entries().next();
      if (front.done) return;
      const [id, entry] = front.value;
      if (entry.usedAt === entry.placedAt) break; // nobody read it since it was written: it goes
      this.entries.delete(id);
      this.entries.set(id, entry);
      entry.placedAt = entry.usedAt = ++this.clock;
    }
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }

  /** Walks up to SWEEP_BUDGET entries from where the last tick stopped (Map iterators stay valid across deletes). */
  private sweep(now: number): void {
    this.cursor ??= this.entries.entries();
    for (let i = 0; i < SWEEP_BUDGET; i++) {
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        return;
      }
      if (next.value[1].expiresAt <= now) this.entries.delete(next.value[0]);
    }
  }
}

