import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MemoryStore, SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

/** Bodies the wrapper saw leave through `end`. */
const endedBodies: string[] = [];

/**
 * What compression, on-headers and response-time do to every response: wrap
 * its own `writeHead` and `end` and call through to what they replaced
 * (here: add a header, and note the body).
 */
function wrapEveryResponse(res: ServerResponse): void {
  const writeHead = res.writeHead;
  const end = res.end;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    this.setHeader('x-wrapped', 'yes');
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    endedBodies.push(typeof args[0] === 'string' || Buffer.isBuffer(args[0]) ? String(args[0]) : '');
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
}

function installWrapper(platform: Platform) {
  return async (app: INestApplication) => {
    if (platform === 'express') {
      app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
        wrapEveryResponse(res);
        next();
      });
    } else {
      (app as NestFastifyApplication).getHttpAdapter().getInstance().addHook('onRequest', async (_request, reply) => wrapEveryResponse(reply.raw));
    }
  };
}

describe.each(PLATFORMS)('middleware that wraps every response on %s', (platform) => {
  let running: RunningApp;

  // A fresh app per test: the very first response an app sends must be committed too.
  beforeEach(async () => {
    endedBodies.length = 0;
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: new MemoryStore() })], controllers: [SessionController] }, installWrapper(platform));
  });
  afterEach(() => running.close());

  it('still gets the session saved and its cookie set, from the first response the app sends', async () => {
    const browser = new Browser(running.url);
    const first = await browser.post('/set', { path: 'cart', value: ['book'] });
    expect(first.status).toBe(200);
    expect(first.setCookies).toHaveLength(1);
    expect(first.headers.get('x-wrapped')).toBe('yes');
    expect(endedBodies).toContain(first.text);
    expect((await browser.get('/get?path=cart')).body.value).toEqual(['book']);
  });

  it('passes responses of routes that use no session through untouched', async () => {
    const reply = await new Browser(running.url).get('/untouched');
    expect(reply.body).toEqual({ ok: true });
    expect(reply.headers.get('x-wrapped')).toBe('yes');
    expect(endedBodies).toContain(reply.text);
    expect(reply.setCookies).toEqual([]);
    expect(reply.headers.get('vary')).toBeNull();
  });
});
