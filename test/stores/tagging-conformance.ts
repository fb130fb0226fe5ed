import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionStore } from '../../lib/index.js';
import { newId, record, type StoreUnderTest } from './store-conformance.js';

const MINUTE = 60_000;

/** A tag no other test (nor an earlier run on a durable backend) uses. */
const newTag = () => `user-${randomUUID()}`;

/** The ids `findTagged` answers, sorted, checking each record carries the tag. */
async function idsTagged(store: SessionStore, tag: string): Promise<string[]> {
  const found = await store.findTagged!(tag);
  for (const { session } of found) expect(session.tag).toBe(tag);
  return found.map(({ id }) => id).sort();
}

/**
 * The part of the store contract `session.tag()` and `UserSessions` rely on:
 * the tag and device are kept like any other field, and `findTagged` answers
 * exactly the live records of a tag, whatever order writes, touches, deletes
 * and a second handle's writes come in.
 */
export function describeTaggingConformance(subject: () => StoreUnderTest): void {
  describe('tagging (findTagged)', () => {
    let store: SessionStore;
    beforeAll(() => {
      store = subject().store;
    });

    it('is offered, as every server store must', () => {
      expect(typeof store.findTagged).toBe('function');
    });

    it('keeps the tag and the device through a save, a compare-and-set and a touch', async () => {
      const id = newId();
      const tag = newTag();
      const device = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' };
      const saved = record({ tag, device });
      await store.set(id, saved, { ttlMs: MINUTE });
      await expect(store.get(id)).resolves.toEqual(saved);
      await store.set(id, record({ tag, device, version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
      await store.touch(id, Date.now() + 2 * MINUTE);
      expect(await store.get(id)).toMatchObject({ tag, device, version: 2 });
    });

    it('finds exactly the live records of one tag, with their ids and records', async () => {
      const [mine, theirs] = [newTag(), newTag()];
      const [a, b, c, untagged] = [newId(), newId(), newId(), newId()];
      const first = record({ tag: mine, data: { n: 1 } });
      await store.set(a, first, { ttlMs: MINUTE });
      await store.set(b, record({ tag: mine, data: { n: 2 } }), { ttlMs: MINUTE });
      await store.set(c, record({ tag: theirs }), { ttlMs: MINUTE });
      await store.set(untagged, record(), { ttlMs: MINUTE });
      expect(await idsTagged(store, mine)).toEqual([a, b].sort());
      expect(await idsTagged(store, theirs)).toEqual([c]);
      expect((await store.findTagged!(mine)).find(({ id }) => id === a)?.session).toEqual(first);
      await expect(store.findTagged!(newTag())).resolves.toEqual([]);
    });

    it('leaves out records destroyed, expired, moved by regenerate() or tagged otherwise since', async () => {
      const tag = newTag();
      const [destroyed, expired, moved, untagged, retagged, kept] = Array.from({ length: 6 }, newId);
      for (const id of [destroyed, moved, untagged, retagged, kept]) await store.set(id, record({ tag }), { ttlMs: MINUTE });
      await store.set(expired, record({ tag, expiresAt: Date.now() + 200 }), { ttlMs: 200 });
      await store.destroy(destroyed);
      await store.set(moved, record({ version: 2, data: {}, movedTo: kept }), { ttlMs: MINUTE, ifVersion: 1 });
      await store.set(untagged, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
      await store.set(retagged, record({ version: 2, tag: newTag() }), { ttlMs: MINUTE, ifVersion: 1 });
      await sleep(300);
      expect(await idsTagged(store, tag)).toEqual([kept]);
    });

    it('a record touched past its first ttl is still found; a conflicting write changes no tag', async () => {
      const tag = newTag();
      const id = newId();
      await store.set(id, record({ tag, expiresAt: Date.now() + 300 }), { ttlMs: 300 });
      await store.touch(id, Date.now() + MINUTE);
      await expect(store.set(id, record({ tag: newTag(), version: 9 }), { ttlMs: MINUTE, ifVersion: 8 })).resolves.toBe(false);
      await sleep(450);
      expect(await idsTagged(store, tag)).toEqual([id]);
    });

    it('takes any user id as a tag: unicode, quotes, backslashes, braces, slashes and 255 characters', async () => {
      const odd = ['zoë 😀 日本語', 'a"b\\c', '{slot}:x', '../../etc/passwd', `${randomUUID()}${'x'.repeat(255)}`.slice(0, 255), '42'];
      const ids = new Map<string, string>();
      for (const base of odd) {
        const tag = base === '42' ? `${Date.now()}${Math.random()}`.slice(0, 20) : `${base}${randomUUID()}`.slice(0, 255);
        const id = newId();
        ids.set(tag, id);
        await store.set(id, record({ tag }), { ttlMs: MINUTE });
        await store.touch(id, Date.now() + 2 * MINUTE);
      }
      for (const [tag, id] of ids) {
        expect(await idsTagged(store, tag)).toEqual([id]);
        expect((await store.get(id))?.tag).toBe(tag);
      }
    });

    it('a second handle on the same backend finds what the first tagged, and sees its deletes', async () => {
      const { reopen } = subject();
      if (!reopen) return; // a process-local store has no second handle
      const other = await reopen();
      try {
        const tag = newTag();
        const [a, b] = [newId(), newId()];
        await store.set(a, record({ tag }), { ttlMs: MINUTE });
        await other.set(b, record({ tag }), { ttlMs: MINUTE });
        expect(await idsTagged(other, tag)).toEqual([a, b].sort());
        await other.destroy(a);
        expect(await idsTagged(store, tag)).toEqual([b]);
      } finally {
        await other.close?.();
      }
    });

    it('under parallel writes, finds every record tagged before it started, and never one destroyed before', async () => {
      const tag = newTag();
      const before = Array.from({ length: 20 }, newId);
      await Promise.all(before.map((id) => store.set(id, record({ tag }), { ttlMs: MINUTE })));
      const gone = before.slice(0, 5);
      await Promise.all(gone.map((id) => store.destroy(id)));
      const during = Array.from({ length: 20 }, newId);
      const writes = during.map(async (id, i) => {
        await store.set(id, record({ tag }), { ttlMs: MINUTE });
        if (i % 2) await store.set(id, record({ tag, version: 2, data: { i } }), { ttlMs: MINUTE, ifVersion: 1 });
      });
      const found = await idsTagged(store, tag);
      await Promise.all(writes);
      for (const id of before.slice(5)) expect(found).toContain(id);
      for (const id of gone) expect(found).not.toContain(id);
      for (const id of found) expect([...before.slice(5), ...during]).toContain(id);
      expect(await idsTagged(store, tag)).toEqual([...before.slice(5), ...during].sort());
    });

    it('finds a tag among many records of other tags, answering only its own', async () => {
      const tag = newTag();
      const crowd = Array.from({ length: 200 }, () => ({ id: newId(), tag: newTag() }));
      await Promise.all(crowd.map(({ id, tag: other }) => store.set(id, record({ tag: other }), { ttlMs: MINUTE })));
      const mine = newId();
      await store.set(mine, record({ tag }), { ttlMs: MINUTE });
      expect(await idsTagged(store, tag)).toEqual([mine]);
    });
  });
}
