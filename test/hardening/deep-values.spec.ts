import { SessionModule } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { HardeningController } from './fixtures/hardening.controller.js';

/** About 25 KB of JSON nesting 4,250 levels, as issue 20 sent it. */
const DEEP_BODY = `{"path":"form","value":${'{"a":'.repeat(4_250)}1${'}'.repeat(4_250)}}`;

const chosen = ['MemoryStore', 'FileStore', 'TypeOrmStore on SQLite', 'RedisStore'];

describe.each(PLATFORMS)('a deeply nested value on %s', (platform) => {
  describe.each(backends().filter((b) => chosen.includes(b.name)).map((b) => [b.name, b] as const))('over %s', (_name, backend) => {
    let opened: OpenedStore;
    let running: RunningApp;
    const logged: string[] = [];

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [HardeningController] }, (app) =>
        app.useLogger({ log: () => undefined, warn: () => undefined, error: (message: unknown) => void logged.push(String(message)) }),
      );
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('is refused as the client\'s mistake naming the path, is not logged as a store outage, and the session still loads', async () => {
      const browser = new Browser(running.url);
      await browser.post('/h/seed', { values: { kept: 1 } });
      const response = await fetch(`${running.url}/h/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `sid=${browser.cookies.get('sid')}` },
        body: DEEP_BODY,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(/session path "form\.a\.a.*at most 64 levels/);
      expect(logged.filter((line) => /unavailable|failed/i.test(line))).toEqual([]);
      const read = await browser.get('/h/read');
      expect(read.status).toBe(200);
      expect(read.body.data).toEqual({ kept: 1 });
    });
  });
});
