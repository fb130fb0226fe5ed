import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionStore, StoredSession } from '../../lib/index.js';
import { describeTaggingConformance } from './tagging-conformance.js';

export interface StoreUnderTest {
  store: SessionStore;
  /** Releases everything `open` (and `reopen`) created: clients, directories, servers' data. */
  close(): Promise<void>;
  /**
   * Another handle on the same backend, as a second process would have (e.g. a
   * second client or a second FileStore on the same dir). The suite calls its
   * `close?.()` when done; anything else it opened is for `close` above.
   */
  reopen?(): Promise<SessionStore>;
}

const MINUTE = 60_000;

/** A fresh id per test, so tests never see each other's records even on a shared backend. */
export function newId(): string {
  return randomBytes(32).toString('base64url');
}

export function record(overrides: Partial<StoredSession> = {}): StoredSession {
  const now = Date.now();
  return { data: { user: { id: 42 } }, flash: {}, createdAt: now, expiresAt: now + MINUTE, version: 1, ...overrides };
}

/** One CAS writer as the manager is one: read, bump, write if nobody wrote meanwhile, else read again. */
export async function casIncrement(store: SessionStore, id: string): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const current = await store.get(id);
    if (!current) throw new Error(`record ${id} vanished during the CAS loop`);
    const next = { ...current, data: { ...current.data, hits: Number(current.data.hits ?? 0) + 1 }, version: current.version + 1 };
    if (await store.set(id, next, { ttlMs: MINUTE, ifVersion: current.version })) return;
  }
  throw new Error('a CAS writer never landed in 1000 attempts');
}

/**
 * What every SessionStore must do, whatever the backend: the manager relies
 * on exactly these behaviours and nothing else. Run it unchanged per store.
 */
export function describeStoreConformance(label: string, open: () => Promise<StoreUnderTest>): void {
  describe(label, () => {
    let subject: StoreUnderTest;
    let store: SessionStore;

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(() => subject?.close());

    it('get of an unknown id resolves undefined', async () => {
      await expect(store.get(newId())).resolves.toBeUndefined();
    });

    it("keeps a session's own lifetime (idleMs) through a save and a touch", async () => {
      const id = newId();
      await store.set(id, record({ idleMs: 30 * 24 * 60 * MINUTE }), { ttlMs: MINUTE });
      await store.touch(id, Date.now() + 2 * MINUTE);
      expect((await store.get(id))?.idleMs).toBe(30 * 24 * 60 * MINUTE);
    });

    it('a saved record reads back equal: data, flash, createdAt, expiresAt and version', async () => {
      const id = newId();
      const saved = record({ flash: { success: 'Welcome back', zero: 0, no: false }, createdAt: 1_700_000_000_000, version: 7 });
      await expect(store.set(id, saved, { ttlMs: MINUTE })).resolves.toBe(true);
      await expect(store.get(id)).resolves.toEqual(saved);
    });

    it('nested JSON, unicode and 100 KB of data round-trip', async () => {
      const id = newId();
      const data = {
        nested: { list: [1, 'two', { three: [null, true, false] }], empty: {}, none: [] },
        unicode: 'zoë 😀 日本語 "quotes" \\ \n',
        numbers: { negative: -1.5, big: Number.MAX_SAFE_INTEGER },
        large: 'x'.repeat(100 * 1024),
      };
      await store.set(id, record({ data }), { ttlMs: MINUTE });
      expect((await store.get(id))?.data).toEqual(data);
    });

    it('keeps its own copy: mutating what was saved or read changes nothing stored', async () => {
      const id = newId();
      const saved = record({ data: { list: [1] } });
      await store.set(id, saved, { ttlMs: MINUTE });
      (saved.data.list as number[]).push(2);
      const read = await store.get(id);
      (read!.data.list as number[]).push(3);
      expect((await store.get(id))?.data).toEqual({ list: [1] });
    });

    it('set with ifVersion equal to the stored version writes and bumps the version', async () => {
      const id = newId();
      await store.set(id, record({ version: 3 }), { ttlMs: MINUTE });
      await expect(store.set(id, record({ data: { n: 2 }, version: 4 }), { ttlMs: MINUTE, ifVersion: 3 })).resolves.toBe(true);
      expect(await store.get(id)).toMatchObject({ data: { n: 2 }, version: 4 });
    });

    it('set with a stale (or future) ifVersion resolves false and leaves the record as it was', async () => {
      const id = newId();
      const original = record({ data: { n: 1 }, version: 5 });
      await store.set(id, original, { ttlMs: MINUTE });
      await expect(store.set(id, record({ data: { n: 2 }, version: 5 }), { ttlMs: MINUTE, ifVersion: 4 })).resolves.toBe(false);
      await expect(store.set(id, record({ data: { n: 3 }, version: 7 }), { ttlMs: MINUTE, ifVersion: 6 })).resolves.toBe(false);
      await expect(store.get(id)).resolves.toEqual(original);
    });

    it('set with ifVersion on a destroyed or never-saved id resolves false and does not create it: a logout sticks', async () => {
      const destroyed = newId();
      await store.set(destroyed, record(), { ttlMs: MINUTE });
      await store.destroy(destroyed);
      await expect(store.set(destroyed, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(false);
      await expect(store.get(destroyed)).resolves.toBeUndefined();
      const unknown = newId();
      await expect(store.set(unknown, record(), { ttlMs: MINUTE, ifVersion: 0 })).resolves.toBe(false);
      await expect(store.get(unknown)).resolves.toBeUndefined();
    });

    it('set without ifVersion overwrites whatever is stored', async () => {
      const id = newId();
      await store.set(id, record({ data: { n: 1 }, version: 9 }), { ttlMs: MINUTE });
      const replacement = record({ data: { n: 2 }, version: 1 });
      await expect(store.set(id, replacement, { ttlMs: MINUTE })).resolves.toBe(true);
      await expect(store.get(id)).resolves.toEqual(replacement);
    });

    it('destroy removes the record; destroy of an unknown id resolves', async () => {
      const id = newId();
      await store.set(id, record(), { ttlMs: MINUTE });
      await store.destroy(id);
      await expect(store.get(id)).resolves.toBeUndefined();
      await expect(store.destroy(newId())).resolves.not.toBe(false);
    });

    it('destroy with ifVersion deletes only that version, and counts a missing record as deleted', async () => {
      const id = newId();
      await store.set(id, record({ version: 3 }), { ttlMs: MINUTE });
      await expect(store.destroy(id, { ifVersion: 2 })).resolves.toBe(false);
      await expect(store.get(id)).resolves.toMatchObject({ version: 3 });
      await expect(store.destroy(id, { ifVersion: 3 })).resolves.toBe(true);
      await expect(store.get(id)).resolves.toBeUndefined();
      await expect(store.destroy(newId(), { ifVersion: 1 })).resolves.toBe(true);
    });

    it("keeps regenerate()'s forward marker (movedTo) as written", async () => {
      const id = newId();
      const target = newId();
      await store.set(id, record({ version: 2, data: {}, movedTo: target }), { ttlMs: MINUTE });
      expect((await store.get(id))?.movedTo).toBe(target);
    });

    it('touch extends expiresAt without changing data or version', async () => {
      const id = newId();
      const saved = record({ data: { kept: true }, version: 4 });
      await store.set(id, saved, { ttlMs: MINUTE });
      const later = saved.expiresAt + 10 * MINUTE;
      await store.touch(id, later);
      await expect(store.get(id)).resolves.toEqual({ ...saved, expiresAt: later });
    });

    it('touch of a missing id is a no-op and does not create it', async () => {
      const id = newId();
      await expect(store.touch(id, Date.now() + MINUTE)).resolves.toBeUndefined();
      await expect(store.get(id)).resolves.toBeUndefined();
    });

    it('a record is gone once its ttl passes, unless touch extended it', async () => {
      const [lapsed, touched] = [newId(), newId()];
      const short = () => record({ expiresAt: Date.now() + 300 });
      await store.set(lapsed, short(), { ttlMs: 300 });
      await store.set(touched, short(), { ttlMs: 300 });
      const later = Date.now() + MINUTE;
      await store.touch(touched, later);
      await sleep(450);
      await expect(store.get(lapsed)).resolves.toBeUndefined();
      expect((await store.get(touched))?.expiresAt).toBe(later);
      await expect(store.set(lapsed, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(false);
    });

    it('prune(), where the store has one, deletes expired records, keeps live ones and resolves a count', async () => {
      if (!store.prune) return; // stores with native TTL need no pruning
      const [a, b, live] = [newId(), newId(), newId()];
      for (const id of [a, b]) await store.set(id, record({ expiresAt: Date.now() + 50 }), { ttlMs: 50 });
      await store.set(live, record(), { ttlMs: MINUTE });
      await sleep(120);
      expect(await store.prune()).toBeGreaterThanOrEqual(2); // other tests' expired records may count too
      await expect(store.get(live)).resolves.toBeDefined();
      await expect(store.prune()).resolves.toBe(0);
    });

    it('20 parallel compare-and-set writers on one id all land: CAS is atomic', async () => {
      const id = newId();
      await store.set(id, record({ data: { hits: 0 }, version: 10 }), { ttlMs: MINUTE });
      await Promise.all(Array.from({ length: 20 }, () => casIncrement(store, id)));
      expect(await store.get(id)).toMatchObject({ data: { hits: 20 }, version: 30 });
    });

    it('ids never leak into each other: two ids hold independent data', async () => {
      const [a, b] = [newId(), newId()];
      await store.set(a, record({ data: { owner: 'a' } }), { ttlMs: MINUTE });
      await store.set(b, record({ data: { owner: 'b' } }), { ttlMs: MINUTE });
      await store.set(a, record({ data: { owner: 'a2' }, version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
      await store.destroy(a);
      expect(await store.get(b)).toMatchObject({ data: { owner: 'b' }, version: 1 });
      await expect(store.get(a)).resolves.toBeUndefined();
    });

    it('a second handle on the same backend reads and CAS-checks what the first one wrote', async () => {
      if (!subject.reopen) return; // a process-local store has no second handle
      const other = await subject.reopen();
      try {
        const id = newId();
        const saved = record({ data: { from: 'first' }, version: 1 });
        await store.set(id, saved, { ttlMs: MINUTE });
        await expect(other.get(id)).resolves.toEqual(saved);
        await expect(other.set(id, record({ version: 1 }), { ttlMs: MINUTE, ifVersion: 0 })).resolves.toBe(false);
        await expect(other.set(id, record({ data: { from: 'second' }, version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(true);
        await expect(store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(false);
        expect(await store.get(id)).toMatchObject({ data: { from: 'second' }, version: 2 });
        await other.destroy(id);
        await expect(store.get(id)).resolves.toBeUndefined();
      } finally {
        await other.close?.();
      }
    });

    describeTaggingConformance(() => subject);
  });
}
