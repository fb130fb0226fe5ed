import { Controller, Get } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session, SessionMiddleware, SessionModule, type ExpressSession } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';

@Controller()
class VisitsController {
  @Get('visits')
  visits(@Session() session: Session) {
    return { visits: session.get('visits') ?? 0 };
  }
}

/** A middleware after SessionMiddleware that answers some requests itself, on Node's response, as a health check or a legacy route would. */
function countingMiddleware(request: IncomingMessage & { session: ExpressSession }, response: ServerResponse, next: () => void): void {
  if (!request.url?.startsWith('/count-in-middleware')) return next();
  request.session.visits = ((request.session.visits as number | undefined) ?? 0) + 1;
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`counted ${String(request.session.visits)}`);
}

const chosen = ['MemoryStore', 'FileStore', 'TypeOrmStore on SQLite', 'RedisStore'];

describe.each(PLATFORMS)('middleware that answers a request itself after SessionMiddleware, on %s', (platform) => {
  describe.each(backends().filter((b) => chosen.includes(b.name)).map((b) => [b.name, b] as const))('over %s', (_name, backend) => {
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(
        platform,
        { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [VisitsController] },
        (app) => {
          app.use(app.get(SessionMiddleware).use);
          app.use(countingMiddleware);
        },
      );
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('saves what the middleware wrote, and a first visit gets its cookie with the answer', async () => {
      const browser = new Browser(running.url);
      const first = await browser.get('/count-in-middleware');
      expect(first.status).toBe(200);
      expect(first.setCookies).toHaveLength(1);
      await browser.get('/count-in-middleware');
      expect((await browser.get('/visits')).body).toEqual({ visits: 2 });
    });
  });
});
