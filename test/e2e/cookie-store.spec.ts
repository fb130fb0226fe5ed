import { CookieStore, SessionModule, type SessionModuleOptions } from '../../lib/index.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { OLD_SECRET, SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cookieApp(platform: Platform, options: Partial<SessionModuleOptions> = {}): Promise<RunningApp> {
  return startApp(platform, {
    imports: [SessionModule.forRoot({ secret: SECRET, store: new CookieStore(), ...options } as SessionModuleOptions)],
    controllers: [SessionController],
  });
}

describe.each(PLATFORMS)('CookieStore on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await cookieApp(platform);
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('keeps the session in the cookie across requests, flash included', async () => {
    await browser.post('/set', { path: 'user.name', value: 'Ada' });
    await browser.post('/flash', { key: 'notice', value: 'hello' });
    expect((await browser.get('/flash')).body).toEqual({ notice: 'hello' });
    expect((await browser.get('/get?path=user.name')).body.value).toBe('Ada');
  });

  it('holds no readable data: the cookie is ciphertext', async () => {
    await browser.post('/set', { path: 'secret', value: 'PLAINTEXT-MARKER' });
    const value = browser.cookies.get('sid')!;
    expect(value).not.toContain('PLAINTEXT');
    expect(Buffer.from(value, 'base64url').toString('latin1')).not.toContain('PLAINTEXT-MARKER');
  });

  it('gives a fresh session for a tampered cookie, never a 5xx', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    const value = browser.cookies.get('sid')!;
    const middle = Math.floor(value.length / 2);
    browser.cookies.set('sid', value.slice(0, middle) + (value[middle] === 'A' ? 'B' : 'A') + value.slice(middle + 1));
    const reply = await browser.get('/get?path=x');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ value: null, isNew: true });
  });

  it('re-seals on every change: the cookie carries the new data', async () => {
    await browser.post('/increment', { path: 'n' });
    const first = browser.cookies.get('sid');
    await browser.post('/increment', { path: 'n' });
    expect(browser.cookies.get('sid')).not.toBe(first);
    expect((await browser.get('/get?path=n')).body.value).toBe(2);
  });

  it('expires the cookie on destroy', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    const reply = await browser.post('/destroy');
    expect(parseSetCookie(reply.setCookies[0]).attributes['max-age']).toBe('0');
  });

  it('never sends a cookie over 4096 bytes: a session too large fails its request and saves nothing', async () => {
    await browser.post('/set', { path: 'small', value: 'kept' });
    const reply = await browser.post('/set', { path: 'big', value: 'x'.repeat(5000) });
    expect(reply.status).toBe(500);
    expect(reply.setCookies.every((line) => line.length <= 4096)).toBe(true);
    expect((await browser.get('/get?path=small')).body.value).toBe('kept');
  });
});

describe.each(PLATFORMS)('CookieStore secrets and expiry on %s', (platform) => {
  it('refuses a cookie sealed under another secret', async () => {
    const a = await cookieApp(platform, { secret: OLD_SECRET });
    const b = await cookieApp(platform);
    try {
      const browser = new Browser(a.url);
      await browser.post('/set', { path: 'x', value: 1 });
      const other = new Browser(b.url);
      other.cookies.set('sid', browser.cookies.get('sid')!);
      expect((await other.get('/get?path=x')).body).toMatchObject({ value: null, isNew: true });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('opens a cookie sealed under an older listed secret and re-seals it under the first', async () => {
    const old = await cookieApp(platform, { secret: OLD_SECRET });
    const rotated = await cookieApp(platform, { secret: [SECRET, OLD_SECRET] });
    const current = await cookieApp(platform, { secret: SECRET });
    try {
      const browser = new Browser(old.url);
      await browser.post('/set', { path: 'x', value: 'kept' });
      const onRotated = new Browser(rotated.url);
      onRotated.cookies.set('sid', browser.cookies.get('sid')!);
      const reply = await onRotated.get('/get?path=x');
      expect(reply.body.value).toBe('kept');
      expect(reply.setCookies).toHaveLength(1);
      const onCurrent = new Browser(current.url);
      onCurrent.cookies.set('sid', onRotated.cookies.get('sid')!);
      expect((await onCurrent.get('/get?path=x')).body.value).toBe('kept');
    } finally {
      await Promise.all([old.close(), rotated.close(), current.close()]);
    }
  });

  it('refuses a replayed cookie once its sealed expiry has passed', async () => {
    const running = await cookieApp(platform, { idleTimeout: 1500 });
    try {
      const browser = new Browser(running.url);
      await browser.post('/set', { path: 'x', value: 1 });
      const captured = browser.cookies.get('sid')!;
      await sleep(1700);
      const replay = new Browser(running.url);
      replay.cookies.set('sid', captured);
      expect((await replay.get('/get?path=x')).body).toMatchObject({ value: null, isNew: true });
    } finally {
      await running.close();
    }
  });
});
