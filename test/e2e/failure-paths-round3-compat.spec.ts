import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import flash from 'connect-flash';
import type { Redis } from 'ioredis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import passport from 'passport';
import { MemoryStore, SessionMiddleware, SessionModule, type ExpressSession, type SessionStore } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { TestGate } from '../support/gate.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { connectedClient } from '../support/redis.js';
import { AuthController } from './fixtures/passport/auth.controller.js';
import { CsrfController, csrfSynchronisedProtection, FlashController } from './fixtures/passport/middleware-packages.controller.js';
import { LocalStrategy } from './fixtures/passport/local.strategy.js';
import { middlewareRequest } from './fixtures/passport/middleware-request.js';
import { SessionSerializer } from './fixtures/passport/session.serializer.js';
import { UsersService } from './fixtures/passport/users.service.js';

/**
 * Failure paths of the express-session-compatible `req.session` that a user
 * of passport, connect-flash and csrf-sync hits: the store stopping (a
 * redis-server paused with SIGSTOP past its commandTimeout, or killed) while
 * they sign in, sign out, flash or issue a token; and express-session's
 * callback methods used the way real code uses them (twice, then a throw,
 * regenerate twice, destroy then a write, passport's keepSessionInfo).
 * Real packages, real redis-servers of the test's own, real HTTP through
 * Express and Fastify.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a Node-style method and resolves once its callback ran, counting how often it did. */
function called(run: (done: (error?: unknown) => void) => unknown): Promise<{ error: unknown; calls: () => number }> {
  let calls = 0;
  return new Promise((resolve) => {
    run((error) => {
      calls++;
      resolve({ error, calls: () => calls });
    });
  });
}

/** Where a request waits for the test once SessionMiddleware has loaded its session (the header `x-gate`). */
const gate = new TestGate();
function gateMiddleware(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
  if (!request.headers['x-gate']) return next();
  void gate.pass().then(() => next());
}

/** Only the /csrf routes are protected, so passport's routes stay reachable in the same app. */
function csrfOnCsrfRoutes(request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void {
  if (!request.url?.startsWith('/csrf')) return next();
  (csrfSynchronisedProtection as unknown as (req: unknown, res: unknown, next: (error?: unknown) => void) => void)(request, response, next);
}

type Req = { session: ExpressSession; sessionID: string };
const reqOf = (request: object) => middlewareRequest<Req>(request);

/** Code written for express-session, reached through SessionMiddleware. */
@Controller('dx')
class CompatController {
  /** Anonymous browsing: a cart and where to go back after signing in (connect-ensure-login's returnTo). */
  @Post('seed')
  @HttpCode(200)
  seed(@Req() request: object) {
    const req = reqOf(request);
    req.session.cart = ['book'];
    req.session.returnTo = '/checkout';
    return { id: req.sessionID };
  }

  @Get('read')
  read(@Req() request: object) {
    const req = reqOf(request);
    const passportData = req.session.passport as { user?: number } | undefined;
    return {
      id: req.sessionID,
      cart: req.session.cart ?? null,
      returnTo: req.session.returnTo ?? null,
      user: passportData?.user ?? null,
      note: req.session.note ?? null,
      first: req.session.first ?? null,
    };
  }

  @Post('regenerate-twice')
  @HttpCode(200)
  async regenerateTwice(@Req() request: object) {
    const req = reqOf(request);
    const ids = [req.sessionID];
    await called((done) => req.session.regenerate(done));
    ids.push(req.sessionID);
    req.session.first = 'written between the two';
    await called((done) => req.session.regenerate(done));
    ids.push(req.sessionID);
    req.session.note = 'after the second';
    return { ids };
  }

  @Post('destroy-then-write')
  @HttpCode(200)
  async destroyThenWrite(@Req() request: object) {
    const req = reqOf(request);
    const { error } = await called((done) => req.session.destroy(done));
    req.session.note = 'signed out';
    return { error: error ?? null, id: req.sessionID };
  }

  @Post('save-then-throw')
  async saveThenThrow(@Req() request: object) {
    const req = reqOf(request);
    req.session.note = 'saved, then the handler crashed';
    const { error } = await called((done) => req.session.save(done));
    if (error) return { error: String(error) };
    throw new Error('the handler crashed after save(cb)');
  }

  /** Every callback method called twice in a row, as code that retries or double-calls does. */
  @Post('twice')
  @HttpCode(200)
  async twice(@Req() request: object) {
    const req = reqOf(request);
    req.session.note = 'one';
    const counts: number[] = [];
    const saves = [called((done) => req.session.save(done)), called((done) => req.session.save(done))];
    req.session.note = 'two';
    const reloads = [called((done) => req.session.reload(done)), called((done) => req.session.reload(done))];
    for (const { calls } of await Promise.all([...saves, ...reloads])) counts.push(calls());
    await sleep(20); // a second call of any callback would have come by now
    return { counts: [...(await Promise.all([...saves, ...reloads])).map(({ calls }) => calls())], note: req.session.note ?? null, before: counts };
  }
}

const JOHN = { username: 'john', password: 'changeme' };
const COMMAND_TIMEOUT_MS = 500;

function passportApp(store: SessionStore, options: { keepSessionInfo?: boolean } = {}): ModuleMetadata {
  return {
    imports: [SessionModule.forRoot({ secret: SECRET, store }), PassportModule.register({ session: true, ...options })],
    controllers: [AuthController, FlashController, CsrfController, CompatController],
    providers: [UsersService, LocalStrategy, SessionSerializer],
  };
}

function mountMiddleware(app: INestApplication): void {
  app.use(app.get(SessionMiddleware).use);
  app.use(gateMiddleware);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(flash());
  app.use(csrfOnCsrfRoutes);
}

describe.each(PLATFORMS)('passport, connect-flash and csrf-sync when Redis stops under them, on %s', (platform) => {
  failOnProcessErrors();
  let redis: DisposableRedis;
  let client: Redis;
  let inspector: Redis;
  let running: RunningApp;

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    client = await connectedClient(redis.port, { commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
    inspector = await connectedClient(redis.port, { retryStrategy: () => 100 });
    running = await startApp(platform, passportApp(new RedisStore({ client })), mountMiddleware);
  });
  afterAll(async () => {
    gate.release();
    redis?.resume();
    await running?.close();
    client?.disconnect();
    inspector?.disconnect();
    await redis?.kill();
  });
  afterEach(() => redis.resume());

  /** Every session record in Redis, as parsed JSON data. */
  async function records(): Promise<Record<string, { passport?: { user?: number } }>> {
    const out: Record<string, { passport?: { user?: number } }> = {};
    for (const key of await inspector.keys('sess:*')) {
      if (key.startsWith('sess:tag:')) continue;
      const json = await inspector.get(key);
      if (json) out[key.slice(5)] = (JSON.parse(json) as { data: { passport?: { user?: number } } }).data;
    }
    return out;
  }
  const signedInRecords = async () => Object.values(await records()).filter((data) => data.passport?.user !== undefined).length;
  const sid = (browser: Browser) => browser.cookies.get('sid')?.split('.')[0];

  /** Sends `send()` through the gate, pauses Redis once its session is loaded, and resumes it once its answer is in and the command timeout has passed. */
  async function whilePaused<T>(send: () => Promise<T>): Promise<T> {
    const held = gate.close();
    const pending = send();
    await held.arrived;
    redis.pause();
    held.release();
    const answer = await pending;
    await sleep(100);
    redis.resume();
    await sleep(COMMAND_TIMEOUT_MS); // whatever Redis held has run
    return answer;
  }

  it('a passport sign-in whose save times out answers 503 without a cookie, and leaves the browser anonymous with its cart: no signed-in record appears when Redis resumes', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/dx/seed')).status).toBe(200);
    const before = sid(browser);
    const signedInBefore = await signedInRecords();

    const login = await whilePaused(() => browser.post('/auth/login', JOHN, { 'x-gate': '1' }));
    expect(login.status).toBe(503);
    expect(login.body.message).toMatch(/session store is unavailable/i);
    expect(login.setCookies).toEqual([]);
    expect(JSON.stringify(login.body)).not.toContain('john');

    expect(sid(browser)).toBe(before);
    expect((await browser.get('/profile')).status).toBe(403);
    expect((await browser.get('/dx/read')).body).toMatchObject({ id: before, cart: ['book'], user: null });
    expect(await signedInRecords()).toBe(signedInBefore);
    // Once Redis is back, the same sign-in works and moves the session to a new id.
    expect((await browser.post('/auth/login', JOHN)).status).toBe(201);
    expect(sid(browser)).not.toBe(before);
    expect((await browser.get('/profile')).body).toEqual({ userId: 1, username: 'john' });
  });

  it('a sign-out (req.logout(cb)) whose save times out answers 503, and the user is still signed in, under the same id, as the answer says; signing out again works', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/auth/login', JOHN)).status).toBe(201);
    const signedIn = sid(browser);

    const logout = await whilePaused(() => browser.post('/auth/logout', undefined, { 'x-gate': '1' }));
    expect(logout.status).toBe(503);
    expect(logout.setCookies).toEqual([]);
    expect(sid(browser)).toBe(signedIn);
    // Not half signed out: the old id still holds the user (the sign-out did not land late), and no new id was started.
    expect((await records())[signedIn!]?.passport?.user).toBe(1);
    expect((await browser.get('/profile')).status).toBe(200);

    const again = await browser.post('/auth/logout');
    expect(again.status).toBe(200);
    expect((await browser.get('/profile')).status).toBe(403);
    expect((await records())[signedIn!]).toBeUndefined();
  });

  it("a connect-flash message set while Redis is paused: a 503 instead of the redirect (no Location), and the next page shows no message", async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/dx/seed')).status).toBe(200);
    const set = await whilePaused(() => browser.get('/flash/set', { 'x-gate': '1' }));
    expect(set.status).toBe(503);
    expect(set.headers.get('location')).toBeNull();
    expect((await browser.get('/flash/read')).body).toEqual({ info: [] });
  });

  it('a csrf-sync token issued while Redis is paused: a 503 that carries no token, no token is stored, and the token issued once Redis is back is the one that works', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/dx/seed')).status).toBe(200); // a session, so the token is its first write
    const during = await whilePaused(() => browser.get('/csrf/token', { 'x-gate': '1' }));
    expect(during.status).toBe(503);
    expect(during.body.token).toBeUndefined();
    expect(Object.values(await records()).some((data) => 'csrfToken' in data)).toBe(false);
    const issued = await browser.get('/csrf/token');
    expect(issued.status).toBe(200);
    expect((await browser.post('/csrf/submit', {}, { 'x-csrf-token': issued.body.token })).status).toBe(201);
    expect((await browser.post('/csrf/submit', {}, { 'x-csrf-token': 'guessed' })).status).toBe(403);
  });

  it('with Redis stopped, every route behind SessionMiddleware answers a prompt 503 (not a 500, not a hang), and sign-in works again once it is back', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/dx/seed')).status).toBe(200);
    await redis.kill();
    try {
      for (const send of [() => browser.post('/auth/login', JOHN), () => browser.post('/auth/logout'), () => browser.get('/flash/set'), () => browser.get('/csrf/token')]) {
        const started = Date.now();
        const answer = await send();
        expect(answer.status).toBe(503);
        expect(answer.body.message).toMatch(/session store is unavailable/i);
        expect(answer.setCookies).toEqual([]);
        expect(Date.now() - started).toBeLessThan(3000);
      }
    } finally {
      await redis.restart();
    }
    let login = await browser.post('/auth/login', JOHN);
    for (let i = 0; i < 50 && login.status !== 201; i++) {
      await sleep(100);
      login = await browser.post('/auth/login', JOHN);
    }
    expect(login.status).toBe(201);
    expect((await browser.get('/profile')).status).toBe(200);
  });
});

describe.each(PLATFORMS)("express-session's callback methods used as real code uses them, on %s", (platform) => {
  failOnProcessErrors();
  let running: RunningApp;
  let keeping: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, passportApp(new MemoryStore()), mountMiddleware);
    keeping = await startApp(platform, passportApp(new MemoryStore(), { keepSessionInfo: true }), mountMiddleware);
  });
  afterAll(async () => {
    await running?.close();
    await keeping?.close();
  });

  it("passport's keepSessionInfo: true keeps what the anonymous session held (returnTo, the cart) under the new, signed-in id", async () => {
    const browser = new Browser(keeping.url);
    const anonymous = (await browser.post('/dx/seed')).body.id as string;
    const stolen = browser.clone();
    expect((await browser.post('/auth/login', JOHN)).status).toBe(201);
    const after = (await browser.get('/dx/read')).body;
    expect(after.id).not.toBe(anonymous);
    expect(after).toMatchObject({ user: 1, cart: ['book'], returnTo: '/checkout' });
    expect((await stolen.get('/dx/read')).body).toMatchObject({ user: null, cart: null });
  });

  it('without keepSessionInfo, sign-in starts the signed-in session empty, as passport 0.7 with express-session does', async () => {
    const browser = new Browser(running.url);
    await browser.post('/dx/seed');
    expect((await browser.post('/auth/login', JOHN)).status).toBe(201);
    expect((await browser.get('/dx/read')).body).toMatchObject({ user: 1, cart: null, returnTo: null });
  });

  it('regenerate(cb) twice in one request: one cookie, for the last id, holding only what was written after the second; the first two ids are dead', async () => {
    const browser = new Browser(running.url);
    await browser.post('/dx/seed');
    const original = browser.clone();
    const reply = await browser.post('/dx/regenerate-twice');
    expect(reply.status).toBe(200);
    const [first, middle, last] = reply.body.ids as string[];
    expect(new Set([first, middle, last]).size).toBe(3);
    expect(reply.setCookies).toHaveLength(1);
    expect(sidOf(browser)).toBe(last);
    expect((await browser.get('/dx/read')).body).toMatchObject({ id: last, note: 'after the second', first: null, cart: null });
    expect((await original.get('/dx/read')).body).toMatchObject({ cart: null, note: null });
    const forgedMiddle = new Browser(running.url);
    forgedMiddle.cookies.set('sid', browser.cookies.get('sid')!.replace(last!, middle!));
    expect((await forgedMiddle.get('/dx/read')).body).toMatchObject({ note: null, first: null });
  });

  it('destroy(cb), then a write to req.session: the old session is gone, and the browser is told the fresh one that holds only the write', async () => {
    const browser = new Browser(running.url);
    const old = (await browser.post('/dx/seed')).body.id as string;
    const stolen = browser.clone();
    const reply = await browser.post('/dx/destroy-then-write');
    expect(reply.body.error).toBeNull();
    expect(reply.body.id).not.toBe(old);
    expect(reply.setCookies).toHaveLength(1);
    expect(sidOf(browser)).toBe(reply.body.id);
    expect((await browser.get('/dx/read')).body).toMatchObject({ id: reply.body.id, note: 'signed out', cart: null });
    expect((await stolen.get('/dx/read')).body).toMatchObject({ cart: null, note: null });
  });

  it('save(cb), then the handler throws: a 500, and nothing of the request is kept, whatever save said', async () => {
    const browser = new Browser(running.url);
    await browser.post('/dx/seed');
    const reply = await browser.post('/dx/save-then-throw');
    expect(reply.status).toBe(500);
    expect(reply.setCookies).toEqual([]);
    expect((await browser.get('/dx/read')).body).toMatchObject({ cart: ['book'], note: null });
  });

  it('save(cb) and reload(cb) called twice each: every callback runs exactly once, and the last reload wins', async () => {
    const browser = new Browser(running.url);
    await browser.post('/dx/seed');
    const reply = await browser.post('/dx/twice');
    expect(reply.body.counts).toEqual([1, 1, 1, 1]);
    // reload() drops what was written since the last save(): 'two' is gone, 'one' was turned into an operation.
    expect(reply.body.note).toBe('one');
    expect((await browser.get('/dx/read')).body.note).toBe('one');
  });
});

const sidOf = (browser: Browser) => browser.cookies.get('sid')?.split('.')[0];
