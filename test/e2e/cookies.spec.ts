import { MemoryStore, SessionModule, type SessionModuleOptions } from '../../lib/index.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { OLD_SECRET, SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

async function withApp(platform: Platform, options: Omit<SessionModuleOptions, 'secret'> & { secret?: SessionModuleOptions['secret'] }, body: (browser: Browser, running: RunningApp) => Promise<void>) {
  const running = await startApp(platform, {
    imports: [SessionModule.forRoot({ secret: SECRET, ...options })],
    controllers: [SessionController],
  });
  try {
    await body(new Browser(running.url), running);
  } finally {
    await running.close();
  }
}

describe.each(PLATFORMS)('session cookies on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET })], controllers: [SessionController] });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('is HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP, and expires with the session', async () => {
    const reply = await browser.post('/set', { path: 'x', value: 1 });
    const cookie = parseSetCookie(reply.setCookies[0]);
    expect(cookie.name).toBe('sid');
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
    expect(cookie.attributes.secure).toBeUndefined();
    expect(Number(cookie.attributes['max-age'])).toBeGreaterThan(7000);
  });

  it('is Secure when the request came over HTTPS through a trusted proxy', async () => {
    const reply = await browser.post('/set', { path: 'x', value: 1 }, { 'x-forwarded-proto': 'https' });
    expect(parseSetCookie(reply.setCookies[0]).attributes.secure).toBe(true);
  });

  it('carries a signed id: id.signature, 43 + 43 base64url characters', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    expect(browser.cookies.get('sid')).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
  });

  it('gives a fresh empty session for a tampered signature, never another session', async () => {
    await browser.post('/set', { path: 'secret', value: 'mine' });
    const value = browser.cookies.get('sid')!;
    const flipped = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.at(-1);
    const attacker = new Browser(running.url);
    attacker.cookies.set('sid', flipped);
    const reply = await attacker.get('/get?path=secret');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ value: null, isNew: true });
  });

  it.each([
    ['garbage', 'not-a-session'],
    ['an empty value', ''],
    ['a dot only', '.'],
    ['percent junk', '%E0%A4%A'],
    ['a huge value', 'x'.repeat(8000)],
    ['quotes', '"abc.def"'],
    ['an id without signature', 'A'.repeat(43)],
  ])('answers a cookie holding %s with a fresh session, never a 5xx', async (_label, value) => {
    const reply = await browser.get('/get?path=x', { cookie: `sid=${value}` });
    expect(reply.status).toBe(200);
    expect(reply.body.isNew).toBe(true);
  });

  it('never adopts a validly signed id the store does not know (fixation)', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    const planted = new Browser(running.url);
    planted.cookies.set('sid', browser.cookies.get('sid')!);
    await browser.post('/destroy');
    const reply = await planted.post('/set', { path: 'y', value: 2 });
    const issued = parseSetCookie(reply.setCookies[0]).value;
    expect(issued.split('.')[0]).not.toBe(browser.cookies.get('sid')?.split('.')[0]);
    expect((await planted.get('/get?path=y')).body.id).toBe(issued.split('.')[0]);
  });

  it('reads the first validly signed cookie when several share the name', async () => {
    await browser.post('/set', { path: 'x', value: 'real' });
    const real = browser.cookies.get('sid')!;
    const reply = await new Browser(running.url).get('/get?path=x', { cookie: `sid=forged.value; sid=${real}` });
    expect(reply.body.value).toBe('real');
  });
});

describe.each(PLATFORMS)('cookie options on %s', (platform) => {
  it('rotates secrets: an old-secret cookie still works, is re-signed with the new secret, and dies once the old secret is dropped', async () => {
    const store = new MemoryStore(); // one store across the restarts, as Redis or a database would be
    let oldCookie = '';
    let newCookie = '';
    await withApp(platform, { secret: OLD_SECRET, store }, async (browser) => {
      await browser.post('/set', { path: 'kept', value: 'yes' });
      oldCookie = browser.cookies.get('sid')!;
    });
    await withApp(platform, { secret: [SECRET, OLD_SECRET], store }, async (browser) => {
      browser.cookies.set('sid', oldCookie);
      const reply = await browser.get('/get?path=kept');
      expect(reply.body.value).toBe('yes');
      expect(reply.setCookies).toHaveLength(1);
      newCookie = browser.cookies.get('sid')!;
      expect(newCookie).not.toBe(oldCookie);
      expect(newCookie.split('.')[0]).toBe(oldCookie.split('.')[0]);
      expect((await browser.get('/get?path=kept')).setCookies).toEqual([]);
    });
    await withApp(platform, { secret: SECRET, store }, async (browser) => {
      browser.cookies.set('sid', newCookie);
      expect((await browser.get('/get?path=kept')).body.value).toBe('yes');
      const stale = new Browser(browser.baseUrl);
      stale.cookies.set('sid', oldCookie);
      expect((await stale.get('/get?path=kept')).body).toMatchObject({ value: null, isNew: true });
    });
  });

  it('writes partitioned, strict and __Host- cookies as configured', async () => {
    await withApp(platform, { cookie: { name: '__Host-sid', sameSite: 'strict', partitioned: true, priority: 'high' } }, async (browser) => {
      const reply = await browser.post('/set', { path: 'x', value: 1 });
      const cookie = parseSetCookie(reply.setCookies[0]);
      expect(cookie.name).toBe('__Host-sid');
      expect(cookie.attributes).toMatchObject({ secure: true, samesite: 'Strict', partitioned: true, path: '/', priority: 'High' });
      expect(cookie.attributes.domain).toBeUndefined();
    });
  });

  it('expireOnClose writes a browser-session cookie with no Expires or Max-Age', async () => {
    await withApp(platform, { expireOnClose: true }, async (browser) => {
      const reply = await browser.post('/set', { path: 'x', value: 1 });
      const cookie = parseSetCookie(reply.setCookies[0]);
      expect(cookie.attributes.expires).toBeUndefined();
      expect(cookie.attributes['max-age']).toBeUndefined();
      expect((await browser.get('/get?path=x')).body.value).toBe(1);
    });
  });

  it('honours a custom name, domain and path', async () => {
    await withApp(platform, { cookie: { name: 'app_session', domain: 'example.test', path: '/' , httpOnly: false, secure: true } }, async (browser) => {
      const cookie = parseSetCookie((await browser.post('/set', { path: 'x', value: 1 })).setCookies[0]);
      expect(cookie).toMatchObject({ name: 'app_session' });
      expect(cookie.attributes).toMatchObject({ domain: 'example.test', secure: true });
      expect(cookie.attributes.httponly).toBeUndefined();
    });
  });
});
