import { SessionModule } from '../../lib/index.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(PLATFORMS)('session expiry on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, idleTimeout: 2000, touchAfter: 100, absoluteTimeout: '5s' })],
      controllers: [SessionController],
    });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('ends a session left idle longer than idleTimeout', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    await sleep(2200);
    expect((await browser.get('/get?path=x')).body).toMatchObject({ value: null, isNew: true });
  });

  it('slides: a session used more often than idleTimeout outlives it', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    for (let i = 0; i < 3; i++) {
      await sleep(900);
      expect((await browser.get('/get?path=x')).body.value).toBe(1);
    }
  });

  it('re-sends the cookie with a fresh expiry as the session slides', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    await sleep(1100);
    const touched = (await browser.get('/get?path=x')).setCookies;
    expect(touched).toHaveLength(1);
    expect(Number(parseSetCookie(touched[0]).attributes['max-age'])).toBe(2);
  });

  it('ends an active session once absoluteTimeout has passed since it was created', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline - 1500) {
      await sleep(900);
      expect((await browser.get('/get?path=x')).body.value).toBe(1);
    }
    await sleep(Math.max(0, deadline - Date.now()) + 200);
    expect((await browser.get('/get?path=x')).body).toMatchObject({ value: null, isNew: true });
  });

  it('never sets a cookie that outlives the absolute timeout, however long idleTimeout is', async () => {
    const capped = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, idleTimeout: '1h', absoluteTimeout: '2s' })],
      controllers: [SessionController],
    });
    try {
      const reply = await new Browser(capped.url).post('/set', { path: 'x', value: 1 });
      const maxAge = Number(parseSetCookie(reply.setCookies[0]).attributes['max-age']);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(2);
    } finally {
      await capped.close();
    }
  });
});
