import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

describe.each(PLATFORMS)('session size limit on %s', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, maxSize: 4096 })], controllers: [SessionController] });
  });
  afterAll(() => running.close());

  it('fails a request that grows the session past maxSize and keeps what was there', async () => {
    const browser = new Browser(running.url);
    await browser.post('/set', { path: 'small', value: 'kept' });
    const reply = await browser.post('/set', { path: 'big', value: 'é'.repeat(3000) });
    expect(reply.status).toBe(500);
    const after = await browser.get('/all');
    expect(after.body).toEqual({ small: 'kept' });
  });

  it('accepts a session just under the limit', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/set', { path: 'big', value: 'x'.repeat(3500) })).status).toBe(200);
    expect(((await browser.get('/get?path=big')).body.value as string).length).toBe(3500);
  });
});
