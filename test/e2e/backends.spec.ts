import { SessionModule, type Duration } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cases = backends().flatMap((backend) => PLATFORMS.map((platform) => [backend.name, platform, backend] as const));

async function boot(platform: Platform, opened: OpenedStore, idleTimeout: Duration = '1h'): Promise<RunningApp> {
  return startApp(platform, {
    imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store, idleTimeout, touchAfter: 100 })],
    controllers: [SessionController],
  });
}

describe.each(cases)('sessions on %s over %s', (_name, platform, backend) => {
  let opened: OpenedStore;
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    opened = await backend.open();
    running = await boot(platform, opened);
  });
  afterAll(async () => {
    await running.close();
    await opened.close();
  });
  beforeEach(async () => {
    browser = new Browser(running.url);
    await browser.post('/set', { path: 'started', value: true });
  });

  it('loses none of 20 parallel increments', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => browser.post('/increment', { path: 'hits' })));
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    expect((await browser.get('/get?path=hits')).body.value).toBe(20);
  });

  it('loses none of 15 parallel pushes', async () => {
    const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => browser.post('/push', { path: 'items', values: [i] })));
    expect(replies.map((reply) => reply.status)).toEqual(Array(15).fill(200));
    expect(((await browser.get('/get?path=items')).body.value as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('keeps parallel writes to different keys', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => browser.post('/set', { path: `keys.k${i}`, value: i })));
    expect(Object.keys((await browser.get('/get?path=keys')).body.value)).toHaveLength(8);
  });

  it('never lets slower writes resurrect a destroyed session', async () => {
    const stolen = browser.clone();
    await Promise.all([...Array.from({ length: 8 }, () => browser.post('/increment', { path: 'hits' })), browser.clone().post('/destroy')]);
    expect((await stolen.get('/get?path=started')).body).toMatchObject({ value: null, isNew: true });
  });

  it('regenerate and destroy remove the old record', async () => {
    const before = browser.clone();
    await browser.post('/regenerate');
    expect((await before.get('/get?path=started')).body.isNew).toBe(true);
    const regenerated = browser.clone();
    await browser.post('/destroy');
    expect((await regenerated.get('/get?path=started')).body.isNew).toBe(true);
  });

  if (backend.durable) {
    it('a session and its flash survive an app restart on the same backend', async () => {
      await browser.post('/flash', { key: 'notice', value: 'across restarts' });
      const reopened = await backend.open();
      const restarted = await boot(platform, reopened);
      try {
        const again = new Browser(restarted.url);
        for (const [k, v] of browser.cookies) again.cookies.set(k, v);
        expect((await again.get('/flash')).body).toEqual({ notice: 'across restarts' });
        expect((await again.get('/get?path=started')).body.value).toBe(true);
      } finally {
        await restarted.close();
        await reopened.close();
      }
    });
  }

  it('enforces the idle timeout', async () => {
    const reopened = await backend.open();
    const short = await boot(platform, reopened, 1200);
    try {
      const visitor = new Browser(short.url);
      await visitor.post('/set', { path: 'x', value: 1 });
      expect((await visitor.get('/get?path=x')).body.value).toBe(1);
      await sleep(1500);
      expect((await visitor.get('/get?path=x')).body).toMatchObject({ value: null, isNew: true });
    } finally {
      await short.close();
      await reopened.close();
    }
  });
});

describe.each(backends().filter((backend) => backend.durable).map((backend) => backend.name))('two app instances sharing %s', (name) => {
  it('lose no update when one user\'s parallel requests are spread across both', async () => {
    const backend = backends().find((candidate) => candidate.name === name)!;
    const [first, second] = [await backend.open(), await backend.open()];
    const [a, b] = [await boot('express', first), await boot('fastify', second)];
    try {
      const browserA = new Browser(a.url);
      await browserA.post('/set', { path: 'started', value: true });
      const browserB = new Browser(b.url);
      for (const [k, v] of browserA.cookies) browserB.cookies.set(k, v);
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? browserA : browserB).post('/increment', { path: 'hits' })),
      );
      expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
      expect((await browserA.get('/get?path=hits')).body.value).toBe(20);
    } finally {
      await a.close();
      await b.close();
      await first.close();
      await second.close();
    }
  });
});
