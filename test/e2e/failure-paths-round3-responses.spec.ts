import { Controller, ForbiddenException, Get, Inject, Injectable, Res, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import compression from 'compression';
import type { Redis } from 'ioredis';
import { gunzipSync } from 'node:zlib';
import { Session, SessionManager, SessionModule } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { TestGate } from '../support/gate.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { rawRequest } from '../support/raw-request.js';
import { connectedClient } from '../support/redis.js';

/**
 * Responses an app writes itself (`@Res()`) that misbehave or redirect, and
 * compression() around them, while the save they wait for fails: Redis,
 * the test's own, paused past the client's commandTimeout between the
 * session's load and its save. The client must get one answer that tells
 * the truth (a 503), never the success the handler wrote, and nothing saved.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const COMMAND_TIMEOUT_MS = 400;

/** Where a handler waits for the test, once its session is loaded. */
const gate = new TestGate();

type Reply = {
  hijack?: unknown;
  send(body?: unknown): unknown;
  redirect(...args: unknown[]): unknown;
  status?: (code: number) => Reply;
  code?: (code: number) => Reply;
  type?: (value: string) => Reply;
  json?: (body: unknown) => unknown;
};
const isFastify = (reply: Reply) => typeof reply.hijack === 'function';

/** A body over compression()'s 1 KB threshold. */
const BIG = { items: Array.from({ length: 200 }, (_, i) => `item ${i}`) };

/** Counts a failed attempt in the session, then refuses (a sign-in throttle, say). */
@Injectable()
class CountingRefusal implements CanActivate {
  constructor(@Inject(SessionManager) private readonly sessions: SessionManager) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load(context);
    session.increment('n');
    await gate.pass();
    throw new ForbiddenException('too many attempts');
  }
}

@Controller('r3r')
class ResponsesController {
  @Get('me')
  me(@Session() session: Session) {
    return { n: session.get('n') ?? 0 };
  }

  @Get('start')
  start(@Session() session: Session) {
    return { n: session.increment('n') };
  }

  @Get('send-then-throw')
  async sendThenThrow(@Session() session: Session, @Res() reply: Reply) {
    session.increment('n');
    await gate.pass();
    reply.send('sent');
    throw new Error('after send');
  }

  @Get('send-twice')
  async sendTwice(@Session() session: Session, @Res() reply: Reply) {
    session.increment('n');
    await gate.pass();
    reply.send('one');
    reply.send('two');
  }

  /** A sign-in form's success: on to the dashboard. */
  @Get('redirect')
  async redirect(@Session() session: Session, @Res() reply: Reply) {
    session.increment('n');
    await gate.pass();
    if (isFastify(reply)) reply.redirect('/dashboard', 302);
    else reply.redirect(302, '/dashboard');
  }

  @Get('refused')
  @UseGuards(CountingRefusal)
  refused() {
    return { reached: true };
  }

  @Get('big')
  async big(@Session() session: Session, @Res() reply: Reply) {
    session.increment('n');
    await gate.pass();
    if (isFastify(reply)) reply.send(BIG);
    else reply.json!(BIG);
  }
}

describe.each(PLATFORMS)('an @Res() answer whose save times out on a paused Redis, on %s', (platform: Platform) => {
  failOnProcessErrors();
  let redis: DisposableRedis;
  let client: Redis;
  let running: RunningApp;

  beforeAll(async () => {
    redis = await DisposableRedis.start();
    client = await connectedClient(redis.port, { commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    running = await startApp(
      platform,
      { imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client }) })], controllers: [ResponsesController] },
      platform === 'express' ? (app) => void app.use(compression()) : undefined,
    );
  });
  afterAll(async () => {
    gate.release();
    await running?.close();
    client?.disconnect();
    await redis?.kill();
  });
  afterEach(() => redis.resume());

  /** Signs in (n = 1), then sends `path` and pauses Redis between the load and the save. */
  async function withSaveTimingOut(path: string, headers: Record<string, string> = {}) {
    const browser = new Browser(running.url);
    expect((await browser.get('/r3r/start')).body).toEqual({ n: 1 });
    const held = gate.close();
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const pending = rawRequest(running.url + path, { cookie, ...headers });
    await held.arrived;
    redis.pause();
    held.release();
    const answer = await pending.catch((error: unknown) => error);
    redis.resume();
    await sleep(COMMAND_TIMEOUT_MS);
    return { answer, stored: (await browser.get('/r3r/me')).body.n as number };
  }

  const expectTruthful503 = (answer: unknown) => {
    expect(answer).toMatchObject({ status: 503 });
    const { headers, body } = answer as { headers: Record<string, unknown>; body: Buffer };
    expect(headers['set-cookie']).toBeUndefined();
    expect(headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(body.toString()).message).toMatch(/session store is unavailable/i);
  };

  it('a handler that sends and then throws: the client gets one 503 (not the body it sent, not a 500), nothing is saved, and the app serves on', async () => {
    const { answer, stored } = await withSaveTimingOut('/r3r/send-then-throw');
    expectTruthful503(answer);
    expect(stored).toBe(1);
    expect((await new Browser(running.url).get('/r3r/start')).status).toBe(200);
  });

  it('a handler that sends twice: the client gets one 503, nothing is saved, and the app serves on', async () => {
    const { answer, stored } = await withSaveTimingOut('/r3r/send-twice');
    expectTruthful503(answer);
    expect(stored).toBe(1);
    expect((await new Browser(running.url).get('/r3r/start')).status).toBe(200);
  });

  it('a sign-in form that redirects on success: a 503 instead of the redirect, without its Location, so the user is not sent on as if signed in', async () => {
    const { answer, stored } = await withSaveTimingOut('/r3r/redirect');
    expectTruthful503(answer);
    expect((answer as { headers: Record<string, unknown> }).headers.location).toBeUndefined();
    expect(stored).toBe(1);
  });

  it("a guard that wrote the session and refused: a 503 rather than its 403, since what it wrote was not saved", async () => {
    const { answer, stored } = await withSaveTimingOut('/r3r/refused');
    expectTruthful503(answer);
    expect(stored).toBe(1);
  });

  it(`a large JSON answer${platform === 'express' ? ' under compression()' : ''} whose save fails: a plain, readable 503, not a gzip header over it`, async () => {
    const { answer, stored } = await withSaveTimingOut('/r3r/big', { 'accept-encoding': 'gzip' });
    expectTruthful503(answer);
    expect(stored).toBe(1);
  });

  it(`a large JSON answer${platform === 'express' ? ' under compression()' : ''} whose save succeeds arrives whole, with its cookie, and the write is kept`, async () => {
    const browser = new Browser(running.url);
    expect((await browser.get('/r3r/start')).body).toEqual({ n: 1 });
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const reply = await rawRequest(`${running.url}/r3r/big`, { cookie, 'accept-encoding': 'gzip' });
    expect(reply.status).toBe(200);
    const body = reply.headers['content-encoding'] === 'gzip' ? gunzipSync(reply.body) : reply.body;
    if (platform === 'express') expect(reply.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(body.toString())).toEqual(BIG);
    expect(reply.headers.vary).toMatch(/cookie/i);
    expect((reply.headers['set-cookie'] ?? []).map((line) => parseSetCookie(line).name)).toEqual([]); // n changed, the expiry did not move: no new cookie
    expect((await browser.get('/r3r/me')).body).toEqual({ n: 2 });
  });
});
