import { MemoryStore, SessionManager, SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { AccountController } from './fixtures/contexts/account.controller.js';
import { AccountService } from './fixtures/contexts/account.service.js';

describe.each(PLATFORMS)('sessionManager.current() in services with asyncContext on %s', (platform) => {
  failOnProcessErrors();
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, sessions: { prefs: { store: new MemoryStore() } }, asyncContext: true })],
      controllers: [AccountController],
      providers: [AccountService],
    });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('a service called by a controller reads the request\'s session without being handed the request', async () => {
    expect((await browser.post('/account/sign-in', { name: 'ada' })).body).toMatchObject({ loaded: true, user: 'ada' });
    expect((await browser.get('/account')).body).toMatchObject({ loaded: true, user: 'ada', cart: [] });
  });

  it('what a service writes through current() is saved with the response', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    await browser.post('/account/cart', { item: 'pen' });
    expect((await browser.get('/account')).body.cart).toEqual(['pen']);
  });

  it('current(\'prefs\') answers a named session the handler loaded', async () => {
    await browser.post('/account/theme', { theme: 'dark' });
    expect((await browser.get('/account')).body.theme).toBe('dark');
  });

  it('answers undefined when the handler loaded no session, and the response sets no cookie', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const reply = await browser.get('/account/no-session');
    expect(reply.body).toEqual({ loaded: false, user: null, cart: [], theme: null });
    expect(reply.setCookies).toEqual([]);
  });

  it('answers undefined outside any request', () => {
    const manager = running.app.get(SessionManager);
    expect(manager.current()).toBeUndefined();
    expect(manager.current('prefs')).toBeUndefined();
  });

  it('parallel requests each see their own session, however their awaits interleave', async () => {
    const users = ['ada', 'grace', 'alan', 'barbara'];
    const browsers = users.map(() => new Browser(running.url));
    await Promise.all(users.map((name, i) => browsers[i]!.post('/account/sign-in', { name })));
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, n) => browsers[n % users.length]!.get(`/account/slow?ms=${(n * 7) % 30}`).then((reply) => [n % users.length, reply.body.user] as const)),
    );
    for (const [i, user] of replies) expect(user).toBe(users[i]);
  });

  it('current(request) still answers the session that request loaded, the same object', async () => {
    expect((await browser.get('/account/by-request')).body).toEqual({ loaded: true, same: true });
  });
});

describe.each(PLATFORMS)('sessionManager.current() without asyncContext on %s', (platform) => {
  failOnProcessErrors();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, sessions: { prefs: { store: new MemoryStore() } } })],
      controllers: [AccountController],
      providers: [AccountService],
    });
  });
  afterAll(() => running.close());

  it('says how to turn it on, instead of answering undefined for a session that is there', async () => {
    const reply = await new Browser(running.url).get('/account');
    expect(reply.status).toBe(500);
    expect(() => running.app.get(SessionManager).current()).toThrow(/SessionModule\.forRoot\(\{ asyncContext: true \}\)/);
  });

  it('current(request) needs no async context', async () => {
    expect((await new Browser(running.url).get('/account/by-request')).body).toEqual({ loaded: true, same: null });
  });
});
