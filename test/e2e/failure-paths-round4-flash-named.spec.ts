import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { CookieStore, Flash, FlashBag, MemoryStore, Session, SessionModule } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { TestGate } from '../support/gate.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { redisUrl } from '../support/redis.js';
import { FailingWritesStore } from './fixtures/failing-writes.store.js';

/**
 * Failure paths round 4: flash, named sessions side by side on different
 * stores (a MemoryStore default, a named store whose writes can be refused, a
 * named CookieStore, a named RedisStore), transient values and "remember me"
 * lifetimes across regenerate/invalidate on named sessions. Real HTTP through
 * Express and Fastify.
 */

const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

/** Where a handler waits for the test once its session (and flash) is loaded. */
const gate = new TestGate();

@Controller('r4')
class FlashNamedController {
  /** Sets a flash on the default session. */
  @Post('flash')
  @HttpCode(200)
  setFlash(@Flash() flash: FlashBag, @Body() body: { key: string; value: unknown }) {
    flash.set(body.key, body.value);
    return { ok: true };
  }

  /** A page that shows the default session's flash; `?gate=1` makes it wait after reading it. */
  @Get('page')
  async page(@Flash() flash: FlashBag, @Query('gate') gated?: string) {
    const shown = flash.all();
    if (gated) await gate.pass();
    return shown;
  }

  /** Flash on both the default session and the named 'srv' one, with a write to each. */
  @Post('flash-both')
  @HttpCode(200)
  flashBoth(@Session() main: Session, @Flash() mainFlash: FlashBag, @Session('srv') srv: Session, @Flash('srv') srvFlash: FlashBag, @Body() body: { value: string }) {
    main.increment('n');
    srv.increment('n');
    mainFlash.set('notice', `main ${body.value}`);
    srvFlash.set('notice', `srv ${body.value}`);
    return { ok: true };
  }

  /** A request that writes both sessions and shows both flashes (consuming them). */
  @Post('both')
  @HttpCode(200)
  both(@Session() main: Session, @Flash() mainFlash: FlashBag, @Session('srv') srv: Session, @Flash('srv') srvFlash: FlashBag) {
    const shown = { main: mainFlash.all(), srv: srvFlash.all() };
    main.increment('n');
    srv.increment('n');
    return shown;
  }

  /** Reads both sessions without changing them (flash read through session data only). */
  @Get('both')
  readBoth(@Session() main: Session, @Session('srv') srv: Session) {
    return { main: main.get('n') ?? 0, srv: srv.get('n') ?? 0 };
  }

  @Get('flashes')
  flashes(@Flash() mainFlash: FlashBag, @Flash('srv') srvFlash: FlashBag) {
    return { main: mainFlash.all(), srv: srvFlash.all() };
  }

  /** Transient values beside stored writes on the same paths and their parents. */
  @Post('transient')
  @HttpCode(200)
  transient(@Session() session: Session) {
    session.transient.set('user.name', 'Ada (from the database)');
    session.transient.set('cart', ['ephemeral']);
    session.set('user.id', 7);
    session.push('cart', 'book');
    session.transient.set('visits', 99);
    session.increment('visits');
    return { name: session.get('user.name'), all: session.all() };
  }

  @Get('all')
  all(@Session() session: Session) {
    return session.all();
  }

  /** "Remember me" on a named session, then a sign-in's regenerate() on it. */
  @Post('named/:name/remember')
  @HttpCode(200)
  async remember(@Session('red') red: Session, @Session('prefs') prefs: Session, @Body() body: { name: 'red' | 'prefs'; regenerate?: boolean }) {
    const session = body.name === 'red' ? red : prefs;
    session.set('user', 1);
    session.setLifetime('30d');
    if (body.regenerate) await session.regenerate();
    return { lifetimeMs: session.lifetimeMs, id: session.id };
  }

  @Post('named/:name/regenerate')
  @HttpCode(200)
  async regenerate(@Session('red') red: Session, @Session('prefs') prefs: Session, @Body() body: { name: 'red' | 'prefs' }) {
    const session = body.name === 'red' ? red : prefs;
    await session.regenerate();
    return { lifetimeMs: session.lifetimeMs };
  }

  @Post('named/:name/invalidate')
  @HttpCode(200)
  async invalidate(@Session('red') red: Session, @Session('prefs') prefs: Session, @Body() body: { name: 'red' | 'prefs' }) {
    const session = body.name === 'red' ? red : prefs;
    await session.invalidate();
    session.set('after', true);
    return { lifetimeMs: session.lifetimeMs };
  }

  @Get('named/red')
  red(@Session('red') red: Session) {
    return { lifetimeMs: red.lifetimeMs, expiresInMs: red.expiresAt.getTime() - Date.now(), user: red.get('user') ?? null, isNew: red.isNew };
  }

  @Get('named/prefs')
  prefs(@Session('prefs') prefs: Session) {
    return { lifetimeMs: prefs.lifetimeMs, expiresInMs: prefs.expiresAt.getTime() - Date.now(), user: prefs.get('user') ?? null, isNew: prefs.isNew };
  }
}

function maxAgeOf(reply: { setCookies: string[] }, name: string): number | undefined {
  const line = reply.setCookies.map(parseSetCookie).find((c) => c.name === name);
  return line ? Number(line.attributes['max-age']) : undefined;
}

describe.each(PLATFORMS)('flash, named sessions, transient values and lifetimes when things go wrong, on %s', (platform) => {
  let running: RunningApp;
  let main: MemoryStore;
  let srv: FailingWritesStore;
  let red: RedisStore;

  beforeAll(async () => {
    main = new MemoryStore();
    srv = new FailingWritesStore();
    red = new RedisStore({ url: redisUrl(), prefix: `r4:${platform}:${process.pid}:` });
    running = await startApp(platform, {
      imports: [
        SessionModule.forRoot({
          secret: SECRET,
          store: main,
          idleTimeout: '2h',
          absoluteTimeout: '90d',
          sessions: {
            srv: { store: srv, cookie: { name: 'srv' } },
            prefs: { store: new CookieStore(), cookie: { name: 'prefs' }, idleTimeout: '1h' },
            red: { store: red, cookie: { name: 'red' }, idleTimeout: '3h' },
          },
        }),
      ],
      controllers: [FlashNamedController],
    });
  });
  afterAll(async () => {
    gate.release();
    await running.close();
  });
  afterEach(() => {
    srv.failWrites = false;
  });

  describe('flash', () => {
    it('a page whose save fails with a 503 does not use up the flash it showed: the next page shows it again', async () => {
      const browser = new Browser(running.url);
      await browser.post('/r4/flash-both', { value: 'saved' });
      srv.failWrites = true;
      const failed = await browser.post('/r4/both');
      expect(failed.status).toBe(503);
      srv.failWrites = false;
      expect((await browser.get('/r4/flashes')).body.srv).toEqual({ notice: 'srv saved' });
    });

    it('a message flashed (same key) by a parallel request while a page showing the old one is under way reaches a page', async () => {
      const browser = new Browser(running.url);
      await browser.post('/r4/flash', { key: 'success', value: 'Saved the draft' });
      const held = gate.close();
      const page = browser.clone().get('/r4/page?gate=1');
      await held.arrived;
      // Meanwhile, another tab saves again: it sees (and consumes) the first message, and flashes its own.
      expect((await browser.post('/r4/flash', { key: 'success', value: 'Published' })).status).toBe(200);
      held.release();
      expect((await page).body).toEqual({ success: 'Saved the draft' });
      // Nobody has shown 'Published' yet: the next page must.
      expect((await browser.get('/r4/page')).body).toEqual({ success: 'Published' });
    });

    it('a message flashed under another key by a parallel request survives a page that consumed the old one', async () => {
      const browser = new Browser(running.url);
      await browser.post('/r4/flash', { key: 'success', value: 'Saved' });
      const held = gate.close();
      const page = browser.clone().get('/r4/page?gate=1');
      await held.arrived;
      await browser.post('/r4/flash', { key: 'info', value: 'Mail sent' });
      held.release();
      expect((await page).body).toEqual({ success: 'Saved' });
      expect((await browser.get('/r4/page')).body).toEqual({ info: 'Mail sent' });
      expect((await browser.get('/r4/page')).body).toEqual({});
    });
  });

  describe('named sessions on different stores in one request', () => {
    // Stores share no transaction: each session in its own store saves on its own (README, "When sessions are loaded and
    // saved"), so a 503 from one does not undo what another saved, and the client is told which failed.
    it('when the named session cannot be saved (503), the default one of the same request, in another store, is saved on its own', async () => {
      const browser = new Browser(running.url);
      await browser.post('/r4/both');
      expect((await browser.get('/r4/both')).body).toEqual({ main: 1, srv: 1 });
      srv.failWrites = true;
      const failed = await browser.post('/r4/both');
      expect(failed.status).toBe(503);
      srv.failWrites = false;
      expect((await browser.get('/r4/both')).body).toEqual({ main: 2, srv: 1 });
    });

    it('a first visit answered 503 sets no cookie for either session and stores neither', async () => {
      const browser = new Browser(running.url);
      srv.failWrites = true;
      const failed = await browser.post('/r4/both');
      expect(failed.status).toBe(503);
      expect(failed.setCookies).toEqual([]);
      srv.failWrites = false;
      expect((await browser.get('/r4/both')).body).toEqual({ main: 0, srv: 0 });
    });
  });

  describe('transient values', () => {
    it('are shown in the request that set them, never stored, even beside writes to the same paths and their parents', async () => {
      const browser = new Browser(running.url);
      const reply = await browser.post('/r4/transient');
      expect(reply.body.name).toBe('Ada (from the database)');
      expect(reply.body.all).toEqual({ user: { id: 7 }, cart: ['book'], visits: 1 });
      expect((await browser.get('/r4/all')).body).toEqual({ user: { id: 7 }, cart: ['book'], visits: 1 });
    });
  });

  describe.each([
    ['red', 'RedisStore', 3 * HOUR],
    ['prefs', 'CookieStore', 1 * HOUR],
  ] as const)('"remember me" on the named session %s (%s)', (name, _store, ownIdle) => {
    it('setLifetime() then regenerate() in the same request keeps 30 days, in the store and in the cookie', async () => {
      const browser = new Browser(running.url);
      const reply = await browser.post(`/r4/named/${name}/remember`, { name, regenerate: true });
      expect(reply.body.lifetimeMs).toBe(30 * DAY);
      expect(maxAgeOf(reply, name)).toBeGreaterThan(29 * 86400);
      const me = (await browser.get(`/r4/named/${name}`)).body;
      expect(me).toMatchObject({ user: 1, lifetimeMs: 30 * DAY, isNew: false });
      expect(me.expiresInMs).toBeGreaterThan(29 * DAY);
    });

    it('a later regenerate() keeps the 30 days, in the store and in the cookie', async () => {
      const browser = new Browser(running.url);
      await browser.post(`/r4/named/${name}/remember`, { name });
      const reply = await browser.post(`/r4/named/${name}/regenerate`, { name });
      expect(reply.body.lifetimeMs).toBe(30 * DAY);
      expect(maxAgeOf(reply, name)).toBeGreaterThan(29 * 86400);
      const me = (await browser.get(`/r4/named/${name}`)).body;
      expect(me).toMatchObject({ user: 1, lifetimeMs: 30 * DAY });
      expect(me.expiresInMs).toBeGreaterThan(29 * DAY);
    });

    it("invalidate() goes back to the named session's own idleTimeout, not the default session's", async () => {
      const browser = new Browser(running.url);
      await browser.post(`/r4/named/${name}/remember`, { name });
      const reply = await browser.post(`/r4/named/${name}/invalidate`, { name });
      expect(reply.body.lifetimeMs).toBe(ownIdle);
      expect(maxAgeOf(reply, name)).toBeLessThanOrEqual(ownIdle / 1000);
      expect(maxAgeOf(reply, name)).toBeGreaterThan(ownIdle / 1000 - 60);
      const me = (await browser.get(`/r4/named/${name}`)).body;
      expect(me).toMatchObject({ user: null, lifetimeMs: ownIdle });
      expect(me.expiresInMs).toBeLessThanOrEqual(ownIdle);
    });
  });
});
