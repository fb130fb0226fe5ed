import { Module, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import request from 'supertest';
import {
  CookieStore,
  MemoryStore,
  NullStore,
  SessionConfigError,
  SessionModule,
  SessionStore,
  SessionTooLargeError,
  type SessionModuleOptions,
} from '../../lib/index.js';
import { readSession, sessionCookie, TestSessionStore, type SessionSnapshot } from '../../lib/testing.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { AccountController, SignedInGuard, type AppFlash, type AppSession, type Prefs } from './fixtures/testing-kit/account.controller.js';

/**
 * Issue 21, `nest-sessions/testing`: what a user's own e2e tests need. A
 * request that starts with a given session (`sessionCookie`), what a request
 * stored (`readSession`), and a store a test can look into
 * (`TestSessionStore`), through supertest and fetch, on both adapters, with a
 * server store in process (MemoryStore), one over the network (RedisStore)
 * and one in the cookie (CookieStore).
 */

type StoreKind = 'MemoryStore' | 'RedisStore' | 'CookieStore';
const STORE_KINDS: StoreKind[] = ['MemoryStore', 'RedisStore', 'CookieStore'];

/** The default session's store and the named "prefs" session's, fresh per suite; server stores from test/support/backends.ts. */
async function openStores(kind: StoreKind): Promise<{ main: SessionStore; prefs: SessionStore; close(): Promise<void> }> {
  if (kind === 'CookieStore') return { main: new CookieStore(), prefs: new CookieStore(), close: async () => {} };
  const backend = backends().find((b) => b.name === kind)!;
  const opened: OpenedStore[] = [await backend.open(), await backend.open()];
  return { main: opened[0]!.store, prefs: opened[1]!.store, close: async () => void (await Promise.all(opened.map((o) => o.close()))) };
}

function sessionOptions(main: SessionStore, prefs: SessionStore): SessionModuleOptions {
  return { secret: SECRET, store: main, idleTimeout: '1h', sessions: { prefs: { store: prefs } } };
}

/** fetch with a Cookie header and an optional JSON body, as a test would write it. */
function send(url: string, method: string, cookie?: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    redirect: 'manual',
    headers: { ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const cases = PLATFORMS.flatMap((platform) => STORE_KINDS.map((kind) => [platform, kind] as const));

describe.each(cases)('nest-sessions/testing on %s with a %s', (platform, kind) => {
  failOnProcessErrors();
  let stores: Awaited<ReturnType<typeof openStores>>;
  let running: RunningApp;
  let app: INestApplication;
  const serverStore = kind !== 'CookieStore';

  beforeAll(async () => {
    stores = await openStores(kind);
    running = await startApp(platform, {
      imports: [SessionModule.forRoot(sessionOptions(stores.main, stores.prefs))],
      controllers: [AccountController],
      providers: [SignedInGuard],
    });
    app = running.app;
  });
  afterAll(async () => {
    await running?.close();
    await stores?.close();
  });

  describe('sessionCookie', () => {
    it('supertest: a signed-in route answers 200 with sessionCookie(app, { user: { id: 1 } }) and 403 without', async () => {
      const cookie = await sessionCookie<AppSession>(app, { user: { id: 1 } });
      expect(cookie).toMatch(/^sid=[A-Za-z0-9_.-]+$/);
      await request(app.getHttpServer()).get('/account').set('Cookie', cookie).expect(200, { user: { id: 1 } });
      await request(app.getHttpServer()).get('/account').expect(403);
    });

    it('fetch: the same cookie in a Cookie header signs the request in; none is a 403', async () => {
      const cookie = await sessionCookie<AppSession>(app, { user: { id: 1, name: 'Ada' } });
      const signedIn = await send(`${running.url}/account`, 'GET', cookie);
      expect(signedIn.status).toBe(200);
      expect(await signedIn.json()).toEqual({ user: { id: 1, name: 'Ada' } });
      expect((await send(`${running.url}/account`, 'GET')).status).toBe(403);
    });

    it('each call starts its own session, which the app keeps using under its own id', async () => {
      const [first, second] = [await sessionCookie(app, { user: { id: 1 } }), await sessionCookie(app, { user: { id: 2 } })];
      expect(first).not.toBe(second);
      await request(app.getHttpServer()).get('/account').set('Cookie', second).expect(200, { user: { id: 2 } });
      expect((await readSession(app, first))?.data.user).toEqual({ id: 1 });
    });

    it('seeds flash for the first request only, as if the previous request had set it', async () => {
      const cookie = await sessionCookie<AppSession, AppFlash>(app, {}, { flash: { notice: 'Welcome back' } });
      const first = await request(app.getHttpServer()).get('/flash').set('Cookie', cookie).expect(200);
      expect(first.body).toEqual({ notice: 'Welcome back' });
      // A CookieStore session re-seals the aged flash into a new cookie; a server store keeps the id.
      const next = await request(app.getHttpServer())
        .get('/flash')
        .set('Cookie', readCookie(first.headers['set-cookie'], 'sid') ?? cookie)
        .expect(200);
      expect(next.body).toEqual({});
    });

    it('starts a brand-new session with the configured timeouts', async () => {
      const before = Date.now();
      const snapshot = (await readSession(app, await sessionCookie(app, { cart: ['pen'] })))!;
      expect(snapshot.data).toEqual({ cart: ['pen'] });
      expect(snapshot.flash).toEqual({});
      expect(snapshot.createdAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(snapshot.expiresAt.getTime() - snapshot.createdAt.getTime()).toBe(3_600_000);
    });
  });

  describe('readSession', () => {
    it('supertest: sees what a POST stored, data and flash, in the session the request sent', async () => {
      const cookie = await sessionCookie<AppSession>(app, { user: { id: 1 }, cart: ['pen'] });
      const res = await request(app.getHttpServer()).post('/cart').set('Cookie', cookie).send({ item: 'book' }).expect(200);
      const stored = await readSession<AppSession, AppFlash>(app, res);
      expect(stored).toMatchObject({ data: { user: { id: 1 }, cart: ['pen', 'book'] }, flash: { added: 'book' } });
      expect(stored!.id).toBe((await readSession(app, cookie))!.id);
    });

    it('fetch: sees what a POST stored, given the cookie the request sent', async () => {
      const cookie = await sessionCookie<AppSession>(app, { cart: [] });
      const res = await send(`${running.url}/cart`, 'POST', cookie, { item: 'book' });
      expect(res.status).toBe(200);
      const stored = await readSession<AppSession, AppFlash>(app, res, { sent: cookie });
      expect(stored).toMatchObject({ data: { cart: ['book'] }, flash: { added: 'book' } });
    });

    it('a first visit: follows the Set-Cookie of the session the request created', async () => {
      const res = await request(app.getHttpServer()).post('/cart').send({ item: 'book' }).expect(200);
      expect(await readSession<AppSession>(app, res)).toMatchObject({ data: { cart: ['book'] } });
      const fetched = await send(`${running.url}/cart`, 'POST', undefined, { item: 'lamp' });
      expect(await readSession<AppSession>(app, fetched)).toMatchObject({ data: { cart: ['lamp'] } });
      // The Set-Cookie lines themselves, or one of them, read the same.
      expect((await readSession<AppSession>(app, res.headers['set-cookie'] as unknown as string[]))?.data.cart).toEqual(['book']);
    });

    it('after sign-in (regenerate): follows the new cookie to the signed-in session', async () => {
      const cookie = await sessionCookie<AppSession>(app, { cart: ['pen'] });
      const res = await request(app.getHttpServer()).post('/sign-in').set('Cookie', cookie).send({ id: 7 }).expect(200);
      const signedIn = await readSession<AppSession>(app, res);
      expect(signedIn?.data).toEqual({ cart: ['pen'], user: { id: 7 } });
      expect(signedIn?.id).not.toBe((await readSession(app, cookie))?.id);
      // On a server store the old id is gone; a CookieStore cookie cannot be revoked (its README section says so).
      if (serverStore) expect(await readSession(app, cookie)).toBeUndefined();
    });

    it('after sign-out (destroy): the client holds no session', async () => {
      const cookie = await sessionCookie<AppSession>(app, { user: { id: 1 } });
      const res = await request(app.getHttpServer()).post('/sign-out').set('Cookie', cookie).expect(200);
      expect(await readSession(app, res)).toBeUndefined();
      if (serverStore) expect(await readSession(app, cookie)).toBeUndefined();
    });

    it('is undefined for no cookie, a tampered cookie, or a response that set none and sent none', async () => {
      expect(await readSession(app, '')).toBeUndefined();
      const cookie = await sessionCookie(app, { user: { id: 1 } });
      expect(await readSession(app, cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA'))).toBeUndefined();
      expect(await readSession(app, await send(`${running.url}/public`, 'GET'))).toBeUndefined();
    });

    it('changes nothing: no expiry extended, no flash consumed', async () => {
      const cookie = await sessionCookie<AppSession, AppFlash>(app, {}, { flash: { notice: 'once' } });
      const first = await readSession(app, cookie);
      expect(await readSession(app, cookie)).toEqual(first);
      await request(app.getHttpServer()).get('/flash').set('Cookie', cookie).expect(200, { notice: 'once' });
    });

    it("a response that carries its request as Fastify's inject() does (res.raw.req): its cookie is found without `sent`", async () => {
      // app.inject() itself cannot run under this Jest setup on Node 20 (light-my-request require()s the ESM-only
      // cookie 1.x), so the response is shaped as light-my-request builds it: headers, and raw.req with the request's headers.
      const cookie = await sessionCookie<AppSession>(app, { cart: [] });
      const res = await send(`${running.url}/cart`, 'POST', cookie, { item: 'book' });
      const injected = { statusCode: res.status, headers: { 'set-cookie': res.headers.getSetCookie() }, raw: { req: { headers: { cookie } } } };
      expect((await readSession<AppSession>(app, injected))?.data.cart).toEqual(['book']);
    });
  });

  describe('named sessions', () => {
    it('starts and reads a named session beside the default one', async () => {
      const main = await sessionCookie<AppSession>(app, { user: { id: 1 } });
      const prefs = await sessionCookie<Prefs>(app, { theme: 'dark' }, { name: 'prefs' });
      expect(prefs).toMatch(/^sid\.prefs=/);
      await request(app.getHttpServer()).get('/prefs').set('Cookie', [main, prefs]).expect(200, { theme: 'dark' });
      await request(app.getHttpServer()).get('/account').set('Cookie', [main, prefs]).expect(200);

      const res = await request(app.getHttpServer()).post('/prefs').set('Cookie', [main, prefs]).send({ theme: 'light' }).expect(200);
      expect((await readSession<Prefs>(app, res, { name: 'prefs' }))?.data).toEqual({ theme: 'light' });
      expect((await readSession<AppSession>(app, res))?.data).toEqual({ user: { id: 1 } });

      const fetched = await send(`${running.url}/prefs`, 'POST', [main, prefs].join('; '), { theme: 'dark' });
      expect((await readSession<Prefs>(app, fetched, { name: 'prefs', sent: [main, prefs].join('; ') }))?.data).toEqual({ theme: 'dark' });
    });

    it('a named session does not open as the default one, nor the reverse', async () => {
      const prefs = await sessionCookie<Prefs>(app, { theme: 'dark' }, { name: 'prefs' });
      expect(await readSession(app, prefs)).toBeUndefined();
      expect(await readSession(app, prefs, { name: 'prefs' })).toMatchObject({ data: { theme: 'dark' } });
      await request(app.getHttpServer()).get('/account').set('Cookie', prefs.replace('sid.prefs=', 'sid=')).expect(403);
    });
  });
});

describe.each(PLATFORMS)('nest-sessions/testing with a TestingModule on %s', (platform) => {
  failOnProcessErrors();
  let moduleRef: TestingModule;
  let app: INestApplication;
  let cookie: string;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: SECRET })],
      controllers: [AccountController],
      providers: [SignedInGuard],
    }).compile();
    // Before the app exists: the session is written through the module's own providers.
    cookie = await sessionCookie<AppSession>(moduleRef, { user: { id: 3 } });
    app = moduleRef.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
    await app.init();
    if (platform === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app?.close());

  it('a cookie made from the TestingModule signs a supertest request to its app in', async () => {
    await request(app.getHttpServer()).get('/account').set('Cookie', cookie).expect(200, { user: { id: 3 } });
    expect((await readSession<AppSession>(moduleRef, cookie))?.data.user).toEqual({ id: 3 });
  });
});

describe.each(PLATFORMS)('TestSessionStore through overrideProvider(SessionStore) on %s', (platform) => {
  failOnProcessErrors();
  const store = new TestSessionStore();
  let running: RunningApp;
  let app: INestApplication;

  beforeAll(async () => {
    running = await startApp(
      platform,
      { imports: [SessionModule.forRoot({ secret: SECRET })], controllers: [AccountController], providers: [SignedInGuard] },
      undefined,
      (builder) => builder.overrideProvider(SessionStore).useValue(store),
    );
    app = running.app;
  });
  afterAll(() => running?.close());
  beforeEach(() => store.clear());

  it('lists the sessions requests stored, and sessionCookie writes into it', async () => {
    expect(await store.sessions()).toEqual([]);
    await request(app.getHttpServer()).post('/sign-in').send({ id: 5 }).expect(200);
    const cookie = await sessionCookie<AppSession>(app, { user: { id: 6 } });
    const sessions = await store.sessions<AppSession>();
    expect(sessions.map((s) => s.data.user?.id)).toEqual([5, 6]);
    expect(sessions[1]!.id).toBe((await readSession(app, cookie))!.id);
  });

  it('records the calls the app made: none for a route that uses no session', async () => {
    await request(app.getHttpServer()).get('/public').expect(200);
    expect(store.calls).toEqual([]);
    await request(app.getHttpServer()).post('/cart').send({ item: 'book' }).expect(200);
    expect(store.calls.map((c) => c.method)).toEqual(['set']);
  });

  it('leaves out what sign-out destroyed and what regenerate moved away from', async () => {
    const cookie = await sessionCookie<AppSession>(app, { cart: ['pen'] });
    const signedIn = await request(app.getHttpServer()).post('/sign-in').set('Cookie', cookie).send({ id: 8 }).expect(200);
    expect((await store.sessions<AppSession>()).map((s) => s.data)).toEqual([{ cart: ['pen'], user: { id: 8 } }]);
    await request(app.getHttpServer()).post('/sign-out').set('Cookie', readCookie(signedIn.headers['set-cookie'], 'sid')!).expect(200);
    expect(await store.sessions()).toEqual([]);
  });

  it('clear() forgets every session and call', async () => {
    await sessionCookie(app, { user: { id: 1 } });
    await store.clear();
    expect(await store.sessions()).toEqual([]);
    expect(store.calls).toEqual([]);
  });
});

describe('nest-sessions/testing refuses what could not work, saying why', () => {
  @Module({})
  class NoSessions {}

  let moduleRef: TestingModule;
  afterEach(() => moduleRef?.close());

  async function compile(options?: SessionModuleOptions): Promise<TestingModule> {
    return (moduleRef = await Test.createTestingModule({ imports: options ? [SessionModule.forRoot(options)] : [NoSessions] }).compile());
  }

  it('an app without SessionModule', async () => {
    await compile();
    await expect(sessionCookie(moduleRef, {})).rejects.toThrow(/this app has no SessionModule/);
    await expect(readSession(moduleRef, 'sid=x')).rejects.toThrow(SessionConfigError);
  });

  it('a session name that is not configured, listing those that are', async () => {
    await compile({ secret: SECRET, sessions: { prefs: { store: new MemoryStore() } } });
    await expect(sessionCookie(moduleRef, {}, { name: 'perfs' })).rejects.toThrow(/no session named "perfs".*"default", "prefs"/);
  });

  it('data a session could not hold: not JSON, over maxSize, over the cookie limit', async () => {
    await compile({ secret: SECRET, maxSize: 1024, sessions: { prefs: { store: new CookieStore() } } });
    await expect(sessionCookie(moduleRef, { when: new Date() })).rejects.toThrow(/session path "when".*Date/);
    await expect(sessionCookie(moduleRef, { user: { id: 1n } } as never)).rejects.toThrow(TypeError);
    await expect(sessionCookie(moduleRef, [] as never)).rejects.toThrow(/plain object/);
    await expect(sessionCookie(moduleRef, { blob: 'x'.repeat(2000) })).rejects.toThrow(SessionTooLargeError);
    await expect(sessionCookie(moduleRef, { blob: 'x'.repeat(5000) }, { name: 'prefs' })).rejects.toThrow(/over the 4096-byte limit/);
  });

  it('a NullStore, which keeps nothing a later request could load', async () => {
    await compile({ secret: SECRET, store: new NullStore() });
    await expect(sessionCookie(moduleRef, { user: { id: 1 } })).rejects.toThrow(/NullStore/);
  });
});

/** The value part of the `name=value` a response's Set-Cookie lines give `name`, as a `Cookie` header pair. */
function readCookie(lines: unknown, name: string): string | undefined {
  const line = (Array.isArray(lines) ? (lines as string[]) : []).find((l) => l.startsWith(`${name}=`));
  return line?.split(';', 1)[0];
}

/** Compile-time checks: the helpers are typed like Session<T> and FlashBag<F>. Never called. */
export function typeChecks(app: INestApplication, moduleRef: TestingModule): void {
  void sessionCookie<AppSession>(app, { user: { id: 1 } });
  void sessionCookie<AppSession>(moduleRef, { cart: ['a'] });
  // @ts-expect-error: AppSession's user.id is a number
  void sessionCookie<AppSession>(app, { user: { id: '1' } });
  // @ts-expect-error: not a flash key of AppFlash
  void sessionCookie<AppSession, AppFlash>(app, {}, { flash: { nope: 1 } });
  const read: Promise<SessionSnapshot<AppSession> | undefined> = readSession<AppSession>(app, 'sid=x');
  void read.then((s) => s?.data.user?.id.toFixed());
  // Untyped (the empty SessionData): any JSON-shaped data.
  void sessionCookie(app, { anything: { goes: [1, 'two'] } });
}
