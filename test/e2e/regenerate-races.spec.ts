import { SessionModule } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { RegenerateRacesController } from './fixtures/regenerate-races.controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Runs per race; raise it (RACE_RUNS=50) to measure rather than to check. */
const RUNS = Number(process.env.RACE_RUNS ?? 3);

/**
 * Issue 20's first two races, on every server store and both adapters: a
 * regenerate that commits after a logout must not bring the session back,
 * and writes that run beside a regenerate are carried to the new id, never
 * acknowledged and dropped.
 */
describe.each(PLATFORMS)('regenerate() racing other requests on %s', (platform) => {
  describe.each(backends().map((b) => [b.name, b] as const))('over %s', (_name, backend) => {
    let opened: OpenedStore;
    let running: RunningApp;

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })], controllers: [RegenerateRacesController] });
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('a sign-out that lands while a slower request regenerates stays signed out: no cookie brings the user back', async () => {
      for (let run = 0; run < RUNS; run++) {
        const browser = new Browser(running.url);
        await browser.post('/race/sign-in');
        const regenerating = browser.clone();
        const pending = regenerating.post('/race/slow-regenerate?ms=150');
        await sleep(30);
        const signOut = await browser.post('/race/sign-out');
        expect(signOut.status).toBe(200);
        const regenerated = await pending;
        expect(regenerated.status).toBe(200);
        // Whatever cookie the regenerate response left in that browser, it reads no user.
        expect((await regenerating.get('/race/me')).body.userId).toBeNull();
        expect((await browser.get('/race/me')).body.userId).toBeNull();
      }
    });

    it('a sign-out that lands after a regenerate committed follows it to the new id', async () => {
      const browser = new Browser(running.url);
      await browser.post('/race/sign-in');
      const stale = browser.clone(); // loaded with the old cookie before the regenerate committed
      const signOut = stale.post('/race/sign-out');
      await browser.post('/race/slow-regenerate?ms=0');
      await signOut;
      expect((await browser.get('/race/me')).body.userId).toBeNull();
    });

    it('twenty writes beside one regenerate: every acknowledged increment is kept under the new id', async () => {
      for (let run = 0; run < RUNS; run++) {
        const browser = new Browser(running.url);
        await browser.post('/race/sign-in');
        const writes = Array.from({ length: 20 }, () => browser.clone().post('/race/slow-inc?ms=50'));
        const regenerate = browser.post('/race/slow-regenerate?ms=25');
        const answers = await Promise.all(writes);
        expect((await regenerate).status).toBe(200);
        const acknowledged = answers.filter((a) => a.status === 200).length;
        const me = (await browser.get('/race/me')).body;
        expect(me.userId).toBe(42);
        expect(me.n).toBe(acknowledged); // never acknowledged and dropped
        expect(answers.map((a) => (a.status === 200 ? 200 : `${a.status} ${a.text}`))).toEqual(Array(20).fill(200)); // and none refused
      }
    });
  });
});
