import { planCommit } from '../../../lib/commit/commit-plan.js';
import { KeyedLock } from '../../../lib/commit/keyed-lock.js';
import { persistCommit } from '../../../lib/commit/persist-commit.js';
import { Session } from '../../../lib/core/session.js';
import { SessionState } from '../../../lib/core/session-state.js';
import { newSessionId } from '../../../lib/http/session-id.js';
import { MemoryStore } from '../../../lib/index.js';
import { resolveConfig } from '../../../lib/session-config.js';
import { SECRET } from '../../support/constants.js';

/** Two requests on one session, each loading the same stored record, as parallel requests do. */
async function twoRequests() {
  const store = new MemoryStore();
  const config = resolveConfig({ secret: SECRET, store }).sessions.get('default')!;
  const id = newSessionId();
  const now = Date.now();
  await store.set(id, { data: { n: 0 }, flash: {}, createdAt: now, expiresAt: now + 60_000, version: 1 }, { ttlMs: 60_000 });
  const load = async () => {
    const state = new SessionState(id, await store.get(id), now, now + 60_000, false, true);
    return { state, session: new Session<any, any>(state, config) };
  };
  const commit = (state: SessionState) => persistCommit(planCommit(config, state, 200, Date.now())!, 10, new KeyedLock());
  return { store, id, a: await load(), b: await load(), commit };
}

describe('committing over a parallel writer', () => {
  it('replays this request\'s operations on the fresh data instead of overwriting it', async () => {
    const { store, id, a, b, commit } = await twoRequests();
    a.session.increment('n');
    a.session.push('log', 'a');
    b.session.increment('n');
    b.session.push('log', 'b');
    await commit(b.state);
    await commit(a.state);
    const stored = await store.get(id);
    expect(stored?.data).toEqual({ n: 2, log: ['b', 'a'] });
    expect(stored?.version).toBe(3);
  });

  it('never resurrects a session a parallel request destroyed', async () => {
    const { store, id, a, b, commit } = await twoRequests();
    a.session.set('late', true);
    await b.session.destroy();
    await commit(b.state);
    expect(await commit(a.state)).toBe('gone');
    expect(await store.get(id)).toBeUndefined();
  });

  it('keeps a flash a parallel request set after this one loaded', async () => {
    const { store, id, a, b, commit } = await twoRequests();
    b.session.flash.set('notice', 'from b');
    a.session.set('x', 1);
    await commit(b.state);
    await commit(a.state);
    expect((await store.get(id))?.flash).toEqual({ notice: 'from b' });
  });

  it('a regenerate that commits after a logout brings nothing back: its new id is deleted too', async () => {
    const { store, id, a, b, commit } = await twoRequests();
    await a.session.regenerate();
    await b.session.destroy();
    await commit(b.state);
    expect(await commit(a.state)).toBe('gone');
    expect(await store.get(id)).toBeUndefined();
    expect(await store.get(a.session.id)).toBeUndefined();
  });

  it('a logout that commits after a regenerate follows it: neither id keeps the session', async () => {
    const { store, id, a, b, commit } = await twoRequests();
    await a.session.regenerate();
    await b.session.destroy();
    expect(await commit(a.state)).toBe('kept');
    expect((await store.get(a.session.id))?.data).toEqual({ n: 0 });
    await commit(b.state);
    expect(await store.get(a.session.id)).toBeUndefined();
    expect(await store.get(id)).toBeUndefined();
  });

  it('a write that commits after a regenerate lands under the new id, and hands out no cookie for it', async () => {
    const { store, a, b, commit } = await twoRequests();
    await a.session.regenerate();
    b.session.increment('n');
    expect(await commit(a.state)).toBe('kept');
    expect(await commit(b.state)).toBe('moved');
    expect((await store.get(a.session.id))?.data).toEqual({ n: 1 });
  });

  it('a write that commits before a regenerate is carried to the new id', async () => {
    const { store, a, b, commit } = await twoRequests();
    await a.session.regenerate();
    a.session.set('user', 42);
    b.session.increment('n');
    expect(await commit(b.state)).toBe('kept');
    expect(await commit(a.state)).toBe('kept');
    expect((await store.get(a.session.id))?.data).toEqual({ n: 1, user: 42 });
  });
});
