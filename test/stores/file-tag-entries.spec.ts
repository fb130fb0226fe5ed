import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileStore } from '../../lib/index.js';
import { newId, record } from './store-conformance.js';

const MINUTE = 60_000;
const tagDir = (dir: string, tag: string) => join(dir, 'tags', createHash('sha256').update(tag).digest('hex'));

describe("FileStore's tag entries", () => {
  let dir: string;
  let store: FileStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nest-sessions-tags-'));
    store = new FileStore({ dir, pruneIntervalMs: 0 });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('are one private empty file per tagged id under tags/<sha-256 of the tag>/, which the session sweep leaves alone', async () => {
    const [a, b] = [newId(), newId()];
    await store.set(a, record({ tag: '../../ada' }), { ttlMs: MINUTE });
    await store.set(b, record(), { ttlMs: MINUTE });
    expect(await readdir(tagDir(dir, '../../ada'))).toEqual([a]);
    expect((await stat(join(tagDir(dir, '../../ada'), a))).mode & 0o777).toBe(0o600);
    expect((await stat(tagDir(dir, '../../ada'))).mode & 0o777).toBe(0o700);
    expect((await readdir(dir)).sort()).toEqual([`${a}.json`, `${b}.json`, 'tags'].sort());
    await expect(store.prune()).resolves.toBe(0);
    expect(await readdir(tagDir(dir, '../../ada'))).toEqual([a]);
  });

  it('prune drops entries of sessions destroyed, expired or moved, and tag directories left empty; entries of live sessions stay', async () => {
    const [destroyed, expired, moved, live, untagged] = Array.from({ length: 5 }, newId);
    for (const id of [destroyed, moved, live, untagged]) await store.set(id, record({ tag: 'ada' }), { ttlMs: MINUTE });
    await store.set(expired, record({ tag: 'grace', expiresAt: Date.now() + 30 }), { ttlMs: 30 });
    await store.destroy(destroyed);
    await store.set(moved, record({ version: 2, data: {}, movedTo: live }), { ttlMs: MINUTE, ifVersion: 1 });
    await store.set(untagged, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
    await sleep(60);
    await store.prune();
    // An untagged session keeps its entry (it may be tagged again any moment); findTagged leaves it out.
    expect((await readdir(tagDir(dir, 'ada'))).sort()).toEqual([live, untagged].sort());
    await expect(readdir(tagDir(dir, 'grace'))).rejects.toThrow(/ENOENT/);
    expect((await store.findTagged('ada')).map(({ id }) => id)).toEqual([live]);
  });

  it('findTagged drops the entries of sessions gone for good on its way, so a user who lists often carries no dead weight', async () => {
    const [gone, kept] = [newId(), newId()];
    await store.set(gone, record({ tag: 'ada' }), { ttlMs: MINUTE });
    await store.set(kept, record({ tag: 'ada' }), { ttlMs: MINUTE });
    await store.destroy(gone);
    expect((await store.findTagged('ada')).map(({ id }) => id)).toEqual([kept]);
    expect(await readdir(tagDir(dir, 'ada'))).toEqual([kept]);
  });

  it('a tag directory pruned away while a session is tagged is made again', async () => {
    const id = newId();
    await store.set(id, record({ tag: 'ada' }), { ttlMs: MINUTE });
    await store.destroy(id);
    const other = newId();
    await Promise.all([store.prune(), store.set(other, record({ tag: 'ada' }), { ttlMs: MINUTE })]);
    expect((await store.findTagged('ada')).map((found) => found.id)).toEqual([other]);
  });
});
