import { MemoryStore, SessionConfigError, SessionModule, type SessionModuleOptions, type SessionSettings } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { CountingStore } from '../support/counting-store.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { HardeningController, NamedHardeningController } from './fixtures/hardening.controller.js';

/**
 * Limits that keep one request's cost bounded: the size of a session
 * (maxSize, 1 MiB by default), how many sessions a module may configure
 * (16, the default one included), and how many values of one session cookie a
 * request makes the module check (8).
 */
function namedSessions(count: number): Record<string, SessionSettings> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [i === 0 ? 'prefs' : `s${i}`, { store: new MemoryStore() }]));
}

function app(platform: Platform, options: Partial<SessionModuleOptions>): Promise<RunningApp> {
  return startApp(platform, {
    imports: [SessionModule.forRoot({ secret: SECRET, ...options } as SessionModuleOptions)],
    controllers: [HardeningController, NamedHardeningController],
  });
}

describe.each(PLATFORMS)('session limits on %s', (platform) => {
  it('enforces the default maxSize of 1 MiB at commit: the request fails, nothing of it is kept', async () => {
    const running = await app(platform, {});
    try {
      const browser = new Browser(running.url);
      expect((await browser.post('/h/grow', { path: 'a', bytes: 900_000 })).status).toBe(200);
      const tooBig = await browser.post('/h/grow', { path: 'b', bytes: 200_000 });
      expect(tooBig.status).toBe(500);
      const after = await browser.get('/h/read');
      expect(Object.keys(after.body.data)).toEqual(['a']);
    } finally {
      await running.close();
    }
  });

  it('starts with 16 sessions configured (the default one and 15 named)', async () => {
    const running = await app(platform, { sessions: namedSessions(15) });
    await running.close();
  });

  it('refuses a 17th session at start-up with a SessionConfigError that says why and what to do', async () => {
    const attempt = app(platform, { sessions: namedSessions(16) });
    await expect(attempt).rejects.toThrow(SessionConfigError);
    await expect(attempt).rejects.toThrow(/17 sessions.*at most 16.*another cookie on every request/);
  });

  it('loads only the sessions the handler names, however many session cookies the request carries', async () => {
    const stores = Array.from({ length: 15 }, () => new CountingStore(new MemoryStore()));
    const sessions = Object.fromEntries(stores.map((store, i) => [i === 0 ? 'prefs' : `s${i}`, { store }]));
    const main = new CountingStore(new MemoryStore());
    const running = await app(platform, { store: main, sessions });
    try {
      const cookies = ['sid', ...Object.keys(sessions).map((name) => `sid.${name}`)]
        .map((name) => `${name}=${'A'.repeat(43)}.${'B'.repeat(43)}`)
        .join('; ');
      const reply = await fetch(`${running.url}/n/both`, { headers: { cookie: cookies } });
      expect(reply.status).toBe(200);
      expect(await reply.json()).toEqual({ main: {}, prefs: {} });
      // Forged signatures: not even the two loaded sessions reached their stores; the other 14 were never looked at.
      expect([main, ...stores].map((s) => s.calls.length)).toEqual(new Array(16).fill(0));
    } finally {
      await running.close();
    }
  });

  it('checks at most 8 values of one session cookie: the 9th is ignored, so piling up cookies buys no extra work', async () => {
    const running = await app(platform, {});
    try {
      const browser = new Browser(running.url);
      await browser.post('/h/seed', { values: { owner: 'A' } });
      const valid = browser.cookies.get('sid')!;
      const forged = (n: number) => Array.from({ length: n }, (_, i) => `sid=${valid.slice(0, 43)}.${String(i).padStart(43, 'A')}`);
      const read = async (values: string[]) => (await (await fetch(`${running.url}/h/read`, { headers: { cookie: values.join('; ') } })).json()) as { data: { owner?: string } };
      expect((await read([...forged(7), `sid=${valid}`])).data.owner).toBe('A');
      expect((await read([...forged(8), `sid=${valid}`])).data.owner).toBeUndefined();
    } finally {
      await running.close();
    }
  });
});
