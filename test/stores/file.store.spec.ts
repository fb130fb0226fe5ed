import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileStore } from '../../lib/index.js';
import { casIncrement, describeStoreConformance, newId, record } from './store-conformance.js';

const MINUTE = 60_000;

describeStoreConformance('FileStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-conformance-'));
  const store = new FileStore({ dir });
  return {
    store,
    reopen: async () => new FileStore({ dir }),
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('FileStore on the real file system', () => {
  let root: string;
  const stores: FileStore[] = [];
  const open = (dir: string, pruneIntervalMs?: number) => {
    const store = new FileStore({ dir, pruneIntervalMs });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nest-sessions-file-'));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await rm(root, { recursive: true, force: true });
  });
  const freshDir = () => mkdtemp(join(root, 'case-'));

  it('creates its directory 0700 and writes session files 0600, leaving no lock or temp file behind', async () => {
    const dir = join(await freshDir(), 'nested', 'sessions');
    const store = open(dir);
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    await store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, `${id}.json`))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it('never lets an id that is not a session id become a path outside its directory', async () => {
    const parent = await freshDir();
    const dir = join(parent, 'sessions');
    const store = open(dir);
    const victim = join(parent, 'victim.json');
    const content = JSON.stringify({ deadline: Date.now() + MINUTE, session: record() }); // would read as a live session
    await writeFile(victim, content);
    for (const id of ['../victim', '../../etc/passwd', `../${'a'.repeat(40)}`, '', 'a/b', `${newId()}/`]) {
      await expect(store.get(id)).resolves.toBeUndefined();
      await expect(store.set(id, record(), { ttlMs: MINUTE })).rejects.toThrow(TypeError);
      await expect(store.set(id, record(), { ttlMs: MINUTE, ifVersion: 1 })).rejects.toThrow(/session id/);
      await expect(store.touch(id, Date.now() + MINUTE)).resolves.toBeUndefined();
      await expect(store.destroy(id)).resolves.toBe(true);
    }
    expect(await readFile(victim, 'utf8')).toBe(content);
    expect(await readdir(parent)).toEqual(['victim.json']); // not even the store's own directory was made
  });

  it('reads a corrupt or foreign file as missing, treats it as missing for CAS, and overwrites it unconditionally', async () => {
    const dir = await freshDir();
    const store = open(dir);
    const [garbled, foreign] = [newId(), newId()];
    await writeFile(join(dir, `${garbled}.json`), '{"deadline": 99999999999999, "session": {"data": {');
    await writeFile(join(dir, `${foreign}.json`), JSON.stringify({ deadline: Date.now() + MINUTE, session: { data: [] } }));
    await expect(store.get(garbled)).resolves.toBeUndefined();
    await expect(store.get(foreign)).resolves.toBeUndefined();
    await expect(store.set(garbled, record(), { ttlMs: MINUTE, ifVersion: 0 })).resolves.toBe(false);
    await expect(store.set(garbled, record(), { ttlMs: MINUTE })).resolves.toBe(true);
    await expect(store.get(garbled)).resolves.toEqual(record({ createdAt: expect.any(Number), expiresAt: expect.any(Number) }));
  });

  it('keeps CAS atomic across two FileStore instances writing in parallel: 20 increments all land', async () => {
    const dir = await freshDir();
    const [first, second] = [open(dir), open(dir)];
    const id = newId();
    await first.set(id, record({ data: { hits: 0 }, version: 1 }), { ttlMs: MINUTE });
    await Promise.all(Array.from({ length: 20 }, (_, i) => casIncrement(i % 2 ? first : second, id)));
    expect(await second.get(id)).toMatchObject({ data: { hits: 20 }, version: 21 });
    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it('breaks a lock left by a crashed process once it is stale, exactly once among many waiters', async () => {
    const dir = await freshDir();
    const [first, second] = [open(dir), open(dir)];
    const id = newId();
    await first.set(id, record({ data: { hits: 0 }, version: 1 }), { ttlMs: MINUTE });
    const lock = join(dir, `${id}.lock`);
    await writeFile(lock, '');
    const longAgo = new Date(Date.now() - 10_000);
    await utimes(lock, longAgo, longAgo);
    await Promise.all(Array.from({ length: 10 }, (_, i) => casIncrement(i % 2 ? first : second, id)));
    expect(await first.get(id)).toMatchObject({ data: { hits: 10 }, version: 11 });
    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it('waits for a live lock instead of breaking it', async () => {
    const dir = await freshDir();
    const store = open(dir);
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    const lock = join(dir, `${id}.lock`);
    await writeFile(lock, '');
    const write = store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
    await sleep(300);
    expect((await store.get(id))?.version).toBe(1);
    await rm(lock);
    await expect(write).resolves.toBe(true);
  });

  it('prune removes expired sessions, stale locks and crash leftovers older than a minute, but nothing live', async () => {
    const dir = await freshDir();
    const store = open(dir, 0);
    const [live, expired, byRecord] = [newId(), newId(), newId()];
    await store.set(live, record(), { ttlMs: MINUTE });
    await store.set(expired, record(), { ttlMs: 1 });
    await store.set(byRecord, record({ expiresAt: Date.now() - 1 }), { ttlMs: MINUTE });
    const old = new Date(Date.now() - 2 * MINUTE);
    const leftovers = [`${live}.json.0123456789ab.tmp`, `${live}.lock.break`, `${newId()}.lock`];
    for (const name of leftovers) {
      await writeFile(join(dir, name), '');
      await utimes(join(dir, name), old, old);
    }
    const freshTemp = `${live}.json.ba9876543210.tmp`; // a write in flight right now
    await writeFile(join(dir, freshTemp), '');
    await writeFile(join(dir, 'README.txt'), 'not ours');
    await sleep(10);
    await expect(store.prune()).resolves.toBe(2);
    expect((await readdir(dir)).sort()).toEqual([`${live}.json`, freshTemp, 'README.txt'].sort());
  });

  it('prunes on its own timer', async () => {
    const dir = await freshDir();
    const store = open(dir, 50);
    const id = newId();
    await store.set(id, record(), { ttlMs: 20 });
    const giveUpAt = Date.now() + 3_000; // a loaded machine may delay timers; poll rather than guess a sleep
    while ((await readdir(dir)).length > 0 && Date.now() < giveUpAt) await sleep(25);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses options it cannot honour', () => {
    expect(() => new FileStore({ dir: '' })).toThrow(/dir/);
    expect(() => new FileStore({ dir: root, pruneIntervalMs: -1 })).toThrow(/pruneIntervalMs/);
    expect(() => new FileStore({ dir: root, pruneIntervalMs: 2 ** 31 })).toThrow(TypeError);
  });
});
