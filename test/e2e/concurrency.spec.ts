import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

describe.each(PLATFORMS)('parallel requests on one session on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET })], controllers: [SessionController] });
  });
  afterAll(() => running.close());
  beforeEach(async () => {
    browser = new Browser(running.url);
    await browser.post('/set', { path: 'started', value: true });
  });

  it('loses none of 20 parallel increments', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => browser.post('/increment', { path: 'hits' })));
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    expect((await browser.get('/get?path=hits')).body.value).toBe(20);
  });

  it('loses none of 15 parallel pushes', async () => {
    await Promise.all(Array.from({ length: 15 }, (_, i) => browser.post('/push', { path: 'items', values: [i] })));
    const items = (await browser.get('/get?path=items')).body.value as number[];
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('keeps parallel writes to different keys', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => browser.post('/set', { path: `keys.k${i}`, value: i })));
    expect(Object.keys((await browser.get('/get?path=keys')).body.value)).toHaveLength(10);
  });

  it('a logout sticks: writes racing a destroy never bring the session back', async () => {
    const stolen = browser.clone();
    await Promise.all([
      ...Array.from({ length: 10 }, () => browser.post('/increment', { path: 'hits' })),
      browser.clone().post('/destroy'),
    ]);
    expect((await stolen.get('/get?path=started')).body).toMatchObject({ value: null, isNew: true });
  });
});
