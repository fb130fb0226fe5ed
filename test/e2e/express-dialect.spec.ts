import { SessionModule } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { ExpressDialectController } from './fixtures/express-dialect.controller.js';

const chosen = ['MemoryStore', 'RedisStore'];

describe.each(PLATFORMS)("request.session in express-session's dialect on %s", (platform) => {
  describe.each(backends().filter((b) => chosen.includes(b.name)).map((b) => [b.name, b] as const))('over %s', (_name, backend) => {
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [ExpressDialectController] });
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('keeps every item that parallel requests pushed in place onto one list', async () => {
      const browser = new Browser(running.url);
      await browser.post('/dialect/push?item=first');
      const items = Array.from({ length: 10 }, (_, i) => `item${i}`);
      const answers = await Promise.all(items.map((item) => browser.clone().post(`/dialect/push?item=${item}&ms=30`)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      const { list } = (await browser.get('/dialect/read')).body;
      expect(list[0]).toBe('first');
      expect([...list].sort()).toEqual(['first', ...items].sort());
    });

    it('keeps nested keys that parallel requests set in place on one object', async () => {
      const browser = new Browser(running.url);
      await browser.post('/dialect/pref?key=theme&value=light');
      await Promise.all([browser.clone().post('/dialect/pref?key=theme&value=dark&ms=30'), browser.clone().post('/dialect/pref?key=lang&value=fr&ms=30')]);
      expect((await browser.get('/dialect/read')).body.prefs).toEqual({ theme: 'dark', lang: 'fr' });
    });

    it('saves deletes and lists own keys, and req.sessionID is the session id', async () => {
      const browser = new Browser(running.url);
      await browser.post('/dialect/push?item=x');
      expect((await browser.post('/dialect/delete')).body.keys).toEqual(['cookie', 'gone']);
      const read = (await browser.get('/dialect/read')).body;
      expect(read).toMatchObject({ list: null, gone: true, sameId: true });
      expect(read.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });
});
