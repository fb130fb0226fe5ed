import type { SessionData } from '../core/session-paths.js';
import { MemoryStore } from '../stores/memory.store.js';
import type { SessionStore, StoreDestroyOptions, StoreSetOptions, StoredSession, TaggedSession } from '../stores/session-store.js';
import { snapshotOf, type SessionSnapshot } from './session-snapshot.js';

/** One call the app (or a helper) made on a {@link TestSessionStore}. */
export interface StoreCall {
  /** The store method called. */
  readonly method: 'get' | 'set' | 'destroy' | 'touch';
  /** The session id it was called with. */
  readonly id: string;
}

/**
 * A MemoryStore (same semantics: it wraps one) that a test can look into:
 * the sessions it holds, the calls made on it, and a reset between tests.
 *
 * ```ts
 * const store = new TestSessionStore();
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(SessionStore).useValue(store)
 *   .compile();
 * // …
 * expect(await store.sessions()).toHaveLength(1);
 * ```
 */
export class TestSessionStore implements SessionStore {
  /** Every `get`, `set`, `destroy` and `touch` so far, oldest first (the testing helpers' too, not `sessions()`'s). */
  readonly calls: StoreCall[] = [];
  private readonly memory = new MemoryStore();
  /** Ids written and not yet destroyed; expired ones drop out when listed. MemoryStore itself cannot be listed. */
  private readonly ids = new Set<string>();

  /** MemoryStore's `get`, recorded in `calls`. */
  get(id: string): Promise<StoredSession | undefined> {
    this.calls.push({ method: 'get', id });
    return this.memory.get(id);
  }

  /** MemoryStore's `set`, recorded in `calls`. */
  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    this.calls.push({ method: 'set', id });
    const written = await this.memory.set(id, session, options);
    if (written) this.ids.add(id);
    return written;
  }

  /** MemoryStore's `destroy`, recorded in `calls`. */
  async destroy(id: string, options?: StoreDestroyOptions): Promise<boolean> {
    this.calls.push({ method: 'destroy', id });
    const destroyed = await this.memory.destroy(id, options);
    if (destroyed) this.ids.delete(id);
    return destroyed;
  }

  /** MemoryStore's `touch`, recorded in `calls`. */
  touch(id: string, expiresAt: number): Promise<void> {
    this.calls.push({ method: 'touch', id });
    return this.memory.touch(id, expiresAt);
  }

  /** A user's sessions, as MemoryStore finds them (not recorded in `calls`): `session.tag()` and `UserSessions` work in tests. */
  findTagged(tag: string): Promise<TaggedSession[]> {
    return this.memory.findTagged(tag);
  }

  /** Drops expired sessions now rather than at the next sweep; resolves how many. */
  prune(): Promise<number> {
    return this.memory.prune();
  }

  /** The live sessions held, in the order first written (not the markers `regenerate()` leaves at old ids). */
  async sessions<T extends object = SessionData, F extends object = Record<string, any>>(): Promise<SessionSnapshot<T, F>[]> {
    const live: SessionSnapshot<T, F>[] = [];
    for (const id of this.ids) {
      const record = await this.memory.get(id);
      if (!record) this.ids.delete(id); // expired or evicted
      else if (record.movedTo === undefined) live.push(snapshotOf<T, F>(id, record));
    }
    return live;
  }

  /** Forgets every session and every recorded call: a fresh store for the next test, without rebuilding the app. */
  async clear(): Promise<void> {
    await Promise.all([...this.ids].map((id) => this.memory.destroy(id)));
    this.ids.clear();
    this.calls.length = 0;
  }

  /** Stops the MemoryStore's sweep timer; SessionModule calls it when the app closes. */
  close(): Promise<void> {
    return this.memory.close();
  }
}
