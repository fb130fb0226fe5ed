import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import expressSession from 'express-session';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import {
  CookieStore,
  MemoryStore,
  NullStore,
  SessionConfigError,
  SessionMiddleware,
  SessionModule,
  UserSessions,
  UserSessionsUnsupportedError,
  type SessionModuleOptions,
  type SessionStore,
} from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser, parseSetCookie, type Reply } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { CountingStore } from '../support/counting-store.js';
import { freePort } from '../support/free-port.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { redisUrl } from '../support/redis.js';
import { graphqlModule } from './fixtures/contexts/graphql-module.js';
import { connect, SOCKET_KINDS } from './fixtures/contexts/socket-clients.js';
import { DevicesController } from './fixtures/devices.controller.js';
import { FailingWritesStore } from './fixtures/failing-writes.store.js';
import { ClaimsGateway } from './fixtures/readme-claims/claims.gateway.js';
import {
  AnsweringFilter,
  ClaimsController,
  CommitFailureFilter,
  LegacyController,
  MiddlewareDialectController,
} from './fixtures/readme-claims/claims.controller.js';
import { ClaimsResolver } from './fixtures/readme-claims/claims.resolver.js';
import { ExistingOptions, FeatureModule, OptionsModule } from './fixtures/readme-claims/feature.module.js';
import { RivalWritesStore } from './fixtures/readme-claims/rival-writes.store.js';
import { ClaimsViewsController } from './fixtures/readme-claims/views.controller.js';

/**
 * The README's claims that no other suite proves, each as a NestJS user
 * reading the README would rely on it, over real HTTP on Express and Fastify.
 * Every `describe` names the README section (and table row) it proves.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const SESSION_COOKIE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;

const cookieNames = (reply: Reply) => reply.setCookies.map((line) => parseSetCookie(line).name);
const maxAgeOf = (reply: Reply) => Number(parseSetCookie(reply.setCookies[0]!).attributes['max-age']);

async function withApp(
  platform: Platform,
  metadata: ModuleMetadata,
  body: (browser: Browser, running: RunningApp) => Promise<void>,
  configure?: Parameters<typeof startApp>[2],
): Promise<void> {
  const running = await startApp(platform, metadata, configure);
  try {
    await body(new Browser(running.url), running);
  } finally {
    await running.close();
  }
}

/** What /claims/state answers: the fields `expected` names, and exactly `flash` readable. */
async function expectState(browser: Browser, expected: Record<string, unknown>, flash: Record<string, unknown>): Promise<void> {
  const body = (await browser.get('/claims/state')).body;
  expect(body).toMatchObject(expected);
  expect(body.flash).toEqual(flash);
}

/** An app with SessionModule (these options over the secret), ClaimsController and whatever else the test needs. */
const app = (options: Partial<SessionModuleOptions> = {}, extra: ModuleMetadata = {}): ModuleMetadata => ({
  imports: [SessionModule.forRoot({ secret: SECRET, ...options }), ...(extra.imports ?? [])],
  controllers: [ClaimsController, ...(extra.controllers ?? [])],
  providers: [...(extra.providers ?? [])],
});

/**
 * "When sessions are loaded and saved", the rows "threw an HttpException
 * below 500" and "failed with any other error, or with 500 or above: nothing
 * saved, nothing ages (unless a filter answers below 500)": the response
 * commits for the status the app's exception filter finally sends.
 */
describe.each(PLATFORMS)("an error the app's exception filter answers, on %s", (platform) => {
  failOnProcessErrors();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, app(), (nest) => void nest.useGlobalFilters(new AnsweringFilter(nest.get(HttpAdapterHost))));
  });
  afterAll(() => running.close());

  const signedUp = async () => {
    const browser = new Browser(running.url);
    await browser.post('/claims/flash', { key: 'notice', value: 'from the page before' });
    return browser;
  };

  it.each([
    ['a plain Error', 'a 400', 'plain', '400', 400],
    ['a plain Error', 'a 303 redirect', 'plain', 'redirect', 303],
    ['a 5xx HttpException', 'a 303 redirect', 'http-502', 'redirect', 303],
    ['a 5xx HttpException', 'a 400', 'http-502', '400', 400],
  ])("keeps what a handler wrote before it threw %s that the app's filter answers with %s: the flashed error reaches the next page", async (_error, _answer, kind, answer, status) => {
    const browser = await signedUp();
    const reply = await browser.post(`/claims/fail/${kind}?answer=${answer}`);
    expect(reply.status).toBe(status);
    if (answer === 'redirect') expect(reply.headers.get('location')).toBe('/claims/form');
    else expect(reply.body).toMatchObject({ answeredBy: 'filter' });
    // Saved, and the flash aged: the previous page's notice was read, the error is the next page's.
    await expectState(browser, { attempts: 1 }, { error: 'Fix the form' });

    const firstVisit = new Browser(running.url);
    const first = await firstVisit.post(`/claims/fail/${kind}?answer=${answer}`);
    expect(first.status).toBe(status);
    expect(cookieNames(first)).toEqual(['sid']); // the new session's cookie is on the filter's answer
    await expectState(firstVisit, { isNew: false, attempts: 1 }, { error: 'Fix the form' });
  });

  it.each([
    ['a plain Error', 'a 500', 'plain', '500'],
    ['a 5xx HttpException', 'a 502', 'http-502', '502'],
  ])("saves nothing and ages no flash when a handler threw %s that the app's filter answers with %s", async (_error, _answer, kind, answer) => {
    const browser = await signedUp();
    const reply = await browser.post(`/claims/fail/${kind}?answer=${answer}`);
    expect(reply.status).toBe(Number(answer));
    expect(reply.body).toMatchObject({ answeredBy: 'filter' });
    await expectState(browser, { attempts: null }, { notice: 'from the page before' });

    const first = await new Browser(running.url).post(`/claims/fail/${kind}?answer=${answer}`);
    expect(first.setCookies).toEqual([]);
  });
});

/**
 * "When sessions are loaded and saved", the row "found the store down; or
 * grew past maxSize, or conflicted past maxCommitAttempts: 503
 * (ServiceUnavailableException); or 500; nothing saved", the sentence "A
 * 503's SessionStoreUnavailableError.outcome is not-saved", the row "changed
 * it: compare-and-set on the stored version; on a conflict: reload, replay
 * this request's operations, retry", and the `maxCommitAttempts` option
 * (default 10, then SessionConflictError).
 */
describe.each(PLATFORMS)('commit failures as an app filter sees them, on %s', (platform) => {
  failOnProcessErrors();
  const withFilter = (nest: INestApplication) => void nest.useGlobalFilters(new CommitFailureFilter(nest.get(HttpAdapterHost)));

  it("answers a write the store refuses with a 503 ServiceUnavailableException the app's filter catches, caused by a SessionStoreUnavailableError whose outcome is not-saved", async () => {
    const store = new FailingWritesStore();
    await withApp(platform, app({ store }), async (browser) => {
      expect((await browser.post('/claims/count')).body).toEqual({ n: 1 });
      store.failWrites = true;
      const refused = await browser.post('/claims/count');
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ caught: 'ServiceUnavailableException', cause: 'SessionStoreUnavailableError', outcome: 'not-saved' });
      store.failWrites = false;
      expect((await browser.get('/claims/state')).body.n).toBe(1);
    }, withFilter);
  });

  it("answers a session grown past maxSize with a 500 InternalServerErrorException the app's filter catches, caused by a SessionTooLargeError", async () => {
    await withApp(platform, app({ maxSize: 1024 }), async (browser) => {
      await browser.post('/claims/count');
      const tooBig = await browser.post('/claims/flash', { key: 'big', value: 'x'.repeat(2000) });
      expect(tooBig.status).toBe(500);
      expect(tooBig.body).toEqual({ caught: 'InternalServerErrorException', cause: 'SessionTooLargeError', outcome: null });
      await expectState(browser, { n: 1 }, {});
    }, withFilter);
  });

  it('aborts a response whose head already left when its save then fails: the client never gets a complete answer, nothing is saved', async () => {
    const store = new FailingWritesStore();
    await withApp(platform, app({ store }), async (browser) => {
      const saved = await browser.post('/claims/stream');
      expect(saved.text).toBe('first part\nlast part');
      expect((await browser.get('/claims/state')).body.n).toBe(1);

      store.failWrites = true;
      await expect(browser.post('/claims/stream')).rejects.toThrow();
      store.failWrites = false;
      expect((await browser.get('/claims/state')).body.n).toBe(1);
    }, withFilter);
  });

  it('replays a change on top of 9 parallel saves that beat it, and saves it on the 10th attempt: no save is lost', async () => {
    const store = new RivalWritesStore();
    await withApp(platform, app({ store }), async (browser) => {
      await browser.post('/claims/count');
      store.rivalSaves = 9;
      const reply = await browser.post('/claims/count');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ n: 2 });
      expect(store.rivalSaves).toBe(0);
      expect((await browser.get('/claims/state')).body).toMatchObject({ n: 2, rival: 9 });
    }, withFilter);
  });

  it('answers 500 with a SessionConflictError when parallel saves beat it 10 times (the default maxCommitAttempts), and keeps only theirs', async () => {
    const store = new RivalWritesStore();
    await withApp(platform, app({ store }), async (browser) => {
      await browser.post('/claims/count');
      store.rivalSaves = 10;
      const reply = await browser.post('/claims/count');
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ caught: 'InternalServerErrorException', cause: 'SessionConflictError', outcome: null });
      expect(reply.setCookies).toEqual([]);
      expect((await browser.get('/claims/state')).body).toMatchObject({ n: 1, rival: 10 });
    }, withFilter);
  });

  it('gives up after maxCommitAttempts rounds when it is set lower', async () => {
    const store = new RivalWritesStore();
    await withApp(platform, app({ store, maxCommitAttempts: 2 }), async (browser) => {
      await browser.post('/claims/count');
      store.rivalSaves = 2;
      expect((await browser.post('/claims/count')).body).toMatchObject({ cause: 'SessionConflictError' });
      store.rivalSaves = 1;
      expect((await browser.post('/claims/count')).body).toEqual({ n: 2 });
    }, withFilter);
  });
});

/**
 * The same row for a stream: the head leaves, the save fails, the stream goes
 * on and ends later. Whatever reaches the process as an unhandled rejection
 * is recorded here (a listener of our own: without one, Node's default
 * `--unhandled-rejections=throw` ends the process).
 */
const realProcess = (Buffer.constructor as FunctionConstructor)('return process')() as NodeJS.Process;

async function unhandledRejectionsDuring(work: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (reason: unknown) => void seen.push(reason);
  realProcess.on('unhandledRejection', record);
  try {
    await work();
    await sleep(100);
  } finally {
    realProcess.off('unhandledRejection', record);
  }
  return seen;
}

describe.each(PLATFORMS)('a stream whose save fails after its head left, on %s', (platform) => {
  let store: FailingWritesStore;
  let running: RunningApp;

  beforeAll(async () => {
    store = new FailingWritesStore();
    running = await startApp(platform, app({ store }));
  });
  afterAll(() => running.close());
  afterEach(() => {
    store.failWrites = false;
  });

  const failedSaveOf = async (request: (browser: Browser) => Promise<Reply>) => {
    const browser = new Browser(running.url);
    await browser.post('/claims/count');
    store.failWrites = true;
    let answer: unknown;
    const unhandled = await unhandledRejectionsDuring(async () => {
      answer = await request(browser).catch((error: unknown) => error);
    });
    store.failWrites = false;
    return { answer, unhandled, n: (await browser.get('/claims/state')).body.n };
  };
  const sse = (browser: Browser) => browser.get('/claims/events', { accept: 'text/event-stream' });
  const streamEndingLater = (browser: Browser) => browser.post('/claims/stream?endAfterMs=50');

  it.each([
    ['an @Sse() stream', sse],
    ['an @Res() answer that ends 50 ms after its head', streamEndingLater],
  ])('aborts %s whose save fails: the client never gets a complete answer, and nothing is saved', async (_label, request) => {
    const { answer, n } = await failedSaveOf(request);
    // fetch's error for a connection cut before the head arrived, or for a body cut short: never a Reply
    expect(String(answer)).toMatch(/TypeError: (fetch failed|terminated)/);
    expect(n).toBe(1);
  });

  it('cuts off an endless event stream as soon as its save fails, instead of streaming on', async () => {
    const { answer, n } = await failedSaveOf((browser) => browser.get('/claims/endless-events', { accept: 'text/event-stream' }));
    expect(String(answer)).toMatch(/TypeError: (fetch failed|terminated)/);
    expect(n).toBe(1);
  }, 5_000); // streamed on, it would never end

  // A failed save's rejection must count as handled, or Node's default --unhandled-rejections=throw ends the process.
  it('an @Sse() stream whose save fails sends no unhandled rejection to the process', async () => {
    expect((await failedSaveOf(sse)).unhandled).toEqual([]);
  });

  it('an @Res() answer that ends after its head and a failed save sends no unhandled rejection to the process', async () => {
    expect((await failedSaveOf(streamEndingLater)).unhandled).toEqual([]);
  });
});

/** "The API": copies, refused values, callbacks, `setLifetime`, flash reads. */
describe.each(PLATFORMS)('the Session API as the README describes it, on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, app({ idleTimeout: '2h', absoluteTimeout: '7d' }));
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('set() stores a copy, and what get() and all() return are copies: changing them changes nothing stored', async () => {
    const reply = await browser.post('/claims/copies');
    expect(reply.body.inSession).toEqual({ obj: { tags: ['a'] } });
    expect((await browser.get('/claims/all')).body).toEqual({ obj: { tags: ['a'] } });
  });

  it.each([
    ['NaN', 'nan'],
    ['a class instance', 'instance'],
  ])('set() refuses %s with a TypeError naming the path', async (_label, kind) => {
    const reply = await browser.post(`/claims/set-bad?kind=${kind}`);
    expect(reply.body.thrown).toBe('TypeError');
    expect(reply.body.message).toContain(`bad.${kind}`);
  });

  it('regenerate(), invalidate() and destroy() take a Node-style callback too', async () => {
    await browser.post('/claims/sign-in');
    const regenerated = (await browser.post('/claims/callback/regenerate')).body;
    expect(regenerated.after).not.toBe(regenerated.before);
    expect(regenerated.data).toEqual({ user: 'ada' });
    expect((await browser.get('/claims/read')).body).toEqual({ user: 'ada', isNew: false });

    const invalidated = (await browser.post('/claims/callback/invalidate')).body;
    expect(invalidated.after).not.toBe(invalidated.before);
    expect(invalidated.data).toEqual({});

    await browser.post('/claims/sign-in');
    const destroyed = await browser.post('/claims/callback/destroy');
    expect(parseSetCookie(destroyed.setCookies[0]!)).toMatchObject({ name: 'sid', value: '' });
    expect((await browser.get('/claims/read')).body).toEqual({ user: null, isNew: true });
  });

  it("setLifetime() is kept by regenerate(), in the store and in the cookie", async () => {
    await browser.post('/claims/sign-in');
    await browser.post('/claims/lifetime', { lifetime: '3d' });
    const regenerated = await browser.post('/claims/regenerate');
    expect(regenerated.body.after).not.toBe(regenerated.body.before);
    expect(regenerated.body.lifetimeMs).toBe(3 * DAY);
    expect(maxAgeOf(regenerated)).toBeGreaterThan(3 * 86400 - 60);
    expect((await browser.get('/claims/state')).body).toMatchObject({ user: 'ada', lifetimeMs: 3 * DAY });
  });

  it('setLifetime() is capped by absoluteTimeout: neither the session nor its cookie outlives it', async () => {
    await browser.post('/claims/sign-in');
    const remembered = await browser.post('/claims/lifetime', { lifetime: '30d' });
    expect(remembered.body.lifetimeMs).toBe(30 * DAY);
    expect(remembered.body.expiresInMs).toBeLessThanOrEqual(7 * DAY);
    expect(maxAgeOf(remembered)).toBeLessThanOrEqual(7 * 86400);
    expect(maxAgeOf(remembered)).toBeGreaterThan(7 * 86400 - 60);
    expect((await browser.get('/claims/state')).body.expiresInMs).toBeLessThanOrEqual(7 * DAY);
  });

  it('setLifetime(null) goes back to idleTimeout, in the store and in the cookie', async () => {
    await browser.post('/claims/sign-in', { lifetime: '30d' });
    const back = await browser.post('/claims/lifetime', { lifetime: null });
    expect(back.body.lifetimeMs).toBe(2 * HOUR);
    expect(maxAgeOf(back)).toBeLessThanOrEqual(7200);
    expect(maxAgeOf(back)).toBeGreaterThan(7200 - 60);
    expect((await browser.get('/claims/state')).body).toMatchObject({ lifetimeMs: 2 * HOUR });
    expect((await browser.get('/claims/state')).body.expiresInMs).toBeLessThanOrEqual(2 * HOUR);
  });

  it('flash.get(key, default) answers the default and has(key) false for a key nobody flashed', async () => {
    await browser.post('/claims/flash', { key: 'success', value: 'Saved' });
    expect((await browser.get('/claims/flash-read?key=missing')).body).toEqual({ get: 'the default', has: false });
    await browser.post('/claims/flash', { key: 'success', value: 'Saved' });
    expect((await browser.get('/claims/flash-read?key=success')).body).toEqual({ get: 'Saved', has: true });
  });

  it("flash.clear() forgets everything: what the previous request flashed, this request's set() and now()", async () => {
    await browser.post('/claims/flash', { key: 'notice', value: 'from before' });
    expect((await browser.post('/claims/flash-clear')).body).toEqual({});
    expect((await browser.get('/claims/state')).body.flash).toEqual({});
  });
});

/**
 * "Options" (`touchAfter`'s default) and "Migrating from express-session"
 * (`rolling: true` → "the default, in steps of touchAfter: the expiry slides
 * and the cookie is re-sent once it has passed").
 */
describe.each(PLATFORMS)('rolling expiry in steps of touchAfter, on %s', (platform) => {
  const IDLE = 4000;

  async function withCountedApp(options: Partial<SessionModuleOptions>, body: (browser: Browser, store: CountingStore) => Promise<void>) {
    const store = new CountingStore(new MemoryStore());
    await withApp(platform, app({ store, idleTimeout: IDLE, ...options }), (browser) => body(browser, store));
  }

  it('by default (touchAfter = idleTimeout / 10), a read slides the expiry and re-sends the cookie only once a tenth of idleTimeout has passed', async () => {
    await withCountedApp({}, async (browser, store) => {
      await browser.post('/claims/sign-in');
      const signedInAt = Date.now();
      await sleep(150);
      store.reset();
      const early = await browser.get('/claims/read');
      expect(store.calls).toEqual(['get']);
      expect(early.setCookies).toEqual([]);

      await sleep(signedInAt + IDLE / 10 + 150 - Date.now());
      store.reset();
      const later = await browser.get('/claims/read');
      expect(store.calls).toEqual(['get', 'touch']);
      expect(later.setCookies).toHaveLength(1);
      expect(maxAgeOf(later)).toBe(IDLE / 1000);
    });
  });

  // The idleTimeout / 10 step is the default, not a cap on the module's own touchAfter.
  it('with a touchAfter above idleTimeout / 10, a read before touchAfter has passed neither touches the store nor re-sends the cookie', async () => {
    await withCountedApp({ touchAfter: IDLE / 2 }, async (browser, store) => {
      await browser.post('/claims/sign-in');
      await sleep(IDLE / 10 + 300); // past idleTimeout / 10, well before touchAfter
      store.reset();
      const reply = await browser.get('/claims/read');
      expect(store.calls).toEqual(['get']);
      expect(reply.setCookies).toEqual([]);
    });
  });
});

/** "Options": the rows the cookie suites leave out. */
describe.each(PLATFORMS)('options as the README describes them, on %s', (platform) => {
  it('expireOnClose: the cookie has no expiry, but the store still ends the session after idleTimeout', async () => {
    await withApp(platform, app({ expireOnClose: true, idleTimeout: 1000 }), async (browser) => {
      const signIn = await browser.post('/claims/sign-in');
      const cookie = parseSetCookie(signIn.setCookies[0]!);
      expect(cookie.attributes.expires).toBeUndefined();
      expect(cookie.attributes['max-age']).toBeUndefined();
      expect((await browser.get('/claims/read')).body).toEqual({ user: 'ada', isNew: false });
      await sleep(1300);
      expect((await browser.get('/claims/read')).body).toEqual({ user: null, isNew: true });
    });
  });

  it('cookie defaults: sid, this host only (no Domain), Path=/, HttpOnly, SameSite=Lax, not Partitioned, no Priority', async () => {
    await withApp(platform, app(), async (browser) => {
      const cookie = parseSetCookie((await browser.post('/claims/sign-in')).setCookies[0]!);
      expect(cookie.name).toBe('sid');
      expect(cookie.attributes).toMatchObject({ path: '/', httponly: true, samesite: 'Lax' });
      expect(cookie.attributes.domain).toBeUndefined();
      expect(cookie.attributes.partitioned).toBeUndefined();
      expect(cookie.attributes.priority).toBeUndefined();
    });
  });

  it('cookie.sameSite: false writes no SameSite attribute', async () => {
    await withApp(platform, app({ cookie: { sameSite: false } }), async (browser) => {
      const cookie = parseSetCookie((await browser.post('/claims/sign-in')).setCookies[0]!);
      expect(cookie.attributes.samesite).toBeUndefined();
    });
  });

  it('destroy() expires the cookie under the same name, path and domain it was set with', async () => {
    const cookie = { name: 'app_sid', path: '/claims', domain: 'example.test' };
    await withApp(platform, app({ cookie }), async (browser) => {
      const set = parseSetCookie((await browser.post('/claims/sign-in')).setCookies[0]!);
      expect(set.attributes).toMatchObject({ path: '/claims', domain: 'example.test' });
      const expired = parseSetCookie((await browser.post('/claims/destroy')).setCookies[0]!);
      expect(expired).toMatchObject({ name: 'app_sid', value: '' });
      expect(expired.attributes).toMatchObject({ path: '/claims', domain: 'example.test', 'max-age': '0' });
    });
  });

  it('cookie.name with a __Host- prefix: Secure even over plain HTTP; a path other than / or a domain fails the start-up with a SessionConfigError', async () => {
    await withApp(platform, app({ cookie: { name: '__Host-sid' } }), async (browser) => {
      const cookie = parseSetCookie((await browser.post('/claims/sign-in')).setCookies[0]!);
      expect(cookie.attributes).toMatchObject({ secure: true, path: '/' });
      expect(cookie.attributes.domain).toBeUndefined();
    });
    for (const cookie of [{ name: '__Host-sid', path: '/app' }, { name: '__Host-sid', domain: 'example.test' }, { name: '__Host-sid', secure: false }]) {
      await expect(startApp(platform, app({ cookie }))).rejects.toThrow(SessionConfigError);
    }
  });

  it('the module is global: a feature module that does not import it injects SessionManager, UserSessions, SessionMiddleware and the store (@InjectSessionStore()); forRootAsync takes useExisting', async () => {
    await withApp(
      platform,
      { imports: [SessionModule.forRootAsync({ imports: [OptionsModule], useExisting: ExistingOptions }), FeatureModule], controllers: [ClaimsController] },
      async (browser) => {
        expect((await browser.get('/feature/injected')).body).toEqual({ manager: true, userSessions: true, middleware: true, store: true });
        const signIn = await browser.post('/claims/sign-in');
        expect(cookieNames(signIn)).toEqual(['from_existing']);
        const id = (await browser.get('/claims/state')).body.id;
        expect((await browser.get(`/feature/stored?id=${id}`)).body).toEqual({ data: { user: 'ada' } });
      },
    );
  });
});

/** "Options", `viewLocals`: "what @Render views receive besides the handler's result; false: nothing". */
describe.each(PLATFORMS)('viewLocals, on %s', (platform) => {
  const VIEWS = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'readme-claims', 'views');

  async function useHandlebars(nest: INestApplication): Promise<void> {
    const handlebars = (await import('handlebars')).default;
    if (platform === 'express') {
      const express = nest as INestApplication & { setBaseViewsDir(dir: string): void; setViewEngine(engine: string): void };
      express.setBaseViewsDir(VIEWS);
      express.setViewEngine('hbs');
    } else {
      (nest as INestApplication & { setViewEngine(options: object): void }).setViewEngine({ engine: { handlebars }, templates: VIEWS });
    }
  }

  const page = async (options: Partial<SessionModuleOptions>) => {
    let text = '';
    await withApp(
      platform,
      app(options, { controllers: [ClaimsViewsController] }),
      async (browser) => {
        await browser.post('/claims/views/sign-in');
        text = (await browser.get('/claims/views/page')).text;
      },
      useHandlebars,
    );
    return text;
  };

  it('false: the view gets the handler\'s result and nothing else', async () => {
    const text = await page({ viewLocals: false });
    expect(text).toContain('<p class="title">Dashboard</p>');
    expect(text).toContain('<p class="session"></p>');
    expect(text).toContain('<p class="flash"></p>');
  });

  it('names the locals the session and the flash are given as', async () => {
    const text = await page({ viewLocals: { session: 'visitor', flash: 'notices' } });
    expect(text).toContain('<p class="visitor">Ada</p>');
    expect(text).toContain('<p class="notices">Welcome, Ada</p>');
    expect(text).toContain('<p class="session"></p>');
    expect(text).toContain('<p class="title">Dashboard</p>');
  });
});

/** "Stores": NullStore, CookieStore's unmerged parallel writes, RedisStore's start-up wait. */
describe.each(PLATFORMS)('stores as the README describes them, on %s', (platform) => {
  it('NullStore keeps nothing: a session lasts one request, and UserSessions cannot list it (UserSessionsUnsupportedError)', async () => {
    await withApp(platform, app({ store: new NullStore() }), async (browser, running) => {
      const signIn = await browser.post('/claims/sign-in');
      expect(signIn.status).toBe(200);
      expect((await browser.get('/claims/read')).body).toEqual({ user: null, isNew: true });
      await expect(running.app.get(UserSessions).list('ada')).rejects.toThrow(UserSessionsUnsupportedError);
    });
  });

  it('CookieStore does not merge parallel writes: each response carries only its own change', async () => {
    await withApp(platform, app({ store: new CookieStore() }), async (browser) => {
      await browser.post('/claims/sign-in');
      const [tab1, tab2] = [browser.clone(), browser.clone()];
      await Promise.all([tab1.post('/claims/flash', { key: 'from', value: 'tab 1' }), tab2.post('/claims/count')]);
      await expectState(tab1, { user: 'ada', n: null }, { from: 'tab 1' });
      await expectState(tab2, { user: 'ada', n: 1 }, {});
    });
  });

  it('RedisStore: start-up waits for Redis up to 5 s, then starts anyway, answering 503 while Redis is away', async () => {
    const port = await freePort(); // nobody listens there
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, connection: { enableOfflineQueue: false, commandTimeout: 500, retryStrategy: () => 200 } });
    const started = Date.now();
    await withApp(platform, app({ store }), async (browser) => {
      const tookMs = Date.now() - started;
      expect(tookMs).toBeGreaterThanOrEqual(4800);
      expect(tookMs).toBeLessThan(9000);
      expect((await browser.post('/claims/count')).status).toBe(503);
    });
  }, 20_000);
});

/**
 * "Middleware, req.session and passport": through `SessionMiddleware`,
 * `req.session` speaks express-session's dialect: `regenerate(cb)` (a new,
 * empty session), `destroy`, `save`, `reload`, `touch`.
 */
describe.each(PLATFORMS)("req.session's methods through SessionMiddleware, on %s", (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, app({ touchAfter: 100 }, { controllers: [MiddlewareDialectController] }), (nest) => void nest.use(nest.get(SessionMiddleware).use));
  });
  afterAll(() => running.close());
  beforeEach(async () => {
    browser = new Browser(running.url);
    await browser.post('/mw/set?value=first');
  });

  it('regenerate(cb) starts a new, empty session under a new id; the old id stops working', async () => {
    const stolen = browser.clone();
    const reply = (await browser.post('/mw/regenerate')).body;
    expect(reply.after).not.toBe(reply.before);
    expect(reply.value).toBeNull();
    expect((await browser.get('/mw/read')).body).toMatchObject({ value: null, id: reply.after });
    expect((await stolen.get('/mw/read')).body.value).toBeNull();
  });

  it('destroy(cb) deletes the session and expires its cookie', async () => {
    const stolen = browser.clone();
    const reply = await browser.post('/mw/destroy');
    expect(parseSetCookie(reply.setCookies[0]!)).toMatchObject({ name: 'sid', value: '' });
    expect((await stolen.get('/mw/read')).body.value).toBeNull();
  });

  it('save(cb) keeps the property writes made before it', async () => {
    await browser.post('/mw/save');
    expect((await browser.get('/mw/read')).body).toMatchObject({ value: 'first', saved: 'yes' });
  });

  it("reload(cb) drops this request's unsaved property writes", async () => {
    expect((await browser.post('/mw/reload')).body.dropped).toBeNull();
    expect((await browser.get('/mw/read')).body).toMatchObject({ value: 'first', dropped: null });
  });

  it('touch() counts as a use: once touchAfter has passed, the expiry slides and the cookie is re-sent', async () => {
    await sleep(200);
    expect((await browser.get('/mw/noop')).setCookies).toEqual([]); // loaded by the middleware, never used
    expect((await browser.get('/mw/touch')).setCookies).toHaveLength(1);
  });
});

/**
 * "GraphQL": "a server error (a 5xx HttpException, a GraphQLError coded
 * INTERNAL_SERVER_ERROR, any other error) rolls back, a client error keeps
 * what was written".
 */
describe.each(PLATFORMS)('GraphQL errors, on %s', (platform) => {
  failOnProcessErrors();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, app({}, { imports: [graphqlModule(platform)], providers: [ClaimsResolver] }));
  });
  afterAll(() => running.close());

  const graphql = (browser: Browser, query: string) => browser.post('/graphql', { query });

  it.each([
    ['a 5xx HttpException', 'http-503'],
    ['a GraphQLError coded INTERNAL_SERVER_ERROR', 'internal'],
  ])('rolls back what a resolver wrote before it threw %s', async (_label, kind) => {
    const browser = new Browser(running.url);
    await graphql(browser, 'mutation { logThenFail(kind: "ok") }');
    const failed = await graphql(browser, `mutation { logThenFail(kind: "${kind}") }`);
    expect(failed.body.errors).toHaveLength(1);
    expect((await graphql(browser, '{ claimsLog }')).body).toEqual({ data: { claimsLog: ['ok'] } });
  });

  it('keeps what a resolver wrote before it threw a GraphQLError with a client code (BAD_USER_INPUT)', async () => {
    const browser = new Browser(running.url);
    await graphql(browser, 'mutation { logThenFail(kind: "ok") }');
    const failed = await graphql(browser, 'mutation { logThenFail(kind: "bad-user-input") }');
    expect(failed.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await graphql(browser, '{ claimsLog }')).body).toEqual({ data: { claimsLog: ['ok', 'bad-user-input'] } });
  });
});

/**
 * "WebSockets": "A socket cannot set a cookie: `regenerate()`, `invalidate()`,
 * `setLifetime()` and `CookieStore` writes there throw
 * `SessionNotWritableError`" (regenerate() and CookieStore writes: websockets.spec.ts).
 */
describe.each(PLATFORMS.flatMap((platform) => SOCKET_KINDS.map((kind) => [platform, kind] as const)))('what a socket cannot do, on %s with %s', (platform, kind) => {
  failOnProcessErrors();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, app({}, { providers: [ClaimsGateway] }), (nest) => void nest.useWebSocketAdapter(kind === 'ws' ? new WsAdapter(nest) : new IoAdapter(nest)));
  });
  afterAll(() => running.close());

  // A socket cannot hand out a new id, but invalidate() alone stores nothing under one: it signs out, as destroy() does.
  it('invalidate() alone over a socket signs the browser out, as destroy() does', async () => {
    const browser = new Browser(running.url);
    await browser.post('/claims/sign-in');
    const socket = await connect(kind, running.url, browser);
    try {
      const answer = await socket.send('invalidate');
      expect(answer.ok).toBe(true);
    } finally {
      socket.close();
    }
    expect((await browser.get('/claims/read')).body).toEqual({ user: null, isNew: true });
  });

  it('a write after invalidate() over a socket is refused with a clear error, and the session is unchanged', async () => {
    const browser = new Browser(running.url);
    await browser.post('/claims/sign-in');
    const socket = await connect(kind, running.url, browser);
    try {
      const answer = await socket.send('invalidate-then-write');
      expect(answer.ok).toBe(false);
      expect(answer.error?.message).toMatch(/cannot be written from a WebSocket message: regenerate\(\) and invalidate\(\) give it a new id/);
      expect((await socket.send('read')).data).toEqual({ user: 'ada', lifetimeMs: 2 * HOUR });
    } finally {
      socket.close();
    }
    expect((await browser.get('/claims/read')).body).toEqual({ user: 'ada', isNew: false });
  });

  it('setLifetime() over a socket is refused with a clear error, and the lifetime is unchanged', async () => {
    const browser = new Browser(running.url);
    await browser.post('/claims/sign-in');
    const socket = await connect(kind, running.url, browser);
    try {
      const answer = await socket.send('remember');
      expect(answer.ok).toBe(false);
      expect(answer.error?.message).toMatch(/cannot change its lifetime from a WebSocket message/);
    } finally {
      socket.close();
    }
    expect((await browser.get('/claims/state')).body).toMatchObject({ user: 'ada', lifetimeMs: 2 * HOUR });
  });
});

/**
 * "The sessions of a user": "`UserSessions` lists … most recent first" and
 * "`ip` and `userAgent` need `captureDevice`".
 */
describe.each(PLATFORMS)('UserSessions.list(), on %s', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, idleTimeout: '1h', touchAfter: 100 })],
      controllers: [DevicesController],
    });
  });
  afterAll(() => running.close());

  it('lists the most recently seen session first, and without captureDevice no ip or userAgent', async () => {
    const user = `ada-${Date.now()}`;
    const laptop = new Browser(running.url);
    const phone = new Browser(running.url);
    const laptopDigest = (await laptop.post('/devices/sign-in', { user }, { 'user-agent': 'Laptop/1.0' })).body.digest;
    await sleep(200);
    const phoneDigest = (await phone.post('/devices/sign-in', { user }, { 'user-agent': 'Phone/2.0' })).body.digest;
    const listed = async () => (await laptop.get(`/devices/admin/list/${user}`)).body as { id: string }[];
    expect((await listed()).map((device) => device.id)).toEqual([phoneDigest, laptopDigest]);
    for (const device of await listed()) {
      expect(device).not.toHaveProperty('ip');
      expect(device).not.toHaveProperty('userAgent');
    }
    await sleep(200);
    await laptop.get('/devices/me'); // seen again: its expiry slides
    expect((await listed()).map((device) => device.id)).toEqual([laptopDigest, phoneDigest]);
  });
});

/**
 * "Migrating from express-session": "express-session's stored records are
 * not read: users sign in again once". An express-session cookie
 * (`s:<id>.<signature>`) reaching the migrated app under the same cookie
 * name and secret gives a fresh session and a normal answer, never a 5xx,
 * even when both use the same Redis with the same key prefix.
 */
interface Migration {
  label: string;
  cookieName: string;
  open(): Promise<{ before: expressSession.Store; after: SessionStore; readBefore(id: string): Promise<unknown>; close(): Promise<void> }>;
}

const MIGRATIONS: Migration[] = [
  {
    label: "the README's example (cookie 'sid'), express-session's MemoryStore to MemoryStore",
    cookieName: 'sid',
    open: async () => {
      const before = new expressSession.MemoryStore();
      const readBefore = (id: string) => new Promise((resolve) => before.get(id, (_error, record) => resolve(record ?? null)));
      return { before, after: new MemoryStore(), readBefore, close: async () => {} };
    },
  },
  {
    label: "express-session's default cookie 'connect.sid', connect-redis to RedisStore on the same Redis, both prefixed 'sess:'",
    cookieName: 'connect.sid',
    open: async () => {
      const client = createClient({ url: redisUrl() });
      await client.connect();
      const ioredis = new Redis(redisUrl());
      return {
        before: new ConnectRedisStore({ client }),
        after: new RedisStore({ client: ioredis }),
        readBefore: async (id: string) => JSON.parse((await ioredis.get(`sess:${id}`)) ?? 'null'),
        close: async () => {
          await client.quit();
          await ioredis.quit();
        },
      };
    },
  },
];

describe.each(PLATFORMS.flatMap((platform) => MIGRATIONS.map((migration) => [platform, migration.label, migration] as const)))(
  'a browser signed in under express-session, after the migration to nest-sessions on %s: %s',
  (platform, _label, migration) => {
    failOnProcessErrors();
    let stores: Awaited<ReturnType<Migration['open']>>;
    let oldCookie: string;
    let oldId: string;

    beforeAll(async () => {
      stores = await migration.open();
    });
    afterAll(() => stores.close());

    beforeEach(async () => {
      // Before: express-session in main.ts, as in the README's left-hand column.
      const useExpressSession = (nest: INestApplication) =>
        void nest.use(
          expressSession({ secret: SECRET, name: migration.cookieName, store: stores.before, cookie: { maxAge: 7_200_000 }, resave: false, saveUninitialized: false }),
        );
      await withApp('express', { controllers: [LegacyController] }, async (legacy) => {
        oldId = (await legacy.post('/legacy/sign-in')).body.id;
        expect((await legacy.get('/legacy/me')).body).toEqual({ user: { id: 42 } });
        oldCookie = legacy.cookies.get(migration.cookieName)!;
      }, useExpressSession);
      expect(oldCookie).toMatch(/^s%3A/); // express-session's own format: s:<id>.<signature>, URL-encoded
    });

    /** After: the same secret and cookie name, nest-sessions, the same handlers through SessionMiddleware. */
    const migrated = (body: (browser: Browser) => Promise<void>) =>
      withApp(
        platform,
        app({ store: stores.after, cookie: { name: migration.cookieName }, idleTimeout: '2h' }, { controllers: [LegacyController] }),
        async (_fresh, running) => {
          const carried = new Browser(running.url);
          carried.cookies.set(migration.cookieName, oldCookie);
          await body(carried);
        },
        (nest) => void nest.use(nest.get(SessionMiddleware).use),
      );

    it('answers 200 with a fresh session: the user is not signed in, whether read through req.session or @Session()', async () => {
      await migrated(async (carried) => {
        const legacyRead = await carried.get('/legacy/me');
        expect(legacyRead.status).toBe(200);
        expect(legacyRead.body).toEqual({ user: null });
        expect(legacyRead.setCookies).toEqual([]); // nothing written: no record, no cookie
        const typedRead = await carried.get('/claims/state');
        expect(typedRead.status).toBe(200);
        expect(typedRead.body).toMatchObject({ isNew: true, user: null });
        expect(typedRead.body.id).not.toBe(oldId);
      });
    });

    it('signing in again replaces the old cookie with a nest-sessions one under the same name, once; the express-session record is left as it was', async () => {
      await migrated(async (carried) => {
        const signIn = await carried.post('/legacy/sign-in');
        expect(signIn.status).toBe(200);
        expect(cookieNames(signIn)).toEqual([migration.cookieName]);
        expect(carried.cookies.get(migration.cookieName)).toMatch(SESSION_COOKIE);
        expect(maxAgeOf(signIn)).toBe(7200); // idleTimeout: '2h' for express-session's cookie.maxAge: 7_200_000
        expect(signIn.body.id).not.toBe(oldId);
        expect((await carried.get('/legacy/me')).body).toEqual({ user: { id: 42 } });
        expect((await carried.get('/legacy/me')).setCookies).toEqual([]);
      });
      expect(await stores.readBefore(oldId)).toMatchObject({ user: { id: 42 } });
    });
  },
);
