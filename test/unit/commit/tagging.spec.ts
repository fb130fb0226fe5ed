import { planCommit } from '../../../lib/commit/commit-plan.js';
import { KeyedLock } from '../../../lib/commit/keyed-lock.js';
import { moveSession } from '../../../lib/commit/move-session.js';
import { persistCommit } from '../../../lib/commit/persist-commit.js';
import { Session } from '../../../lib/core/session.js';
import { SessionState } from '../../../lib/core/session-state.js';
import { newSessionId } from '../../../lib/http/session-id.js';
import { CookieStore, MemoryStore, NullStore, UserSessionsUnsupportedError, type SessionStore, type StoredSession } from '../../../lib/index.js';
import { resolveConfig } from '../../../lib/session-config.js';
import { SECRET } from '../../support/constants.js';

/** Requests on one stored session, each loading it as parallel requests do. */
async function oneSession(stored: Partial<StoredSession> = {}, store: SessionStore = new MemoryStore()) {
  const config = resolveConfig({ secret: SECRET, store }).sessions.get('default')!;
  const id = newSessionId();
  const now = Date.now();
  await store.set(id, { data: { n: 0 }, flash: {}, createdAt: now, expiresAt: now + 60_000, version: 1, ...stored }, { ttlMs: 60_000 });
  const load = async () => {
    const state = new SessionState(id, await store.get(id), now, now + 60_000, false, true);
    return { state, session: new Session<any, any>(state, config) };
  };
  const commit = (state: SessionState) => persistCommit(planCommit(config, state, 200, Date.now())!, 10, new KeyedLock());
  return { store, config, id, load, commit };
}

describe('session.tag() and untag()', () => {
  it('keeps a tag through compare-and-set replay: a parallel write does not drop it, nor it the write', async () => {
    const { store, id, load, commit } = await oneSession();
    const [a, b] = [await load(), await load()];
    a.session.tag('ada');
    b.session.increment('n');
    await commit(b.state);
    await commit(a.state);
    expect(await store.get(id)).toMatchObject({ tag: 'ada', data: { n: 1 }, version: 3 });
  });

  it('an untag replays too, and a parallel write of another kind keeps it untagged', async () => {
    const { store, id, load, commit } = await oneSession({ tag: 'ada' });
    const [a, b] = [await load(), await load()];
    a.session.untag();
    b.session.set('x', 1);
    await commit(a.state);
    await commit(b.state);
    const stored = await store.get(id);
    expect(stored?.tag).toBeUndefined();
    expect(stored?.data).toEqual({ n: 0, x: 1 });
  });

  it('survives regenerate(), also when the move replays over a parallel write', async () => {
    const { store, id, load, commit } = await oneSession({ tag: 'ada' });
    const [a, b] = [await load(), await load()];
    await a.session.regenerate();
    b.session.increment('n');
    await commit(b.state);
    expect(await commit(a.state)).toBe('kept');
    expect(await store.get(a.session.id)).toMatchObject({ tag: 'ada', data: { n: 1 } });
    expect((await store.get(id))?.movedTo).toBe(a.session.id);
  });

  it('goes with invalidate() and destroy(): the next session is untagged', async () => {
    const { load } = await oneSession({ tag: 'ada' });
    const { session } = await load();
    expect(session.taggedAs).toBe('ada');
    await session.destroy();
    expect(session.taggedAs).toBeUndefined();
  });

  it('a session that is only tagged is still saved; tagging it again with the same user writes nothing', async () => {
    const store = new MemoryStore();
    const config = resolveConfig({ secret: SECRET, store }).sessions.get('default')!;
    const state = new SessionState(newSessionId(), undefined, Date.now(), Date.now() + 60_000, false, false);
    new Session(state, config).tag(7);
    const plan = planCommit(config, state, 200, Date.now())!;
    expect(plan.action).toMatchObject({ kind: 'save', record: { tag: '7' } });

    const { load } = await oneSession({ tag: 'ada' });
    const again = await load();
    again.session.tag('ada');
    expect(again.state.ops).toEqual([]);
  });

  it('clear() keeps the tag: it drops data, not who the session belongs to', async () => {
    const { store, id, load, commit } = await oneSession({ tag: 'ada' });
    const [a, b] = [await load(), await load()];
    a.session.tag('grace');
    a.session.clear();
    b.session.set('x', 1);
    await commit(b.state);
    await commit(a.state);
    expect(await store.get(id)).toMatchObject({ tag: 'grace', data: {} });
  });

  it('refuses user ids that are not ids', async () => {
    const { load } = await oneSession();
    const { session } = await load();
    for (const bad of ['', 'x'.repeat(256), NaN, null, {}]) expect(() => session.tag(bad as never)).toThrow(TypeError);
  });

  it.each([
    ['CookieStore', new CookieStore()],
    ['NullStore', new NullStore()],
  ])('on a %s, throws an error that says why and what to use instead', (name, store) => {
    const config = resolveConfig({ secret: SECRET, store }).sessions.get('default')!;
    const state = new SessionState(newSessionId(), undefined, Date.now(), Date.now() + 60_000, false, false);
    const session = new Session(state, config);
    expect(() => session.tag('ada')).toThrow(UserSessionsUnsupportedError);
    expect(() => session.tag('ada')).toThrow(new RegExp(`${name}.*MemoryStore, FileStore, TypeOrmStore or RedisStore`));
  });
});

describe('regenerate() as a move, when the new id is signed out while the move retries', () => {
  it('stays signed out: the retry does not write the new id again, and the old one goes too', async () => {
    const { store, id, load, config } = await oneSession({ tag: 'ada' });
    const [a, b] = [await load(), await load()];
    await a.session.regenerate();
    b.session.increment('n');
    const plan = planCommit(config, a.state, 200, Date.now())!;
    // The first write of the new id lands, then a parallel write makes the marker conflict; meanwhile the new id is destroyed.
    const real = store.set.bind(store);
    let writes = 0;
    store.set = async (at, record, options) => {
      const written = await real(at, record, options);
      if (at === a.session.id && ++writes === 1) {
        await persistCommit(planCommit(config, b.state, 200, Date.now())!, 10, new KeyedLock());
        await store.destroy(at);
      }
      return written;
    };
    const action = plan.action as { record: StoredSession };
    await expect(moveSession(plan, action.record, 10)).resolves.toBe('gone');
    expect(await store.get(a.session.id)).toBeUndefined();
    expect(await store.get(id)).toBeUndefined();
  });
});
