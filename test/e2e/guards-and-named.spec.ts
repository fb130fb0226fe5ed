import { MemoryStore, SessionModule } from '../../lib/index.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { GuardedController, NamedController, SignedInGuard } from './fixtures/guarded.controller.js';

describe.each(PLATFORMS)('guards, request.session and named sessions on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, sessions: { prefs: { store: new MemoryStore(), idleTimeout: '30d' } } })],
      controllers: [GuardedController, NamedController],
      providers: [SignedInGuard],
    });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('a guard loads the session through SessionManager and the handler gets the same session, also as request.session', async () => {
    await browser.post('/guarded/sign-in');
    expect((await browser.get('/guarded/account')).body).toEqual({ sameSession: true, guardSaw: true });
  });

  it('a guard that rejects still commits what it wrote (a flash for the sign-in page)', async () => {
    expect((await browser.get('/guarded/guard-only')).status).toBe(401);
    expect((await browser.get('/guarded/flash')).body).toEqual({ warning: 'Please sign in first' });
  });

  it('a guard-only route (no session parameter) still persists the session the guard loaded', async () => {
    await browser.post('/guarded/sign-in');
    expect((await browser.get('/guarded/guard-only')).status).toBe(200);
  });

  it('@UseSession() loads the session for code that reaches request.session, whose property writes are saved', async () => {
    await browser.get('/guarded/use-session');
    expect((await browser.get('/guarded/use-session')).body.visits).toBe(2);
  });

  it('keeps a named session in its own cookie and store, beside the default one', async () => {
    const reply = await browser.post('/named/both');
    expect(reply.setCookies.map((line) => parseSetCookie(line).name).sort()).toEqual(['sid', 'sid.prefs']);
    expect((await browser.get('/named/prefs')).body.theme).toBe('dark');
    expect((await browser.get('/named/main')).body).toEqual({ cart: ['book'], theme: null });
  });

  it('request.session reads back what code assigns to it, after holding the loaded session', async () => {
    expect((await browser.get('/guarded/reassign')).body).toEqual({ wasSession: true, readsBackAssigned: true });
  });

  it('a named session outlives the destruction of the default one', async () => {
    await browser.post('/named/both');
    await browser.post('/named/sign-out');
    expect((await browser.get('/named/main')).body.cart).toBeNull();
    expect((await browser.get('/named/prefs')).body.theme).toBe('dark');
  });

  it('gives a named session its own flash bag', async () => {
    await browser.post('/named/prefs-flash');
    expect((await browser.get('/named/prefs-flash')).body).toEqual({ saved: 'Theme saved' });
    expect((await browser.get('/guarded/flash')).body).toEqual({});
  });

  it('a named session inherits settings it does not override, and keeps its own', async () => {
    const reply = await browser.post('/named/both');
    const cookies = Object.fromEntries(reply.setCookies.map((line) => [parseSetCookie(line).name, parseSetCookie(line)]));
    expect(Number(cookies['sid.prefs'].attributes['max-age'])).toBeGreaterThan(29 * 86400);
    expect(Number(cookies.sid.attributes['max-age'])).toBeLessThanOrEqual(2 * 3600);
    expect(cookies['sid.prefs'].attributes).toMatchObject({ httponly: true, samesite: 'Lax' });
  });
});
