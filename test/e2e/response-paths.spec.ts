import compression from 'compression';
import { gunzipSync } from 'node:zlib';
import { SessionModule } from '../../lib/index.js';
import { backends, type Backend, type OpenedStore } from '../support/backends.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { rawRequest } from '../support/raw-request.js';
import { ResponsePathsController, TEXT_FILE } from './fixtures/response-paths.controller.js';

/**
 * Issue 19 ("nothing on the response path throws into the process") and
 * issue 20 item 6 ("what is saved matches the status the client got"), on
 * every store: the in-process one and the ones whose commit waits on I/O
 * (files, SQLite, PostgreSQL, Redis, a Redis Cluster).
 */
const ALL = backends();
const cases = ALL.flatMap((backend) => PLATFORMS.map((platform) => [platform, backend.name, backend] as const));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a browser receiving an event stream gets: the `data:` of each event, in order. */
function eventData(body: string): string[] {
  return body
    .split(/\n\n/)
    .map((event) => event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n'))
    .filter((data) => data !== '');
}

async function boot(platform: (typeof PLATFORMS)[number], opened: OpenedStore, withCompression = false): Promise<RunningApp> {
  return startApp(
    platform,
    { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [ResponsePathsController] },
    withCompression ? (app) => void app.use(compression()) : undefined,
  );
}

describe.each(ALL.map((backend) => [backend.name, backend] as const))(
  'a StreamableFile under compression() on express over %s',
  (_name: string, backend: Backend) => {
    failOnProcessErrors();
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await backend.open();
      running = await boot('express', opened, true);
    });
    afterAll(async () => {
      await running?.close();
      await opened?.close();
    });

    it('sends the file gzip-encoded with the session cookie, keeps serving, and has saved the write', async () => {
      const first = await rawRequest(`${running.url}/paths/file`, { 'accept-encoding': 'gzip' });
      expect(first.status).toBe(200);
      expect(first.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(first.body).equals(TEXT_FILE)).toBe(true);
      const setCookies = first.headers['set-cookie'] ?? [];
      expect(setCookies).toHaveLength(1);

      const browser = new Browser(running.url);
      const { name, value } = parseSetCookie(setCookies[0]);
      browser.cookies.set(name, value);
      const next = await browser.get('/paths/read');
      expect(next.status).toBe(200);
      expect(next.body.n).toBe(1);
    });

    it('streams the file again to a returning browser and saves that write too', async () => {
      const browser = new Browser(running.url);
      expect((await browser.post('/paths/start')).status).toBe(200);
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      for (let i = 0; i < 2; i++) {
        const reply = await rawRequest(`${running.url}/paths/file`, { 'accept-encoding': 'gzip', cookie });
        expect(reply.status).toBe(200);
        expect(reply.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(reply.body).equals(TEXT_FILE)).toBe(true);
      }
      expect((await browser.get('/paths/read')).body.n).toBe(2);
    });
  },
);

describe.each(cases)('response paths on %s over %s', (platform, _name, backend) => {
  failOnProcessErrors();
  let opened: OpenedStore;
  let running: RunningApp;

  beforeAll(async () => {
    opened = await backend.open();
    running = await boot(platform, opened);
  });
  afterAll(async () => {
    await running?.close();
    await opened?.close();
  });

  it('serves @Sse() with its content type, every event and a new session cookie, and saves the write', async () => {
    const browser = new Browser(running.url);
    const reply = await browser.get('/paths/events', { accept: 'text/event-stream' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(eventData(reply.text)).toEqual(['0', '1', '2']);
    expect(reply.setCookies).toHaveLength(1);
    expect((await browser.get('/paths/read')).body.sse).toBe('written');
  });

  it('keeps serving after a @Res() handler sends and then throws, and saved the write only if the client got a 2xx', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/paths/start')).status).toBe(200);

    const reply = await browser.get('/paths/send-then-throw');
    await sleep(100); // a write the client was told failed must not land a moment later either
    const stored = await browser.get('/paths/read');
    expect(stored.status).toBe(200);
    if (reply.status >= 200 && reply.status < 300) {
      expect(reply.text).toBe('sent');
      expect(stored.body.n).toBe(1);
    } else {
      expect(reply.status).toBeGreaterThanOrEqual(500);
      expect(stored.body.n).toBe(0);
    }
    expect((await browser.get('/paths/ping')).body).toEqual({ pong: true });
  });

  it(`keeps serving after a @Res() handler ends twice (${platform === 'express' ? 'res.end' : 'reply.send'}), with the first body and the session cookie`, async () => {
    const browser = new Browser(running.url);
    const reply = await browser.get('/paths/end-twice');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('one');
    expect(reply.setCookies).toHaveLength(1);
    expect((await browser.get('/paths/read')).body.n).toBe(1);
    expect((await browser.get('/paths/ping')).body).toEqual({ pong: true });
  });

  if (platform === 'fastify') {
    it('keeps serving after a @Res() handler ends reply.raw twice, with the first body and the session cookie', async () => {
      const browser = new Browser(running.url);
      const reply = await browser.get('/paths/raw-end-twice');
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('one');
      expect(reply.setCookies).toHaveLength(1);
      expect((await browser.get('/paths/read')).body.n).toBe(1);
      expect((await browser.get('/paths/ping')).body).toEqual({ pong: true });
    });
  }
});
