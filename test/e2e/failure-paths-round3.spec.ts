import { Controller, Get, HttpCode, Inject, Post, Query, Res, Sse, StreamableFile, type MessageEvent } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { request as httpRequest, type ClientRequest, type ServerResponse } from 'node:http';
import { interval, map, take, type Observable } from 'rxjs';
import { Session, SessionModule, UserSessions } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { TestGate } from '../support/gate.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { connectedClient } from '../support/redis.js';

/**
 * Failure paths a user hits in production that the other suites do not try:
 * a browser that hangs up while its response waits for a paused Redis, a save
 * that timed out and whose command Redis still holds when it resumes, and a
 * sign-out racing a slower request that writes the same session, on Redis and
 * SQLite. Real redis-servers (the test's own, paused with SIGSTOP), real
 * SQLite, real HTTP through Express and Fastify.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a handler waits for the test, once its session is loaded. */
const gate = new TestGate();

const FILE = Buffer.from('a small file\n'.repeat(50));

type Reply = { raw?: ServerResponse; send?: (body: unknown) => unknown; json?: (body: unknown) => unknown; hijack?: unknown };
const rawOf = (reply: Reply) => (reply.raw ?? reply) as ServerResponse;

@Controller('r3')
class FailurePathsController {
  constructor(@Inject(UserSessions) private readonly users: UserSessions) {}

  @Get('ping')
  ping() {
    return { pong: true };
  }

  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: Session) {
    await session.regenerate();
    session.set('user.id', 42);
    return { ok: true };
  }

  /** A sign-in from an anonymous session (a cart, say): regenerate, the user, the tag. */
  @Post('gated-sign-in')
  @HttpCode(200)
  async gatedSignIn(@Session() session: Session) {
    session.get('n');
    await gate.pass();
    await session.regenerate();
    session.set('user.id', 42);
    session.tag(42);
    return { ok: true };
  }

  @Get('devices')
  async devices() {
    return (await this.users.list(42)).length;
  }

  @Get('me')
  me(@Session() session: Session) {
    return { id: session.id, isNew: session.isNew, userId: session.get('user.id') ?? null, n: session.get('n') ?? 0 };
  }

  /** A handler whose answer Nest writes: the interceptor saves before it. */
  @Get('inc')
  async inc(@Session() session: Session) {
    const n = session.increment('n');
    await gate.pass();
    return { n };
  }

  /** `@Res()`: the response saves when the handler ends it. */
  @Get('res-inc')
  async resInc(@Session() session: Session, @Res() reply: Reply) {
    const n = session.increment('n');
    await gate.pass();
    if (typeof reply.hijack === 'function') reply.send!({ n });
    else reply.json!({ n });
  }

  @Get('file-inc')
  async fileInc(@Session() session: Session) {
    session.increment('n');
    await gate.pass();
    return new StreamableFile(FILE, { type: 'text/plain; charset=utf-8' });
  }

  /** Head first, on Node's response: the head leaves at once, the end waits for the save. */
  @Get('stream-inc')
  async streamInc(@Session() session: Session, @Res() reply: Reply) {
    session.increment('n');
    await gate.pass();
    const raw = rawOf(reply);
    raw.writeHead(200, { 'content-type': 'text/plain' });
    raw.write('first part\n');
    setTimeout(() => raw.end('last part'), 20);
  }

  @Sse('events-inc')
  async eventsInc(@Session() session: Session): Promise<Observable<MessageEvent>> {
    session.increment('n');
    await gate.pass();
    return interval(10).pipe(
      take(3),
      map((i): MessageEvent => ({ data: String(i) })),
    );
  }

  /** Reads the session, waits, then writes it: a request still under way when another one signs out. */
  @Post('slow-inc')
  @HttpCode(200)
  async slowInc(@Session() session: Session, @Query('ms') ms = '150') {
    session.get('n');
    await sleep(Number(ms));
    return { n: session.increment('n') };
  }

  @Post('sign-out')
  @HttpCode(200)
  async signOut(@Session() session: Session, @Query('ms') ms = '0') {
    session.get('user.id');
    await sleep(Number(ms));
    await session.destroy();
    return { ok: true };
  }

  /** Sign-out as a fresh anonymous session under a new id (invalidate), the old one deleted. */
  @Post('invalidate')
  @HttpCode(200)
  async invalidate(@Session() session: Session, @Query('ms') ms = '0') {
    session.get('user.id');
    await sleep(Number(ms));
    await session.invalidate();
    session.set('signedOut', true);
    return { id: session.id };
  }
}

/** A request the test can hang up on (the socket destroyed, as a closed tab or a lost connection does). */
interface Hanging {
  /** The status, if an answer arrived before the hang-up; 'hung up' otherwise. */
  outcome: Promise<number | 'hung up'>;
  /** Resolves once the head arrived (for head-first routes). */
  head: Promise<void>;
  hangUp(): void;
}

function hangingRequest(url: string, cookie: string, headers: Record<string, string> = {}): Hanging {
  let req!: ClientRequest;
  let onHead!: () => void;
  const head = new Promise<void>((resolve) => (onHead = resolve));
  const outcome = new Promise<number | 'hung up'>((resolve) => {
    req = httpRequest(url, { headers: { cookie, ...headers } }, (res) => {
      onHead();
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('hung up'));
      res.on('aborted', () => resolve('hung up'));
    });
    req.on('error', () => resolve('hung up'));
    req.on('close', () => resolve('hung up'));
    req.end();
  });
  return { outcome, head, hangUp: () => req.destroy() };
}

const cookieHeader = (browser: Browser) => [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
const sessionId = (browser: Browser) => browser.cookies.get('sid')!.split('.')[0]!;

const ROUTES = [
  ['a handler whose answer Nest writes', '/r3/inc', false],
  ['an @Res() handler', '/r3/res-inc', false],
  ['a StreamableFile', '/r3/file-inc', false],
  ['an @Res() stream whose head left first', '/r3/stream-inc', true],
  ['an @Sse() event stream', '/r3/events-inc', true],
] as const;

/** ioredis gives up on a command after this long; RedisStore's compare-and-set carries a deadline a little before it. */
const COMMAND_TIMEOUT_MS = 800;

describe.each(PLATFORMS)('a browser that hangs up while its save waits for a paused Redis, on %s', (platform) => {
  failOnProcessErrors();
  let redis: DisposableRedis;
  let client: Redis;
  let inspector: Redis;
  let running: RunningApp;

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    client = await connectedClient(redis.port, { commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    inspector = await connectedClient(redis.port, {});
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client }) })], controllers: [FailurePathsController] });
  });
  afterAll(async () => {
    gate.release();
    await running?.close();
    client?.disconnect();
    inspector?.disconnect();
    await redis?.kill();
  });
  afterEach(() => redis.resume()); // a failed test must not leave the server stopped

  /** What Redis itself holds for the session, read around the app. */
  async function storedN(id: string): Promise<number | undefined> {
    const json = await inspector.get(`sess:${id}`);
    return json === null ? undefined : ((JSON.parse(json) as { data: { n?: number } }).data.n ?? 0);
  }

  /**
   * Signs in, then sends `path` with the session's cookie; once its handler holds the loaded session,
   * pauses Redis, lets the handler answer (the save goes out to the stopped server), hangs up,
   * and resumes Redis after `pauseMs`.
   */
  async function hangUpDuringSave(path: string, headFirst: boolean, pauseMs: number) {
    const browser = new Browser(running.url);
    expect((await browser.post('/r3/sign-in')).status).toBe(200);
    const held = gate.close();
    const hanging = hangingRequest(running.url + path, cookieHeader(browser), path.includes('events') ? { accept: 'text/event-stream' } : {});
    await held.arrived;
    redis.pause();
    // On a timer of its own, so a slow machine delays only the checks below, never the resume (the save's deadline runs).
    const resumed = sleep(pauseMs).then(() => redis.resume());
    held.release();
    if (headFirst) await hanging.head; // the head left with the save still under way
    await sleep(80);
    hanging.hangUp();
    const outcome = await hanging.outcome;
    // The app keeps answering while the save is stuck: routes without a session never wait for the store.
    expect((await browser.get('/r3/ping')).body).toEqual({ pong: true });
    await resumed;
    await sleep(COMMAND_TIMEOUT_MS); // whatever Redis was holding has run, and every timer has fired
    return { browser, outcome };
  }

  describe.each(ROUTES)('%s', (_label, path, headFirst) => {
    it('saves the write once Redis resumes within the command timeout: the next request and Redis itself read it, and later parallel writes all count', async () => {
      const { browser, outcome } = await hangUpDuringSave(path, headFirst, 150);
      if (!headFirst) expect(outcome).toBe('hung up'); // nothing reached the client before the save
      const me = await browser.get('/r3/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ userId: 42, n: 1 });
      expect(await storedN(sessionId(browser))).toBe(1);
      // The session is not wedged behind the abandoned response: two parallel writes both land.
      const both = await Promise.all([browser.get('/r3/inc'), browser.clone().get('/r3/inc')]);
      expect(both.map((reply) => reply.status)).toEqual([200, 200]);
      expect((await browser.get('/r3/me')).body.n).toBe(3);
      expect(await storedN(sessionId(browser))).toBe(3);
    });

    it('drops the write when Redis stays paused past the command timeout, and it does not land when Redis resumes', async () => {
      const { browser } = await hangUpDuringSave(path, headFirst, COMMAND_TIMEOUT_MS + 400);
      await sleep(100);
      const me = await browser.get('/r3/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ userId: 42, n: 0 });
      expect(await storedN(sessionId(browser))).toBe(0);
      const both = await Promise.all([browser.get('/r3/inc'), browser.clone().get('/r3/inc')]);
      expect(both.map((reply) => reply.status)).toEqual([200, 200]);
      expect((await browser.get('/r3/me')).body.n).toBe(2);
    });
  });

  /** Session records in Redis (not tag indexes). */
  async function sessionKeys(): Promise<string[]> {
    return (await inspector.keys('sess:*')).filter((key) => !key.startsWith('sess:tag:')).sort();
  }

  describe('a save that timed out while Redis was paused, when Redis resumes', () => {
    it('a sign-in answered 503 leaves no signed-in session behind: no new record, no device listed, the browser still anonymous', async () => {
      const browser = new Browser(running.url);
      expect((await browser.get('/r3/inc')).status).toBe(200); // an anonymous session (a cart, say)
      const before = await sessionKeys();
      const held = gate.close();
      const pending = browser.post('/r3/gated-sign-in');
      await held.arrived;
      redis.pause();
      held.release();
      const answer = await pending;
      expect(answer.status).toBe(503);
      expect(answer.setCookies).toEqual([]);
      redis.resume();
      await sleep(COMMAND_TIMEOUT_MS);
      expect((await browser.get('/r3/devices')).body).toBe(0);
      expect(await sessionKeys()).toEqual(before);
      expect((await browser.get('/r3/me')).body).toMatchObject({ userId: null, n: 1 });
    });

    it("a first visit answered 503 leaves no record behind that nobody's cookie names", async () => {
      const browser = new Browser(running.url);
      const before = await sessionKeys();
      const held = gate.close();
      const pending = browser.get('/r3/inc');
      await held.arrived;
      redis.pause();
      held.release();
      const answer = await pending;
      expect(answer.status).toBe(503);
      expect(answer.setCookies).toEqual([]);
      redis.resume();
      await sleep(COMMAND_TIMEOUT_MS);
      expect(await sessionKeys()).toEqual(before);
    });

    it('a first visit to a stream whose head (and cookie) left before its save timed out: the stream is cut, and that cookie names no session once Redis resumes', async () => {
      const before = await sessionKeys();
      const held = gate.close();
      let setCookie: string[] = [];
      const cut = new Promise<string>((resolve) => {
        const req = httpRequest(`${running.url}/r3/stream-inc`, (res) => {
          setCookie = res.headers['set-cookie'] ?? [];
          res.on('data', () => undefined);
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('cut'));
          res.on('aborted', () => resolve('cut'));
        });
        req.on('error', () => resolve('cut'));
        req.end();
      });
      await held.arrived;
      redis.pause();
      held.release();
      expect(await cut).toBe('cut');
      expect(setCookie).toHaveLength(1); // the head claimed a new session before the save was known
      redis.resume();
      await sleep(COMMAND_TIMEOUT_MS);
      expect(await sessionKeys()).toEqual(before);
      const browser = new Browser(running.url);
      const [pair] = setCookie[0]!.split(';');
      browser.cookies.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
      expect((await browser.get('/r3/me')).body).toMatchObject({ isNew: true, n: 0 });
    });

    it('a sign-out after Redis comes back sticks, on another server too, and the two parallel writes after it both count', async () => {
      // A second app on its own connection to the same Redis: a second server behind the load balancer.
      const otherClient = await connectedClient(redis.port, { commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      const other = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client: otherClient }) })], controllers: [FailurePathsController] });
      try {
        const browser = new Browser(running.url);
        await browser.post('/r3/sign-in');
        expect((await browser.get('/r3/inc')).body).toEqual({ n: 1 });
        const oldId = sessionId(browser);
        const tab = browser.clone();
        const held = gate.close();
        const write = tab.get('/r3/inc');
        await held.arrived;
        redis.pause();
        held.release();
        // Signing out on the other server meanwhile: its load waits on the paused Redis too.
        const failedSignOut = new Browser(other.url);
        for (const [k, v] of browser.cookies) failedSignOut.cookies.set(k, v);
        const [written, signedOut] = await Promise.all([write, failedSignOut.post('/r3/sign-out')]);
        expect(written.status).toBe(503);
        expect(signedOut.status).toBe(503);
        redis.resume();
        const elsewhere = new Browser(other.url);
        for (const [k, v] of browser.cookies) elsewhere.cookies.set(k, v);
        expect((await elsewhere.post('/r3/sign-out')).status).toBe(200); // the retry, at once
        await sleep(COMMAND_TIMEOUT_MS); // anything still queued has run
        for (const one of [browser, tab]) expect((await one.get('/r3/me')).body).toMatchObject({ userId: null, n: 0, isNew: true });
        expect(await inspector.exists(`sess:${oldId}`)).toBe(0);

        const again = new Browser(other.url);
        await again.post('/r3/sign-in');
        const back = new Browser(running.url);
        for (const [k, v] of again.cookies) back.cookies.set(k, v);
        const both = await Promise.all([again.post('/r3/slow-inc?ms=30'), back.post('/r3/slow-inc?ms=30')]);
        expect(both.map((reply) => reply.status)).toEqual([200, 200]);
        expect((await back.get('/r3/me')).body).toMatchObject({ userId: 42, n: 2 });
      } finally {
        await other.close();
        otherClient.disconnect();
      }
    });
  });
});

/**
 * "A destroyed session stays destroyed": destroy() and invalidate() racing a
 * slower request that writes the same session, in both orders, over the
 * stores whose compare-and-set is a Lua script (Redis) or a SQL UPDATE (SQLite).
 */
const LOGOUT_BACKENDS = backends().filter((backend) => backend.name === 'RedisStore' || backend.name === 'TypeOrmStore on SQLite');
const RUNS = Number(process.env.RACE_RUNS ?? 2);

describe.each(PLATFORMS.flatMap((platform) => LOGOUT_BACKENDS.map((backend) => [platform, backend.name, backend] as const)))(
  'a sign-out racing a slower write of the same session, on %s over %s',
  (platform, _name, backend) => {
    failOnProcessErrors();
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [FailurePathsController] });
    });
    afterAll(async () => {
      await running?.close();
      await opened?.close();
    });

    async function signedIn(): Promise<Browser> {
      const browser = new Browser(running.url);
      expect((await browser.post('/r3/sign-in')).status).toBe(200);
      return browser;
    }

    it('destroy(): a write that loaded before the sign-out and saves after it does not sign the user back in', async () => {
      for (let run = 0; run < RUNS; run++) {
        const browser = await signedIn();
        const oldId = sessionId(browser);
        const slowTab = browser.clone();
        const slow = slowTab.post('/r3/slow-inc?ms=150');
        await sleep(40);
        expect((await browser.post('/r3/sign-out')).status).toBe(200);
        expect((await slow).status).toBe(200);
        expect(await opened.store.get(oldId)).toBeUndefined();
        for (const one of [browser, slowTab]) expect((await one.get('/r3/me')).body).toMatchObject({ userId: null, n: 0, isNew: true });
      }
    });

    it('invalidate(): a write that loaded before the sign-out and saves after it reaches neither the old id nor the new one', async () => {
      for (let run = 0; run < RUNS; run++) {
        const browser = await signedIn();
        const oldId = sessionId(browser);
        const slowTab = browser.clone();
        const slow = slowTab.post('/r3/slow-inc?ms=150');
        await sleep(40);
        const invalidated = await browser.post('/r3/invalidate');
        expect(invalidated.status).toBe(200);
        const newId = sessionId(browser);
        expect(newId).not.toBe(oldId);
        expect((await slow).status).toBe(200);
        expect(await opened.store.get(oldId)).toBeUndefined();
        expect((await opened.store.get(newId))?.data).toEqual({ signedOut: true });
        expect((await browser.get('/r3/me')).body).toMatchObject({ id: newId, userId: null, n: 0 });
        expect((await slowTab.get('/r3/me')).body).toMatchObject({ userId: null, n: 0, isNew: true });
      }
    });

    it.each([
      ['destroy()', '/r3/sign-out?ms=150'],
      ['invalidate()', '/r3/invalidate?ms=150'],
    ])('a slow %s still signs out when a faster write of the same session saved while it was under way', async (_label, path) => {
      for (let run = 0; run < RUNS; run++) {
        const browser = await signedIn();
        const oldId = sessionId(browser);
        const fastTab = browser.clone();
        const signOut = browser.post(path);
        await sleep(40);
        expect((await fastTab.post('/r3/slow-inc?ms=0')).body).toEqual({ n: 1 }); // saved: the version moved on under the sign-out
        expect((await signOut).status).toBe(200);
        expect(await opened.store.get(oldId)).toBeUndefined();
        expect((await fastTab.get('/r3/me')).body).toMatchObject({ userId: null, n: 0, isNew: true });
        expect((await browser.get('/r3/me')).body).toMatchObject({ userId: null, n: 0 });
      }
    });

    it('ten writes of random speed around one sign-out: none of them brings the session back, whichever order they save in', async () => {
      for (let run = 0; run < RUNS; run++) {
        const browser = await signedIn();
        const oldId = sessionId(browser);
        const writes = Array.from({ length: 10 }, () => browser.clone().post(`/r3/slow-inc?ms=${Math.floor(Math.random() * 120)}`));
        await sleep(30);
        const signOut = browser.clone().post(`/r3/sign-out?ms=${Math.floor(Math.random() * 60)}`);
        const answers = await Promise.all([...writes, signOut]);
        expect(answers.map((answer) => answer.status)).toEqual(Array(11).fill(200));
        await sleep(20);
        expect(await opened.store.get(oldId)).toBeUndefined();
        expect((await browser.get('/r3/me')).body).toMatchObject({ userId: null, n: 0, isNew: true });
      }
    });
  },
);
