import { CookieStore, SessionModule, type SessionStore } from '../../lib/index.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { RememberMeController } from './fixtures/remember-me.controller.js';

const DAY = 24 * 3600 * 1000;
const chosen = ['MemoryStore', 'FileStore', 'TypeOrmStore on SQLite', 'RedisStore'];
const stores: { name: string; open: () => Promise<OpenedStore> }[] = [
  ...backends().filter((b) => chosen.includes(b.name)),
  { name: 'CookieStore', open: async () => ({ store: new CookieStore() as SessionStore, close: async () => {} }) },
];

function cookieExpiry(line: string): number | undefined {
  const expires = parseSetCookie(line).attributes['expires'];
  return typeof expires === 'string' ? Date.parse(expires) : undefined;
}

describe.each(PLATFORMS)('"remember me": a session with its own lifetime on %s', (platform) => {
  describe.each(stores.map((s) => [s.name, s] as const))('over %s', (_name, { open }) => {
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await open();
      // Browser-session cookies by default, as sites with a "remember me" box usually have.
      running = await startApp(platform, {
        imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store, idleTimeout: '2h', absoluteTimeout: '90d', expireOnClose: true })],
        controllers: [RememberMeController],
      });
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('keeps a remembered sign-in for 30 days in a persistent cookie, and a plain one in a browser-session cookie', async () => {
      const remembered = new Browser(running.url);
      const signIn = await remembered.post('/remember/sign-in', { remember: true });
      expect(signIn.body.lifetimeMs).toBe(30 * DAY);
      const expires = cookieExpiry(signIn.setCookies[0]!);
      expect(expires).toBeGreaterThan(Date.now() + 29 * DAY);
      const me = await remembered.get('/remember/me');
      expect(me.body.userId).toBe(7);
      expect(me.body.lifetimeMs).toBe(30 * DAY); // kept by the store (or the sealed cookie), not only this request
      expect(me.body.expiresInMs).toBeGreaterThan(29 * DAY);

      const plain = new Browser(running.url);
      const plainSignIn = await plain.post('/remember/sign-in', { remember: false });
      expect(cookieExpiry(plainSignIn.setCookies[0]!)).toBeUndefined();
      expect((await plain.get('/remember/me')).body.expiresInMs).toBeLessThanOrEqual(2 * 3600 * 1000);
    });

    it('gives a session its own lifetime through express-session\'s cookie.maxAge', async () => {
      const browser = new Browser(running.url);
      const reply = await browser.post('/remember/express-dialect');
      expect(reply.body.maxAge).toBeGreaterThan(7 * DAY - 60_000);
      expect(cookieExpiry(reply.setCookies[0]!)).toBeGreaterThan(Date.now() + 6 * DAY);
      expect((await browser.get('/remember/me')).body).toMatchObject({ userId: 8, lifetimeMs: 7 * DAY });
    });

    it('forgets the lifetime on sign-out (invalidate): the next session lives by the module\'s idleTimeout', async () => {
      const browser = new Browser(running.url);
      await browser.post('/remember/sign-in', { remember: true });
      expect((await browser.post('/remember/forget')).body.lifetimeMs).toBe(2 * 3600 * 1000);
    });
  });
});
