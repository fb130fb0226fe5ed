import { MemoryStore, SessionModule } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { CountingStore } from '../support/counting-store.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { CommitController } from './fixtures/commit.controller.js';
import { SessionController } from './fixtures/session.controller.js';

describe.each(PLATFORMS)('when sessions are committed, on %s', (platform) => {
  let running: RunningApp;
  let store: CountingStore;
  let browser: Browser;

  beforeAll(async () => {
    store = new CountingStore(new MemoryStore());
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, store, idleTimeout: '1h', touchAfter: 400 })],
      controllers: [SessionController, CommitController],
    });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
    store.reset();
  });

  it('a route that uses no session makes no store call and sets no cookie, even with a session cookie', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    store.reset();
    const reply = await browser.get('/untouched');
    expect(store.calls).toEqual([]);
    expect(reply.setCookies).toEqual([]);
    expect(reply.headers.get('vary')).toBeNull();
  });

  it('a first visit that only reads creates nothing: no store write, no cookie', async () => {
    const reply = await browser.get('/commit/read');
    expect(store.calls).toEqual([]);
    expect(reply.setCookies).toEqual([]);
  });

  it('a loaded but unused session is not written and sets no cookie', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    store.reset();
    const reply = await browser.get('/loaded-unused');
    expect(store.calls).toEqual(['get']);
    expect(reply.setCookies).toEqual([]);
  });

  it('a read within touchAfter costs one store read and no write or cookie', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    store.reset();
    const reply = await browser.get('/commit/read');
    expect(store.calls).toEqual(['get']);
    expect(reply.setCookies).toEqual([]);
  });

  it('an unchanged session is touched (store and cookie) once touchAfter has passed', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    await new Promise((resolve) => setTimeout(resolve, 450));
    store.reset();
    const reply = await browser.get('/commit/read');
    expect(store.calls).toEqual(['get', 'touch']);
    expect(reply.setCookies).toHaveLength(1);
  });

  it('a write costs one read and one write', async () => {
    await browser.post('/commit/write');
    store.reset();
    await browser.post('/commit/write');
    expect(store.calls).toEqual(['get', 'set']);
  });

  it('sends Vary: Cookie whenever the session was used, keeping other Vary values', async () => {
    expect((await browser.get('/commit/read')).headers.get('vary')).toBe('Cookie');
    expect((await browser.get('/commit/vary')).headers.get('vary')).toMatch(/^Accept-Encoding, Cookie$/i);
  });

  it('persists nothing from a request that ends in a 5xx HttpException', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    expect((await browser.post('/fail-500')).status).toBe(500);
    expect((await browser.get('/get?path=failed')).body.value).toBeNull();
  });

  it('persists nothing from a request that crashes with a plain Error', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    expect((await browser.post('/crash')).status).toBe(500);
    expect((await browser.get('/get?path=crashed')).body.value).toBeNull();
  });

  it('a brand-new session that ends in a 5xx sets no cookie', async () => {
    const reply = await browser.post('/fail-500');
    expect(reply.setCookies).toEqual([]);
  });

  it('persists changes from a request that throws a 4xx HttpException', async () => {
    expect((await browser.post('/fail-400')).status).toBe(400);
    expect((await browser.get('/get?path=rejected.attempts')).body.value).toBe(1);
  });

  it('persists changes from a @Redirect handler before the redirect leaves', async () => {
    const reply = await browser.post('/redirect');
    expect(reply.status).toBe(303);
    expect(reply.headers.get('location')).toBe('/get?path=redirected');
    expect((await browser.get('/get?path=redirected')).body.value).toBe('yes');
  });

  it('persists changes from a handler that writes the response itself with @Res()', async () => {
    const reply = await browser.post('/raw-response');
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ written: 'by hand' });
    expect(reply.setCookies).toHaveLength(1);
    expect((await browser.get('/get?path=viaRes')).body.value).toBe('yes');
  });

  it('persists changes from an @Res() handler that answers after it returned', async () => {
    const reply = await browser.post('/raw-response-late');
    expect(reply.status).toBe(202);
    expect((await browser.get('/get?path=viaResLate')).body.value).toBe('yes');
  });

  it('saves everything a handler returning an Observable changed while emitting, before Nest sends its last value', async () => {
    const reply = await browser.post('/commit/observable');
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ step: 3 });
    expect(reply.setCookies).toHaveLength(1);
    expect((await browser.get('/get?path=steps')).body.value).toEqual([1, 2, 3]);
  });

  it('keeps what an Observable changed before it failed with a 4xx', async () => {
    expect((await browser.post('/commit/observable-400')).status).toBe(400);
    expect((await browser.get('/get?path=observableRejected')).body.value).toBe(true);
  });
});

describe.each(PLATFORMS)('a handler that returns an Observable, on %s', (platform) => {
  const chosen = ['FileStore', 'TypeOrmStore on SQLite', 'RedisStore'];
  describe.each(backends().filter((b) => chosen.includes(b.name)).map((b) => [b.name, b] as const))('over %s', (_name, backend) => {
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [SessionController, CommitController] });
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('saves everything it changed while emitting, before Nest sends its last value', async () => {
      const browser = new Browser(running.url);
      const reply = await browser.post('/commit/observable');
      expect(reply.body).toEqual({ step: 3 });
      expect(reply.setCookies).toHaveLength(1);
      expect((await browser.get('/get?path=steps')).body.value).toEqual([1, 2, 3]);
    });

    it('keeps what it changed before it failed with a 4xx', async () => {
      const browser = new Browser(running.url);
      expect((await browser.post('/commit/observable-400')).status).toBe(400);
      expect((await browser.get('/get?path=observableRejected')).body.value).toBe(true);
    });
  });
});
