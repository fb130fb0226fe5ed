import { jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStore } from '../../lib/index.js';
import { describeStoreConformance, newId, record } from './store-conformance.js';

describeStoreConformance('MemoryStore', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});

describe('MemoryStore specifics', () => {
  const opened: MemoryStore[] = [];
  const open = (options?: ConstructorParameters<typeof MemoryStore>[0]) => {
    const store = new MemoryStore(options);
    opened.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of opened) await store.close();
  });

  it('past maxEntries evicts the least recently used session, and a get counts as a use', async () => {
    const store = open({ maxEntries: 2 });
    const [a, b, c] = [newId(), newId(), newId()];
    await store.set(a, record(), { ttlMs: 60_000 });
    await store.set(b, record(), { ttlMs: 60_000 });
    await store.get(a); // a is now more recent than b
    await store.set(c, record(), { ttlMs: 60_000 });
    expect(store.size).toBe(2);
    await expect(store.get(b)).resolves.toBeUndefined();
    await expect(store.get(a)).resolves.toBeDefined();
    await expect(store.get(c)).resolves.toBeDefined();
  });

  it('the sweep timer drops expired sessions nobody reads again, so size falls', async () => {
    const store = open({ sweepIntervalMs: 40 });
    for (let i = 0; i < 3; i++) await store.set(newId(), record(), { ttlMs: 30 });
    const live = newId();
    await store.set(live, record(), { ttlMs: 60_000 });
    expect(store.size).toBe(4);
    await sleep(200);
    expect(store.size).toBe(1);
    await expect(store.get(live)).resolves.toBeDefined();
  });

  it('past maxEntries, the oldest session outlives newer ones when it was read since it was written', async () => {
    const store = open({ maxEntries: 100 });
    const ids = Array.from({ length: 100 }, () => newId());
    for (const id of ids) await store.set(id, record(), { ttlMs: 60_000 });
    await store.get(ids[0]!); // the oldest entry, read: it must outlive the ones nobody read
    for (let i = 0; i < 40; i++) await store.set(newId(), record(), { ttlMs: 60_000 });
    expect(store.size).toBe(100);
    await expect(store.get(ids[0]!)).resolves.toBeDefined();
    await expect(store.get(ids[1]!)).resolves.toBeUndefined();
  });

  it('past maxEntries with every session read, new sessions still get in and the store stays at maxEntries', async () => {
    const store = open({ maxEntries: 50 });
    const ids = Array.from({ length: 50 }, () => newId());
    for (const id of ids) await store.set(id, record(), { ttlMs: 60_000 });
    for (const id of ids) await store.get(id);
    const newcomers = Array.from({ length: 60 }, () => newId());
    for (const id of newcomers) await store.set(id, record(), { ttlMs: 60_000 });
    expect(store.size).toBe(50);
    await expect(store.get(newcomers.at(-1)!)).resolves.toBeDefined();
  });

  it('through many times maxEntries of new sessions, it keeps exactly the newest maxEntries', async () => {
    const store = open({ maxEntries: 1000 });
    const ids = Array.from({ length: 20_000 }, () => newId());
    for (const id of ids) await store.set(id, record(), { ttlMs: 60_000 });
    expect(store.size).toBe(1000);
    for (const id of ids.slice(-1000)) await expect(store.get(id)).resolves.toBeDefined();
    await expect(store.get(ids.at(-1001)!)).resolves.toBeUndefined();
  });

  it('a destroyed or expired session leaves eviction order intact for the rest', async () => {
    const store = open({ maxEntries: 3 });
    const [a, b, c, d, e] = [newId(), newId(), newId(), newId(), newId()];
    await store.set(a, record(), { ttlMs: 60_000 });
    await store.set(b, record(), { ttlMs: 20 });
    await store.set(c, record(), { ttlMs: 60_000 });
    await store.destroy(a);
    await sleep(40);
    await expect(store.get(b)).resolves.toBeUndefined(); // expired: gone on read
    await store.set(d, record(), { ttlMs: 60_000 });
    await store.set(e, record(), { ttlMs: 60_000 });
    expect(store.size).toBe(3);
    for (const id of [c, d, e]) await expect(store.get(id)).resolves.toBeDefined();
    await store.set(newId(), record(), { ttlMs: 60_000 }); // c is now the least recently used
    await expect(store.get(c)).resolves.toBeUndefined();
  });

  it('an update counts as a use: the session rewritten last outlives one read earlier', async () => {
    const store = open({ maxEntries: 2 });
    const [a, b] = [newId(), newId()];
    await store.set(a, record(), { ttlMs: 60_000 });
    await store.set(b, record(), { ttlMs: 60_000 });
    await store.set(a, record(), { ttlMs: 60_000 });
    await store.set(newId(), record(), { ttlMs: 60_000 });
    await expect(store.get(a)).resolves.toBeDefined();
    await expect(store.get(b)).resolves.toBeUndefined();
  });

  it('refuses a maxEntries that is not a whole number of at least 1', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new MemoryStore({ maxEntries: 1.5 })).toThrow(/maxEntries/);
  });

  it("keeps answering in a test that fakes timers with jest.useFakeTimers()", async () => {
    const store = open();
    const id = newId();
    jest.useFakeTimers();
    try {
      await store.set(id, record({ data: { n: 1 } }), { ttlMs: 60_000 });
      await expect(store.get(id)).resolves.toMatchObject({ data: { n: 1 } });
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers in the order it was asked: a read asked before a write sees the session before it', async () => {
    const store = open();
    const id = newId();
    await store.set(id, record({ data: { n: 1 } }), { ttlMs: 60_000 });
    const before = store.get(id);
    const write = store.set(id, record({ data: { n: 2 } }), { ttlMs: 60_000 });
    const after = store.get(id);
    expect((await before)?.data).toEqual({ n: 1 });
    await write;
    expect((await after)?.data).toEqual({ n: 2 });
  });
});
