import { SessionModule } from '../../lib/index.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

describe.each(PLATFORMS)('regenerate, invalidate and destroy on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET })], controllers: [SessionController] });
  });
  afterAll(() => running.close());
  beforeEach(async () => {
    browser = new Browser(running.url);
    await browser.post('/set', { path: 'user.id', value: 7 });
  });

  it('regenerate() issues a new id, keeps the data, and kills the old id', async () => {
    const stolen = browser.clone();
    const { before, after } = (await browser.post('/regenerate')).body;
    expect(after).not.toBe(before);
    expect((await browser.get('/get?path=user.id')).body).toMatchObject({ value: 7, id: after });
    const replay = (await stolen.get('/get?path=user.id')).body;
    expect(replay).toMatchObject({ value: null, isNew: true });
    expect(replay.id).not.toBe(before);
  });

  it('invalidate() issues a new id with no data, and kills the old id', async () => {
    const stolen = browser.clone();
    const reply = (await browser.post('/invalidate')).body;
    expect(reply.data).toEqual({});
    expect((await browser.get('/get?path=user.id')).body.value).toBeNull();
    expect((await stolen.get('/get?path=user.id')).body.value).toBeNull();
  });

  it('destroy() deletes the session and expires its cookie', async () => {
    const stolen = browser.clone();
    const reply = await browser.post('/destroy');
    const cookie = parseSetCookie(reply.setCookies[0]);
    expect(cookie).toMatchObject({ name: 'sid', value: '' });
    expect(cookie.attributes['max-age']).toBe('0');
    expect(cookie.attributes.path).toBe('/');
    expect(browser.cookies.has('sid')).toBe(false);
    expect((await stolen.get('/get?path=user.id')).body).toMatchObject({ value: null, isNew: true });
  });

  it('destroy() followed by a flash starts a fresh session that carries only the flash', async () => {
    const stolen = browser.clone();
    await browser.post('/destroy?flash=Signed%20out');
    expect((await browser.get('/flash')).body).toEqual({ notice: 'Signed out' });
    expect((await browser.get('/get?path=user.id')).body.value).toBeNull();
    expect((await stolen.get('/get?path=user.id')).body.value).toBeNull();
  });
});
