import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import type { SessionStore, StoreSetOptions, StoredSession } from './session-store.js';

export interface MemoryStoreOptions {
  /** Most sessions kept; past it the least recently used is evicted. @default 100_000 */
  maxEntries?: number;
  /** How often expired sessions are swept, in ms. @default 60_000 */
  sweepIntervalMs?: number;
}

interface Entry {
  /** Serialised, so callers always get a private copy and sizes are honest. */
  json: string;
  version: number;
  expiresAt: number;
}

/** Entries looked at per sweep tick: the sweep never blocks the event loop for long. */
const SWEEP_BUDGET = 10_000;

/**
 * Sessions in this process's memory: for development, tests and single-process
 * apps. Every operation is O(1): a Map in least-recently-used order (a hit
 * moves its entry to the end, eviction takes the front), and expired entries
 * are swept by one unref'd timer walking a bounded slice of the map per tick,
 * never a timer per session.
 */
export class MemoryStore implements SessionStore {
  private static warnedAboutCluster = false;
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly timer: NodeJS.Timeout;
  private cursor: MapIterator<[string, Entry]> | undefined;

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
    const entry = this.live(id, Date.now());
    if (!entry) return undefined;
    this.entries.delete(id); // re-insert: most recently used goes last
    this.entries.set(id, entry);
    return JSON.parse(entry.json) as StoredSession;
  }

  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    const now = Date.now();
    if (options.ifVersion !== undefined && this.live(id, now)?.version !== options.ifVersion) return false;
    this.entries.delete(id);
    this.entries.set(id, { json: JSON.stringify(session), version: session.version, expiresAt: now + options.ttlMs });
    if (this.entries.size > this.maxEntries) this.evictOldest();
    return true;
  }

  async destroy(id: string): Promise<void> {
    this.entries.delete(id);
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    const entry = this.live(id, Date.now());
    if (!entry) return;
    const session = JSON.parse(entry.json) as StoredSession;
    session.expiresAt = expiresAt;
    entry.json = JSON.stringify(session);
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
