import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileStore } from '../../lib/index.js';
import { LockLostError, STALE_LOCK_MS, withFileLock, type Tenure, type TenureKind } from '../../lib/stores/file/file-lock.js';
import { endTenure } from '../../lib/stores/file/tenure.js';
import { newToken } from '../../lib/stores/file/holder.js';
import { casIncrement, describeStoreConformance, newId, record } from './store-conformance.js';

const MINUTE = 60_000;

/** A lock or temp file token naming process `pid` of this machine as its maker, at `since` (its start time unknown: 0). */
function tokenOf(pid: number, since = Date.now()): string {
  const [tag, , , , random] = newToken().split('-');
  return [tag, pid, 0, since.toString(36), random].join('-');
}

/** The pid of a process that has just ended (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

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

  it('breaks at once a lock whose holder died, exactly once among many waiters, and cleans up what it staged', async () => {
    const dir = await freshDir();
    const [first, second] = [open(dir), open(dir)];
    const id = newId();
    await first.set(id, record({ data: { hits: 0 }, version: 1 }), { ttlMs: MINUTE });
    // A writer killed with its write staged: the lock directory holds its tenure, the half-written record.
    await mkdir(join(dir, `${id}.lock`));
    await writeFile(join(dir, `${id}.lock`, tokenOf(await deadPid())), '{"deadline": 99999999999999, "session": {"data": {');
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => casIncrement(i % 2 ? first : second, id)));
    expect(performance.now() - started).toBeLessThan(1_000); // no wait for a stale age
    expect(await first.get(id)).toMatchObject({ data: { hits: 10 }, version: 11 });
    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it("breaks an older FileStore's lock file once it is stale, exactly once among many waiters", async () => {
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

  it('waits for the lock of a live holder, and breaks it once the holder has kept it past the stale age', async () => {
    const dir = await freshDir();
    const store = open(dir);
    const [waited, stale] = [newId(), newId()];
    for (const id of [waited, stale]) await store.set(id, record(), { ttlMs: MINUTE });
    const live = join(dir, `${waited}.lock`, tokenOf(process.ppid));
    await mkdir(live, { recursive: true });
    await mkdir(join(dir, `${stale}.lock`, tokenOf(process.ppid, Date.now() - STALE_LOCK_MS - 1)), { recursive: true });
    const write = store.set(waited, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
    await expect(store.set(stale, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(true);
    await sleep(300);
    expect((await store.get(waited))?.version).toBe(1);
    await rm(join(dir, `${waited}.lock`), { recursive: true }); // the holder lets go
    await expect(write).resolves.toBe(true);
    expect((await readdir(dir)).sort()).toEqual([`${waited}.json`, `${stale}.json`].sort());
  });

  it('fences off a holder whose lock was broken: its write and its delete change nothing', async () => {
    const dir = await freshDir();
    const [store, other] = [open(dir), open(dir)];
    const id = newId();
    await store.set(id, record({ data: { by: 'first' }, version: 1 }), { ttlMs: MINUTE });
    const lockPath = join(dir, `${id}.lock`);
    const paused = (kind: TenureKind, act: (tenure: Tenure) => Promise<unknown>) =>
      withFileLock(lockPath, kind, async (tenure) => {
        // What a breaker does to a holder it takes for dead or stalled, while this one is "stopped" here.
        await endTenure(tenure.path);
        await expect(other.set(id, record({ data: { by: 'other' }, version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(true);
        return act(tenure);
      });
    const stale = JSON.stringify({ deadline: Date.now() + MINUTE, session: record({ data: { by: 'paused' }, version: 2 }) });
    await expect(paused('write', (tenure) => tenure.commit(join(dir, `${id}.json`), stale))).rejects.toThrow(LockLostError);
    expect(await store.get(id)).toMatchObject({ data: { by: 'other' }, version: 2 });
    await store.set(id, record({ data: { by: 'first' }, version: 1 }), { ttlMs: MINUTE });
    await expect(paused('remove', (tenure) => tenure.remove(join(dir, `${id}.json`)))).rejects.toThrow(LockLostError);
    expect(await store.get(id)).toMatchObject({ data: { by: 'other' }, version: 2 });
    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it('prune removes at once what dead writers left, and leaves what live writers are doing', async () => {
    const dir = await freshDir();
    const store = open(dir, 0);
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    const [dead, alive] = [tokenOf(await deadPid()), tokenOf(process.ppid)];
    await writeFile(join(dir, `${id}.json.${dead}.tmp`), '{}'); // an unconditional write, killed
    await mkdir(join(dir, `${id}.lock.${dead}.tmp`, dead), { recursive: true }); // a lock being taken, killed
    await mkdir(join(dir, `${newId()}.lock`, dead), { recursive: true }); // a lock held, killed
    await mkdir(join(dir, `${newId()}.lock`)); // a lock being let go, killed
    const inFlight = [`${id}.json.${alive}.tmp`, `${id}.lock.${alive}.tmp`];
    await writeFile(join(dir, inFlight[0]), '{}');
    await mkdir(join(dir, inFlight[1]));
    await expect(store.prune()).resolves.toBe(0);
    expect((await readdir(dir)).sort()).toEqual([`${id}.json`, ...inFlight].sort());
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
