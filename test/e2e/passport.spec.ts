import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import flash from 'connect-flash';
import passport from 'passport';
import { SessionMiddleware, SessionModule } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { AuthController } from './fixtures/passport/auth.controller.js';
import { CsrfController, csrfSynchronisedProtection, FlashController } from './fixtures/passport/middleware-packages.controller.js';
import { LocalStrategy } from './fixtures/passport/local.strategy.js';
import { SessionSerializer } from './fixtures/passport/session.serializer.js';
import { UsersService } from './fixtures/passport/users.service.js';

/**
 * Issue 19 items 5 to 7: the NestJS docs' passport session recipe, and
 * connect-flash and csrf-sync, unchanged apart from the line where
 * express-session would go: `app.use(app.get(SessionMiddleware).use)`.
 * Real packages, real stores (one in process, one over the network).
 */
const stores = backends().filter((backend) => backend.name === 'MemoryStore' || backend.name === 'RedisStore');
const cases = PLATFORMS.flatMap((platform) => stores.map((backend) => [platform, backend.name, backend] as const));

const JOHN = { username: 'john', password: 'changeme' };

const sid = (browser: Browser) => browser.cookies.get('sid');

describe.each(cases)('passport, connect-flash and csrf-sync on %s over %s', (platform, _name, backend) => {
  failOnProcessErrors();
  let opened: OpenedStore;

  beforeAll(async () => {
    opened = await backend.open();
  });
  afterAll(() => opened?.close());

  describe('the NestJS passport session recipe, with connect-flash', () => {
    let running: RunningApp;

    beforeAll(async () => {
      const metadata: ModuleMetadata = {
        imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store }), PassportModule.register({ session: true })],
        controllers: [AuthController, FlashController],
        providers: [UsersService, LocalStrategy, SessionSerializer],
      };
      running = await startApp(platform, metadata, (app: INestApplication) => {
        app.use(app.get(SessionMiddleware).use);
        app.use(passport.initialize());
        app.use(passport.session());
        app.use(flash());
      });
    });
    afterAll(() => running?.close());

    it('signs in under a new session id, and the pre-login cookie does not get the user', async () => {
      const browser = new Browser(running.url);
      expect((await browser.post('/cart')).body).toEqual({ cart: ['book'] });
      const anonymous = browser.clone();
      const before = sid(browser);
      expect(before).toBeDefined();

      const login = await browser.post('/auth/login', JOHN);
      expect(login.status).toBe(201);
      expect(login.body).toEqual({ userId: 1, username: 'john' });
      expect(login.setCookies).toHaveLength(1);
      expect(sid(browser)).toBeDefined();
      expect(sid(browser)).not.toBe(before);

      expect((await anonymous.get('/profile')).status).toBe(403);
    });

    it('keeps req.user across requests once signed in', async () => {
      const browser = new Browser(running.url);
      expect((await browser.post('/auth/login', JOHN)).status).toBe(201);
      expect(browser.cookies.has('sid')).toBe(true);
      for (let i = 0; i < 2; i++) {
        const profile = await browser.get('/profile');
        expect(profile.status).toBe(200);
        expect(profile.body).toEqual({ userId: 1, username: 'john' });
      }
    });

    it('refuses a wrong password with 401 and signs nobody in', async () => {
      const browser = new Browser(running.url);
      const login = await browser.post('/auth/login', { username: 'john', password: 'wrong' });
      expect(login.status).toBe(401);
      expect((await browser.get('/profile')).status).toBe(403);
    });

    it('signs out with req.logout(cb): the protected route answers 403, with the new cookie and with the signed-in one', async () => {
      const browser = new Browser(running.url);
      expect((await browser.post('/auth/login', JOHN)).status).toBe(201);
      const signedIn = browser.clone();
      expect((await browser.get('/profile')).status).toBe(200);

      const logout = await browser.post('/auth/logout');
      expect(logout.status).toBe(200);
      expect(logout.body).toEqual({ signedOut: true });
      expect((await browser.get('/profile')).status).toBe(403);
      expect((await signedIn.get('/profile')).status).toBe(403);
    });

    it("shows a connect-flash message on the next request only (req.flash('info', 'hi'), then a redirect)", async () => {
      const browser = new Browser(running.url);
      const set = await browser.get('/flash/set');
      expect(set.status).toBe(302);
      expect(set.headers.get('location')).toBe('/flash/read');
      expect((await browser.get('/flash/read')).body).toEqual({ info: ['hi'] });
      expect((await browser.get('/flash/read')).body).toEqual({ info: [] });
    });
  });

  describe('csrf-sync', () => {
    let running: RunningApp;

    beforeAll(async () => {
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [CsrfController] }, (app: INestApplication) => {
        app.use(app.get(SessionMiddleware).use);
        app.use(csrfSynchronisedProtection);
      });
    });
    afterAll(() => running?.close());

    it('accepts a POST carrying the token generateToken(req) stored in the session, and refuses one without it (403)', async () => {
      const browser = new Browser(running.url);
      const issued = await browser.get('/csrf/token');
      expect(issued.status).toBe(200);
      expect(typeof issued.body.token).toBe('string');
      expect(issued.setCookies).toHaveLength(1);

      const accepted = await browser.post('/csrf/submit', {}, { 'x-csrf-token': issued.body.token });
      expect(accepted.status).toBe(201);
      expect(accepted.body).toEqual({ accepted: true });
      expect((await browser.post('/csrf/submit', {})).status).toBe(403);
      expect((await browser.post('/csrf/submit', {}, { 'x-csrf-token': 'not-the-token' })).status).toBe(403);
    });

    it("refuses a token issued to another browser's session", async () => {
      const token = (await new Browser(running.url).get('/csrf/token')).body.token as string;
      const other = new Browser(running.url);
      await other.get('/csrf/token');
      expect((await other.post('/csrf/submit', {}, { 'x-csrf-token': token })).status).toBe(403);
    });
  });
});
