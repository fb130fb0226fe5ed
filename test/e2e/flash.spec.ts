import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

describe.each(PLATFORMS)('flash messages on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET })], controllers: [SessionController] });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('shows a flash in the same request and the next one, then never again', async () => {
    expect((await browser.post('/flash', { key: 'success', value: 'Saved' })).body.sameRequest).toBe('Saved');
    expect((await browser.get('/flash')).body).toEqual({ success: 'Saved' });
    expect((await browser.get('/flash')).body).toEqual({});
  });

  it('treats falsy values as values', async () => {
    await browser.post('/flash', { values: { count: 0, flag: false, empty: '' } });
    expect((await browser.get('/flash')).body).toEqual({ count: 0, flag: false, empty: '' });
  });

  it('shows flash.now() values in this request only', async () => {
    expect((await browser.post('/flash-now', { key: 'hint', value: 'Just now' })).body.sameRequest).toBe('Just now');
    expect((await browser.get('/flash')).body).toEqual({});
  });

  it('is consumed by the next request that uses the session, even one that only sets another flash', async () => {
    await browser.post('/flash', { key: 'first', value: 1 });
    await browser.post('/flash', { key: 'second', value: 2 });
    expect((await browser.get('/flash')).body).toEqual({ second: 2 });
  });

  it('reflash() keeps every message one more request', async () => {
    await browser.post('/flash', { values: { a: 1, b: 2 } });
    expect((await browser.get('/reflash')).body).toEqual({ a: 1, b: 2 });
    expect((await browser.get('/flash')).body).toEqual({ a: 1, b: 2 });
    expect((await browser.get('/flash')).body).toEqual({});
  });

  it('reflash(keys) keeps only the named messages', async () => {
    await browser.post('/flash', { values: { a: 1, b: 2 } });
    await browser.get('/reflash?keys=b');
    expect((await browser.get('/flash')).body).toEqual({ b: 2 });
  });

  it('keep(key) keeps one message one more request', async () => {
    await browser.post('/flash', { values: { a: 1, b: 2 } });
    await browser.get('/keep?key=a');
    expect((await browser.get('/flash')).body).toEqual({ a: 1 });
  });

  it('is not consumed by requests that never use the session', async () => {
    await browser.post('/flash', { key: 'notice', value: 'Still here' });
    await browser.get('/untouched');
    await browser.get('/untouched');
    expect((await browser.get('/flash')).body).toEqual({ notice: 'Still here' });
  });

  it('is not consumed by a handler that receives the session but never uses it', async () => {
    await browser.post('/flash', { key: 'notice', value: 'Still here' });
    await browser.get('/loaded-unused');
    expect((await browser.get('/flash')).body).toEqual({ notice: 'Still here' });
  });

  it('survives a 4xx response: a flashed form error reaches the next page', async () => {
    expect((await browser.post('/fail-400')).status).toBe(400);
    expect((await browser.get('/flash')).body).toEqual({ error: 'Fix the form' });
  });

  it('is neither set nor aged by a 5xx response', async () => {
    await browser.post('/flash', { key: 'notice', value: 'Before the crash' });
    expect((await browser.post('/fail-500')).status).toBe(500);
    expect((await browser.get('/flash')).body).toEqual({ notice: 'Before the crash' });
  });

  it('is cleared by session.clear()', async () => {
    await browser.post('/flash', { key: 'notice', value: 'x' });
    await browser.post('/clear');
    expect((await browser.get('/flash')).body).toEqual({});
  });
});
