import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  Get,
  HttpCode,
  Post,
  Req,
  Res,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CookieStore,
  Flash,
  MemoryStore,
  Session,
  SessionMiddleware,
  SessionModule,
  SessionTooLargeError,
  UseSession,
  type ExpressSession,
  type FlashBag,
  type SessionModuleOptions,
} from '../../lib/index.js';
import { Browser, parseSetCookie, type Reply } from '../support/browser.js';
import { OLD_SECRET, SECRET } from '../support/constants.js';
import { PLATFORMS, type Platform, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';

/**
 * Failure paths of cookies and the encrypted CookieStore that the other
 * suites do not try, as a browser (or an attacker holding one) meets them:
 * secret rotation across the default and named sessions, a sealed session
 * that outgrows a cookie, expiry at its edges, hostile Cookie headers, and
 * `secure: 'auto'` behind proxies the app does or does not trust. Real HTTP
 * through Express and Fastify.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NEW_SECRET = 'a-brand-new-secret-that-is-long-enough-24680';
const DAY = 24 * 3600 * 1000;

type StreamReply = { raw?: ServerResponse; hijack?: unknown };

@Controller('c')
class CookieController {
  @Get('untouched')
  untouched() {
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: Session) {
    return { id: session.id, isNew: session.isNew, data: session.all(), expiresAt: session.expiresAt.getTime(), lifetimeMs: session.lifetimeMs };
  }

  @Post('set')
  @HttpCode(200)
  set(@Session() session: Session, @Body() body: { path: string; value: unknown }) {
    session.set(body.path, body.value);
    return { ok: true, expiresAt: session.expiresAt.getTime() };
  }

  @Post('delete')
  @HttpCode(200)
  delete(@Session() session: Session, @Body() body: { path: string }) {
    session.delete(body.path);
    return { ok: true };
  }

  @Post('flash')
  @HttpCode(200)
  flash(@Flash() flash: FlashBag, @Body() body: { key: string; value: unknown }) {
    flash.set(body.key, body.value);
    return { ok: true };
  }

  @Get('flash')
  readFlash(@Flash() flash: FlashBag) {
    return flash.all();
  }

  @Post('login')
  @HttpCode(200)
  async login(@Session() session: Session, @Body() body: { user: string; remember?: boolean }) {
    await session.regenerate();
    session.set('user', body.user);
    if (body.remember) session.setLifetime('30d');
    return { id: session.id, expiresAt: session.expiresAt.getTime() };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: Session) {
    await session.destroy();
    return { ok: true };
  }

  /** express-session's `req.session.cookie.maxAge`, as code moved from express-session writes it. */
  @Post('max-age')
  @HttpCode(200)
  @UseSession()
  maxAge(@Req() request: { session: ExpressSession }, @Body() body: { maxAge: number | null; user?: string }) {
    if (body.user) request.session.user = body.user;
    request.session.cookie.maxAge = body.maxAge;
    return { maxAge: request.session.cookie.maxAge, expires: request.session.cookie.expires?.getTime() ?? null };
  }

  @Get('named')
  named(@Session('prefs') prefs: Session, @Session('srv') srv: Session) {
    return { prefs: { id: prefs.id, isNew: prefs.isNew, data: prefs.all() }, srv: { id: srv.id, isNew: srv.isNew, data: srv.all() } };
  }

  @Post('named')
  @HttpCode(200)
  setNamed(@Session('prefs') prefs: Session, @Session('srv') srv: Session, @Body() body: { prefs?: unknown; srv?: unknown }) {
    if (body.prefs !== undefined) prefs.set('v', body.prefs);
    if (body.srv !== undefined) srv.set('v', body.srv);
    return { ok: true };
  }

  /** One request writing the sealed default session and the server-side named one. */
  @Post('both')
  @HttpCode(200)
  both(@Session() session: Session, @Session('srv') srv: Session, @Body() body: { big: string }) {
    session.set('big', body.big);
    srv.increment('n');
    return { ok: true };
  }

  /** Head first on Node's response: the cookie must be decided before the body streams. */
  @Post('stream')
  stream(@Session() session: Session, @Body() body: { big: string }, @Res() reply: StreamReply) {
    session.set('big', body.big);
    const raw = (reply.raw ?? reply) as ServerResponse;
    raw.writeHead(200, { 'content-type': 'text/plain' });
    raw.write('first part\n');
    setTimeout(() => raw.end('last part'), 20);
  }
}

/** Records what reached Nest's exception layer, then answers as Nest would. */
@Catch()
class RecordingFilter extends BaseExceptionFilter {
  static readonly seen: unknown[] = [];
  override catch(exception: unknown, host: ArgumentsHost) {
    RecordingFilter.seen.push(exception);
    super.catch(exception, host);
  }
}

interface StartOptions {
  /** Express `trust proxy` / Fastify `trustProxy`; the shared helper trusts every proxy. */
  trustProxy?: boolean | string;
  /** Mount SessionMiddleware and, after it, a middleware that writes req.session and answers itself on Node's response. */
  middleware?: boolean;
}

function answeringMiddleware(request: IncomingMessage & { session: ExpressSession }, response: ServerResponse, next: () => void): void {
  if (!request.url?.startsWith('/answered-by-middleware')) return next();
  request.session.user = 'ada';
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('answered');
}

/** As test/support/platforms.ts's startApp, but with the proxy trust each test chooses, and the recording filter. */
async function start(platform: Platform, metadata: ModuleMetadata, { trustProxy = true, middleware = false }: StartOptions = {}): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ trustProxy });
  const app: INestApplication = moduleRef.createNestApplication(adapter, { logger: false, abortOnError: false });
  if (platform === 'express') (app.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void }).set('trust proxy', trustProxy);
  app.useGlobalFilters(new RecordingFilter(app.get(HttpAdapterHost).httpAdapter));
  if (middleware) {
    app.use(app.get(SessionMiddleware).use);
    app.use(answeringMiddleware);
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** The module's options for these tests: a sealed default session, a sealed named one ('prefs'), a server-side named one ('srv'). */
function options(overrides: Partial<SessionModuleOptions> & { srvStore?: MemoryStore } = {}): SessionModuleOptions {
  const { srvStore, ...rest } = overrides;
  return {
    secret: SECRET,
    store: new CookieStore(),
    sessions: {
      prefs: { store: new CookieStore(), cookie: { name: 'prefs' } },
      srv: { store: srvStore ?? new MemoryStore(), cookie: { name: 'srv' } },
    },
    ...rest,
  } as SessionModuleOptions;
}

function cookieApp(platform: Platform, overrides: Parameters<typeof options>[0] = {}, startOptions?: StartOptions): Promise<RunningApp> {
  return start(platform, { imports: [SessionModule.forRoot(options(overrides))], controllers: [CookieController] }, startOptions);
}

const header = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

function withCookies(url: string, cookies: Map<string, string>): Browser {
  const browser = new Browser(url);
  for (const [k, v] of cookies) browser.cookies.set(k, v);
  return browser;
}


/** One request written byte for byte on a socket (header bytes Node's client would refuse or re-encode); its status and body. */
function rawBytesRequest(url: string, path: string, cookieBytes: Buffer): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.concat([Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\nCookie: `, 'latin1'), cookieBytes, Buffer.from('\r\n\r\n', 'latin1')]));
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      let body = text.slice(text.indexOf('\r\n\r\n') + 4);
      if (/transfer-encoding: chunked/i.test(text.slice(0, text.indexOf('\r\n\r\n')))) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status, body });
    });
  });
}

/** Random bytes as canonical base64url: well-formed for the decoder, garbage for AES-GCM. */
const randomBase64url = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString('base64url');

const namesSet = (reply: Reply) => reply.setCookies.map((line) => parseSetCookie(line).name).sort();
const lineFor = (reply: Reply, name: string) => reply.setCookies.map(parseSetCookie).find((cookie) => cookie.name === name);

describe.each(PLATFORMS)('cookies and the CookieStore under pressure, on %s', (platform) => {
  failOnProcessErrors();
  beforeEach(() => void RecordingFilter.seen.splice(0));

  describe('rotating secrets with secret: [new, old]', () => {
    it('a browser signed in under the old secret stays signed in, on the default and both named sessions, and gets all three cookies re-issued under the new secret on its first request, then no more', async () => {
      const srvStore = new MemoryStore(); // one store across deployments, as Redis would be
      const old = await cookieApp(platform, { secret: OLD_SECRET, srvStore });
      const rotated = await cookieApp(platform, { secret: [NEW_SECRET, OLD_SECRET], srvStore });
      const current = await cookieApp(platform, { secret: NEW_SECRET, srvStore });
      try {
        const browser = new Browser(old.url);
        await browser.post('/c/set', { path: 'user', value: 'ada' });
        await browser.post('/c/named', { prefs: 'dark', srv: 'cart-1' });
        const before = new Map(browser.cookies);
        expect([...before.keys()].sort()).toEqual(['prefs', 'sid', 'srv']);

        // The new secret goes out before every instance stopped reading the old one: nothing is lost.
        const onRotated = withCookies(rotated.url, before);
        expect((await onRotated.get('/c/untouched')).setCookies).toEqual([]); // a route without sessions re-issues nothing
        const first = await onRotated.get('/c/read');
        expect(first.body.data).toEqual({ user: 'ada' });
        const named = await onRotated.get('/c/named');
        expect(named.body).toMatchObject({ prefs: { isNew: false, data: { v: 'dark' } }, srv: { isNew: false, data: { v: 'cart-1' } } });
        expect(namesSet(first)).toEqual(['sid']);
        expect(namesSet(named)).toEqual(['prefs', 'srv']);
        for (const name of ['sid', 'prefs', 'srv']) expect(onRotated.cookies.get(name)).not.toBe(before.get(name));
        // The signed id is the same session, only signed anew; the sealed ones carry the same data.
        expect(onRotated.cookies.get('srv')!.split('.')[0]).toBe(before.get('srv')!.split('.')[0]);
        // Re-issued once: the next requests carry cookies of the first secret, and nothing is sent again.
        expect((await onRotated.get('/c/read')).setCookies).toEqual([]);
        expect((await onRotated.get('/c/named')).setCookies).toEqual([]);

        // The old secret dropped: the re-issued cookies still open everything, the never-used old copies open nothing.
        const moved = withCookies(current.url, onRotated.cookies);
        expect((await moved.get('/c/read')).body).toMatchObject({ isNew: false, data: { user: 'ada' } });
        expect((await moved.get('/c/named')).body).toMatchObject({ prefs: { data: { v: 'dark' } }, srv: { data: { v: 'cart-1' } } });
        const stale = withCookies(current.url, before);
        const staleRead = await stale.get('/c/read');
        expect(staleRead.status).toBe(200);
        expect(staleRead.body).toMatchObject({ isNew: true, data: {} });
        const staleNamed = await stale.get('/c/named');
        expect(staleNamed.status).toBe(200);
        expect(staleNamed.body).toMatchObject({ prefs: { isNew: true, data: {} }, srv: { isNew: true, data: {} } });
      } finally {
        await Promise.all([old.close(), rotated.close(), current.close()]);
      }
    });

    it('re-issuing a cookie under the new secret does not stretch its life: the re-sealed cookie keeps the expiry sealed under the old one', async () => {
      const old = await cookieApp(platform, { secret: OLD_SECRET, idleTimeout: '1h', touchAfter: '30m' });
      const rotated = await cookieApp(platform, { secret: [NEW_SECRET, OLD_SECRET], idleTimeout: '1h', touchAfter: '30m' });
      try {
        const browser = new Browser(old.url);
        const written = await browser.post('/c/set', { path: 'user', value: 'ada' });
        const sealedExpiry = written.body.expiresAt as number;
        await sleep(1100); // the re-issue happens a second later: an extension would show
        const onRotated = withCookies(rotated.url, browser.cookies);
        const reissued = await onRotated.get('/c/read');
        expect(reissued.body.expiresAt).toBe(sealedExpiry);
        expect(Date.parse(lineFor(reissued, 'sid')!.attributes.expires as string)).toBe(Math.floor(sealedExpiry / 1000) * 1000);
        expect((await onRotated.get('/c/read')).body.expiresAt).toBe(sealedExpiry);
      } finally {
        await Promise.all([old.close(), rotated.close()]);
      }
    });

    it('a cookie from a secret removed from the list, then written to, starts a brand-new session: 200, a new id, none of the old data', async () => {
      const old = await cookieApp(platform, { secret: OLD_SECRET });
      const current = await cookieApp(platform, { secret: [NEW_SECRET, SECRET] });
      try {
        const browser = new Browser(old.url);
        await browser.post('/c/set', { path: 'user', value: 'ada' });
        const oldId = (await browser.get('/c/read')).body.id as string;
        const revoked = withCookies(current.url, browser.cookies);
        const write = await revoked.post('/c/set', { path: 'note', value: 'after' });
        expect(write.status).toBe(200);
        const after = await revoked.get('/c/read');
        expect(after.body.id).not.toBe(oldId);
        expect(after.body.data).toEqual({ note: 'after' });
      } finally {
        await Promise.all([old.close(), current.close()]);
      }
    });

    it("a sealed value moved to another session's cookie opens nothing there, under the current and the old secret alike", async () => {
      const old = await cookieApp(platform, { secret: OLD_SECRET });
      const rotated = await cookieApp(platform, { secret: [NEW_SECRET, OLD_SECRET] });
      try {
        for (const running of [rotated, old]) {
          const browser = new Browser(running.url);
          await browser.post('/c/set', { path: 'user', value: 'ada' });
          const sealed = browser.cookies.get('sid')!;
          const reply = await new Browser(rotated.url).get('/c/named', { cookie: header({ prefs: sealed }) });
          expect(reply.status).toBe(200);
          expect(reply.body.prefs).toMatchObject({ isNew: true, data: {} });
        }
      } finally {
        await Promise.all([old.close(), rotated.close()]);
      }
    });
  });

  describe('a sealed session that outgrows its cookie', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await cookieApp(platform);
    });
    afterAll(() => running.close());

    /** Writes `user` and then `big` of `size` characters; the answer to the second write. */
    async function grow(browser: Browser, size: number): Promise<Reply> {
      return browser.post('/c/set', { path: 'big', value: 'x'.repeat(size) });
    }

    it('a write past 4096 bytes is a 500 naming the cookie and its size (SessionTooLargeError), sends no cookie, and the previous cookie still holds the previous session', async () => {
      const browser = new Browser(running.url);
      await browser.post('/c/set', { path: 'user', value: 'ada' });
      const before = browser.cookies.get('sid')!;
      const reply = await grow(browser, 4000);
      expect(reply.status).toBe(500);
      expect(reply.body).toMatchObject({ statusCode: 500, message: 'The session could not be saved.' });
      expect(reply.setCookies).toEqual([]);
      const cause = (RecordingFilter.seen.at(-1) as Error & { cause?: unknown }).cause as SessionTooLargeError;
      expect(cause).toBeInstanceOf(SessionTooLargeError);
      expect(cause.limit).toBe(4096);
      expect(cause.bytes).toBeGreaterThan(4096);
      expect(cause.message).toContain('cookie "sid"');
      expect(browser.cookies.get('sid')).toBe(before);
      expect((await browser.get('/c/read')).body).toMatchObject({ isNew: false, data: { user: 'ada' } });
    });

    it('the limit is exact: the largest session that fits is saved whole (a Set-Cookie line of at most 4096 bytes), one more byte fails', async () => {
      const sizeOk = async (size: number) => {
        const reply = await grow(new Browser(running.url), size);
        return reply.status === 200 ? reply : undefined;
      };
      let low = 2000; // fits
      let high = 4000; // does not
      expect(await sizeOk(low)).toBeDefined();
      expect(await sizeOk(high)).toBeUndefined();
      while (high - low > 1) {
        const mid = (low + high) >> 1;
        if (await sizeOk(mid)) low = mid;
        else high = mid;
      }
      const browser = new Browser(running.url);
      const largest = await grow(browser, low);
      expect(largest.status).toBe(200);
      expect(largest.setCookies[0]!.length).toBeLessThanOrEqual(4096);
      expect(largest.setCookies[0]!.length).toBeGreaterThan(4096 - 24); // AES-GCM output grows in steps of 4 base64 characters per 3 bytes
      expect(((await browser.get('/c/read')).body.data.big as string).length).toBe(low);
      expect((await grow(new Browser(running.url), high)).status).toBe(500);
    });

    it('a flash message that pushes the session over fails that request only: no cookie, the flash is never shown, and the session before it is intact', async () => {
      const browser = new Browser(running.url);
      expect((await grow(browser, 2500)).status).toBe(200);
      const before = browser.cookies.get('sid')!;
      const flashed = await browser.post('/c/flash', { key: 'notice', value: 'y'.repeat(2000) });
      expect(flashed.status).toBe(500);
      expect(flashed.setCookies).toEqual([]);
      expect(browser.cookies.get('sid')).toBe(before);
      expect((await browser.get('/c/flash')).body).toEqual({});
      expect(((await browser.get('/c/read')).body.data.big as string).length).toBe(2500);
      // A small flash fits, and is shown once.
      expect((await browser.post('/c/flash', { key: 'notice', value: 'saved' })).status).toBe(200);
      expect((await browser.get('/c/flash')).body).toEqual({ notice: 'saved' });
      expect((await browser.get('/c/flash')).body).toEqual({});
    });

    it('a session that shrinks back under the limit is saved again: after a refused write, deleting the big value works and the cookie gets smaller', async () => {
      const browser = new Browser(running.url);
      expect((await grow(browser, 2500)).status).toBe(200);
      const bigCookie = browser.cookies.get('sid')!;
      expect((await browser.post('/c/set', { path: 'more', value: 'z'.repeat(1500) })).status).toBe(500);
      const shrunk = await browser.post('/c/delete', { path: 'big' });
      expect(shrunk.status).toBe(200);
      expect(browser.cookies.get('sid')!.length).toBeLessThan(bigCookie.length - 2500);
      expect((await browser.post('/c/set', { path: 'more', value: 'z'.repeat(1500) })).status).toBe(200);
      expect((await browser.get('/c/read')).body.data).toEqual({ more: 'z'.repeat(1500) });
    });

    it('a too-large sealed session on a response whose head leaves first: the head carries no cookie, the body is cut off, nothing is kept', async () => {
      const browser = new Browser(running.url);
      await browser.post('/c/set', { path: 'user', value: 'ada' });
      const before = browser.cookies.get('sid')!;
      const fits = await browser.post('/c/stream', { big: 'x'.repeat(100) });
      expect(fits.text).toBe('first part\nlast part');
      expect(namesSet(fits)).toEqual(['sid']);
      const after = browser.cookies.get('sid')!;
      expect(after).not.toBe(before);
      await expect(browser.post('/c/stream', { big: 'x'.repeat(5000) })).rejects.toThrow();
      expect(browser.cookies.get('sid')).toBe(after);
      expect((await browser.get('/c/read')).body.data).toEqual({ user: 'ada', big: 'x'.repeat(100) });
    });
  });

  /**
   * Fails today (a bug outside lib/http and lib/stores): SessionCommitter.commit() starts every session's store
   * write first and only then builds the Set-Cookie lines, where the 4096-byte check of a sealed cookie throws.
   * The MemoryStore write of 'srv' has landed by then, so the client gets a 500 for a request half of which was kept.
   */
  describe('a sealed session beside a server-side one, when the sealed one outgrows its cookie', () => {
    it('a request answered 500 because its sealed cookie grew too large leaves the server-side session of the same request unchanged (README: "nothing saved")', async () => {
      const srvStore = new MemoryStore();
      const running = await cookieApp(platform, { srvStore });
      try {
        const browser = new Browser(running.url);
        expect((await browser.post('/c/both', { big: 'small' })).status).toBe(200);
        const srvId = browser.cookies.get('srv')!.split('.')[0]!;
        expect((await srvStore.get(srvId))?.data).toEqual({ n: 1 });
        const refused = await browser.post('/c/both', { big: 'x'.repeat(5000) });
        expect(refused.status).toBe(500);
        expect(refused.setCookies).toEqual([]);
        expect((await srvStore.get(srvId))?.data).toEqual({ n: 1 }); // the server-side half of a failed request must not land
        expect((await browser.get('/c/named')).body.srv.data).toEqual({ n: 1 });
      } finally {
        await running.close();
      }
    });
  });
  describe('expiry of a sealed cookie at its edges', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await cookieApp(platform, { idleTimeout: 1500, touchAfter: 100, absoluteTimeout: 2500 });
    });
    afterAll(() => running.close());

    it('an older copy of a sealed cookie dies at the expiry sealed in it, while the copy the session slid to lives on', async () => {
      const browser = new Browser(running.url);
      await browser.post('/c/set', { path: 'user', value: 'ada' });
      const first = browser.cookies.get('sid')!;
      await sleep(700);
      const slid = await browser.get('/c/read');
      expect(namesSet(slid)).toEqual(['sid']); // touchAfter passed: the expiry moved, so the cookie is re-sealed
      const second = browser.cookies.get('sid')!;
      expect(second).not.toBe(first);
      await sleep(1000); // 1.7 s after the first cookie, 1.0 s after the second
      const old = await new Browser(running.url).get('/c/read', { cookie: `sid=${first}` });
      expect(old.status).toBe(200);
      expect(old.body).toMatchObject({ isNew: true, data: {} });
      expect((await new Browser(running.url).get('/c/read', { cookie: `sid=${second}` })).body).toMatchObject({ isNew: false, data: { user: 'ada' } });
    });

    it("the cookie's Max-Age says what the sealed expiry says, relative to the server's clock, so a browser whose clock is far off keeps it exactly as long", async () => {
      const browser = new Browser(running.url);
      const reply = await browser.post('/c/set', { path: 'user', value: 'ada' });
      const sealedExpiry = reply.body.expiresAt as number;
      const cookie = lineFor(reply, 'sid')!;
      const serverNow = Date.parse(reply.headers.get('date')!);
      const maxAge = Number(cookie.attributes['max-age']);
      expect(maxAge).toBe(Math.ceil((sealedExpiry - Date.now()) / 1000));
      expect(Date.parse(cookie.attributes.expires as string)).toBe(Math.floor(sealedExpiry / 1000) * 1000);
      expect(Math.abs(serverNow + maxAge * 1000 - sealedExpiry)).toBeLessThanOrEqual(2000);
    });

    it("req.session.cookie.maxAge longer than absoluteTimeout: the sealed session outlives idleTimeout as asked, but neither it nor its cookie outlives absoluteTimeout", async () => {
      const browser = new Browser(running.url);
      const created = Date.now();
      const reply = await browser.post('/c/max-age', { maxAge: 10 * DAY, user: 'ada' });
      expect(reply.status).toBe(200);
      expect(reply.body.maxAge).toBeLessThanOrEqual(2500);
      expect(Number(lineFor(reply, 'sid')!.attributes['max-age'])).toBeLessThanOrEqual(3);
      await sleep(created + 1900 - Date.now()); // past idleTimeout (1.5 s) with no request between: the own lifetime holds
      expect((await new Browser(running.url).get('/c/read', { cookie: `sid=${browser.cookies.get('sid')}` })).body).toMatchObject({ isNew: false, data: { user: 'ada' } });
      await sleep(created + 2700 - Date.now()); // past absoluteTimeout
      const late = await new Browser(running.url).get('/c/read', { cookie: `sid=${browser.cookies.get('sid')}` });
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ isNew: true, data: {} });
    });

    it('req.session.cookie.maxAge = 0 ends the sealed session by the next request (a fresh one, never a 5xx); maxAge = null goes back to idleTimeout', async () => {
      const browser = new Browser(running.url);
      const zero = await browser.post('/c/max-age', { maxAge: 0, user: 'ada' });
      expect(zero.status).toBe(200);
      expect(Number(lineFor(zero, 'sid')!.attributes['max-age'])).toBeLessThanOrEqual(1);
      await sleep(20);
      const next = await browser.get('/c/read');
      expect(next.status).toBe(200);
      expect(next.body).toMatchObject({ isNew: true, data: {} });

      const back = new Browser(running.url);
      await back.post('/c/max-age', { maxAge: 60_000, user: 'bob' });
      expect((await back.get('/c/read')).body.lifetimeMs).toBe(60_000);
      const reset = await back.post('/c/max-age', { maxAge: null });
      expect(reset.status).toBe(200);
      expect(Number(lineFor(reset, 'sid')!.attributes['max-age'])).toBeLessThanOrEqual(2);
      expect((await back.get('/c/read')).body).toMatchObject({ lifetimeMs: 1500, data: { user: 'bob' } });
    });
  });

  describe('sign-out with a CookieStore (SECURITY.md: no server-side revocation)', () => {
    it('a "remember me" cookie copied before sign-out keeps opening after it, as documented, and only deploying a new secret alone revokes it', async () => {
      const app = await cookieApp(platform, { secret: [SECRET, OLD_SECRET] });
      const revoked = await cookieApp(platform, { secret: NEW_SECRET });
      try {
        const browser = new Browser(app.url);
        const login = await browser.post('/c/login', { user: 'ada', remember: true });
        expect(login.body.expiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
        const copied = browser.cookies.get('sid')!;
        const logout = await browser.post('/c/logout');
        const expired = lineFor(logout, 'sid')!;
        expect(expired).toMatchObject({ value: '', attributes: { 'max-age': '0', path: '/' } });
        expect(browser.cookies.has('sid')).toBe(false);
        expect((await browser.get('/c/read')).body).toMatchObject({ isNew: true, data: {} }); // this browser is signed out
        // The copy: the documented limit, asserted so it is never forgotten.
        const replay = await new Browser(app.url).get('/c/read', { cookie: `sid=${copied}` });
        expect(replay.body).toMatchObject({ isNew: false, data: { user: 'ada' } });
        // "Revoking everything": a new secret alone, and the copy reads as no session from the first request on.
        const afterRotation = await new Browser(revoked.url).get('/c/read', { cookie: `sid=${copied}` });
        expect(afterRotation.status).toBe(200);
        expect(afterRotation.body).toMatchObject({ isNew: true, data: {} });
      } finally {
        await Promise.all([app.close(), revoked.close()]);
      }
    });
  });

  describe('hostile Cookie headers against sealed sessions', () => {
    let running: RunningApp;
    let old: RunningApp;
    beforeAll(async () => {
      running = await cookieApp(platform, { idleTimeout: 800, touchAfter: 100 });
      old = await cookieApp(platform, { secret: 'a-secret-nobody-lists-any-more-0123456789' });
    });
    afterAll(async () => {
      await running.close();
      await old.close();
    });

    async function sealed(app: RunningApp, user: string): Promise<Map<string, string>> {
      const browser = new Browser(app.url);
      await browser.post('/c/set', { path: 'user', value: user });
      await browser.post('/c/named', { prefs: user });
      return browser.cookies;
    }

    it('duplicates of the session cookie (other paths, old deployments): expired, foreign-secret and misplaced sealed values are skipped, the live one is read', async () => {
      const expired = (await sealed(running, 'expired')).get('sid')!;
      await sleep(900);
      const live = await sealed(running, 'ada');
      const foreign = (await sealed(old, 'mallory')).get('sid')!;
      const cookie = [`sid=${expired}`, `sid=${foreign}`, `sid=${live.get('prefs')}`, `sid=${randomBase64url(300)}`, `sid=${live.get('sid')}`].join('; ');
      const reply = await new Browser(running.url).get('/c/read', { cookie });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ isNew: false, data: { user: 'ada' } });
      // Two live sessions under one name: the first sent (the most specific path) is read, as RFC 6265 orders them.
      const other = await sealed(running, 'bob');
      expect((await new Browser(running.url).get('/c/read', { cookie: `sid=${other.get('sid')}; sid=${live.get('sid')}` })).body.data).toEqual({ user: 'bob' });
    });

    it.each([
      ['nothing but an IV', 12],
      ['an IV and a tag, no text', 28],
      ['one byte of text', 29],
      ['a short record', 120],
      ['a cookie-sized record', 3000],
    ])('well-formed base64url that is garbage ciphertext (%s) gives a fresh session on every sealed cookie, never a 5xx', async (_label, bytes) => {
      const value = randomBase64url(bytes);
      const reply = await new Browser(running.url).get('/c/named', { cookie: header({ sid: value, prefs: value, srv: value }) });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ prefs: { isNew: true, data: {} }, srv: { isNew: true, data: {} } });
      const read = await new Browser(running.url).get('/c/read', { cookie: `sid=${value}` });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ isNew: true, data: {} });
    });

    it('a sealed cookie spelled another way (standard base64, padding, percent-encoded, quoted) is not the same cookie: a fresh session, never a 5xx', async () => {
      const live = (await sealed(running, 'ada')).get('sid')!;
      const standard = Buffer.from(live, 'base64url').toString('base64');
      const percent = [...live].map((ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`).join('');
      for (const value of [standard, `${live}=`, `${live}==`, percent, `"${live}`, `${live} x`]) {
        const reply = await new Browser(running.url).get('/c/read', { cookie: `sid=${value}` });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ isNew: true, data: {} });
      }
      expect((await new Browser(running.url).get('/c/read', { cookie: `sid="${live}"` })).body.data).toEqual({ user: 'ada' }); // RFC 6265 allows the quotes
    });

    it('bytes that are not UTF-8 and broken percent-escapes in the Cookie header give a fresh session, and do not hide a valid cookie after them', async () => {
      const live = (await sealed(running, 'ada')).get('sid')!;
      const junk = Buffer.from([0x73, 0x69, 0x64, 0x3d, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x25, 0x45, 0x30, 0x25, 0x41, 0x34, 0x25]); // sid=\xff\xfe\x80\xc3(%E0%A4%
      const alone = await rawBytesRequest(running.url, '/c/read', Buffer.concat([junk, Buffer.from('; prefs=%ZZ%; srv=\xe9\xe8', 'latin1')]));
      expect(alone.status).toBe(200);
      expect(JSON.parse(alone.body)).toMatchObject({ isNew: true, data: {} });
      const before = await rawBytesRequest(running.url, '/c/read', Buffer.concat([junk, Buffer.from(`; sid=${live}`, 'latin1')]));
      expect(before.status).toBe(200);
      expect(JSON.parse(before.body)).toMatchObject({ isNew: false, data: { user: 'ada' } });
    });

    it('a header full of cookie-sized garbage under the session name costs at most 8 opens: the live value behind them is not looked at, and the answer is prompt', async () => {
      const live = (await sealed(running, 'ada')).get('sid')!;
      const garbage = Array.from({ length: 8 }, () => `sid=${randomBase64url(1000)}`);
      const started = Date.now();
      const reply = await new Browser(running.url).get('/c/read', { cookie: [...garbage, `sid=${live}`].join('; ') });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ isNew: true, data: {} });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect((await new Browser(running.url).get('/c/read', { cookie: [...garbage.slice(1), `sid=${live}`].join('; ') })).body.data).toEqual({ user: 'ada' });
    });
  });

  describe("secure: 'auto' and X-Forwarded-Proto", () => {
    const cases: [string, boolean | string, boolean][] = [
      ['a proxy the app trusts (trust proxy: true)', true, true],
      ['no trusted proxy (trust proxy: false)', false, false],
      ['a trusted proxy at another address than the client', '10.9.8.7', false],
    ];

    it.each(cases)('behind %s, a client claiming https gets Secure cookies only if the claim is trusted, on every session and on the sign-out cookie', async (_label, trustProxy, secure) => {
      const running = await cookieApp(platform, {}, { trustProxy });
      try {
        const browser = new Browser(running.url);
        const spoofed = { 'x-forwarded-proto': 'https' };
        const written = await browser.post('/c/set', { path: 'user', value: 'ada' }, spoofed);
        const named = await browser.post('/c/named', { prefs: 'dark', srv: 'cart' }, spoofed);
        const lines = [...written.setCookies, ...named.setCookies].map(parseSetCookie);
        expect(lines.map((line) => line.name).sort()).toEqual(['prefs', 'sid', 'srv']);
        for (const line of lines) expect(line.attributes.secure === true).toBe(secure);
        const logout = await browser.post('/c/logout', undefined, spoofed);
        expect(lineFor(logout, 'sid')!.attributes['max-age']).toBe('0');
        expect(lineFor(logout, 'sid')!.attributes.secure === true).toBe(secure);
        // Plain HTTP without the header: never Secure, whatever the trust.
        const plain = await new Browser(running.url).post('/c/set', { path: 'user', value: 'bob' });
        expect(lineFor(plain, 'sid')!.attributes.secure).toBeUndefined();
      } finally {
        await running.close();
      }
    });

    it.each(cases)('behind %s, a session written by middleware that answers on Node\'s response itself gets Secure only if the https claim is trusted', async (_label, trustProxy, secure) => {
      const running = await cookieApp(platform, {}, { trustProxy, middleware: true });
      try {
        const browser = new Browser(running.url);
        const answered = await browser.get('/answered-by-middleware', { 'x-forwarded-proto': 'https' });
        expect(answered.text).toBe('answered');
        expect(lineFor(answered, 'sid')!.attributes.secure === true).toBe(secure);
        expect((await browser.get('/c/read')).body.data).toEqual({ user: 'ada' });
        const plain = await new Browser(running.url).get('/answered-by-middleware');
        expect(lineFor(plain, 'sid')!.attributes.secure).toBeUndefined();
      } finally {
        await running.close();
      }
    });
  });
});
