import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import helmet from 'helmet';
import { MemoryStore, SessionModule, type SessionStore } from '../../lib/index.js';
import { Browser, type Reply } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { ExceptionLayerController, ShapingFilter } from './fixtures/exception-layer.controller.js';
import { FailingWritesStore } from './fixtures/failing-writes.store.js';

/**
 * Issue 19 item 4: a commit that fails before anything was written goes
 * through Nest's exception layer (503 for a store that fails, 500 for a
 * session over maxSize), so the app's own filter shapes it and the headers
 * its middleware set earlier (CORS, helmet) are still there.
 */
const ORIGIN = 'http://example.test';
const MAX_SIZE = 1024;

/** Express: helmet; Fastify: @fastify/helmet is not installed, so CORS alone. */
function secureApp(platform: Platform) {
  return (app: INestApplication) => {
    app.enableCors({ origin: ORIGIN });
    if (platform === 'express') app.use(helmet());
    app.useGlobalFilters(new ShapingFilter(app.get(HttpAdapterHost)));
  };
}

function expectHeadersSetEarlier(platform: Platform, reply: Reply): void {
  expect(reply.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  if (platform === 'express') {
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'self'");
  }
}

const stores = [
  ['a store answering through promises', () => new FailingWritesStore()],
  ['MemoryStore', () => new MemoryStore()],
] as const;
const cases = PLATFORMS.flatMap((platform) => stores.map(([name, make]) => [platform, name, make] as const));

describe.each(cases)('commit failures through the exception layer on %s with %s', (platform, _name, makeStore) => {
  failOnProcessErrors();
  let store: SessionStore;
  let running: RunningApp;
  let browser: Browser;
  const origin = { origin: ORIGIN };

  beforeAll(async () => {
    store = makeStore();
    running = await startApp(
      platform,
      { imports: [SessionModule.forRoot({ secret: SECRET, store, maxSize: MAX_SIZE })], controllers: [ExceptionLayerController] },
      secureApp(platform),
    );
  });
  afterAll(() => running?.close());
  beforeEach(() => {
    browser = new Browser(running.url);
    if (store instanceof FailingWritesStore) store.failWrites = false;
  });

  if (makeStore() instanceof FailingWritesStore) {
    it("answers a write the store refuses with the app filter's 503, CORS and helmet headers kept, nothing saved", async () => {
      const failing = store as FailingWritesStore;
      expect((await browser.post('/layer/write', undefined, origin)).body).toEqual({ n: 1 });

      failing.failWrites = true;
      const refused = await browser.post('/layer/write', undefined, origin);
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ shaped: true, status: 503 });
      expectHeadersSetEarlier(platform, refused);
      expect(refused.setCookies).toEqual([]);

      failing.failWrites = false;
      expect((await browser.post('/layer/write', undefined, origin)).body).toEqual({ n: 2 });
    });

    it("answers a new session's refused first write with the filter's 503 and no cookie", async () => {
      (store as FailingWritesStore).failWrites = true;
      const refused = await browser.post('/layer/write', undefined, origin);
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ shaped: true, status: 503 });
      expectHeadersSetEarlier(platform, refused);
      expect(refused.setCookies).toEqual([]);
    });
  }

  it("answers a session grown over maxSize with the app filter's 500, CORS and helmet headers kept, nothing saved", async () => {
    expect((await browser.post('/layer/write', undefined, origin)).body).toEqual({ n: 1 });

    const tooBig = await browser.post('/layer/big', { bytes: MAX_SIZE * 2 }, origin);
    expect(tooBig.status).toBe(500);
    expect(tooBig.body).toEqual({ shaped: true, status: 500 });
    expectHeadersSetEarlier(platform, tooBig);
    expect(tooBig.setCookies).toEqual([]);

    expect((await browser.get('/layer/read', origin)).body).toEqual({ n: 1, blob: 0 });
  });
});
