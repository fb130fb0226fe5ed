import fc from 'fast-check';
import { CookieStore, MemoryStore, SessionModule, type SessionStore } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { HardeningController } from './fixtures/hardening.controller.js';
import { cookieValuesPerRfc, printableMutation, printableString } from './fixtures/mutations.js';

/**
 * Real HTTP, hostile cookies: two real sessions A and B exist; every request
 * carries a mutation of A's cookie (or a spliced mix of A's and B's). The
 * answer is always a 200 with either a fresh empty session, or A's (B's) data
 * exactly when the header still holds A's (B's) cookie byte for byte.
 */
const RUNS = 150;
/** Node's default limit on all request headers together; a bigger Cookie header is answered 431 by the HTTP server. */
const MAX_HEADER_BYTES = 16 * 1024;

const STORES: [string, () => SessionStore][] = [
  ['signed ids (MemoryStore)', () => new MemoryStore()],
  ['sealed sessions (CookieStore)', () => new CookieStore()],
];

describe.each(PLATFORMS)('tampered cookies over HTTP on %s', (platform) => {
  describe.each(STORES)('%s', (_label, makeStore) => {
    let running: RunningApp;
    let a: { id: string; cookie: string };
    let b: { id: string; cookie: string };

    const createSession = async (owner: string) => {
      const browser = new Browser(running.url);
      const reply = await browser.post('/h/seed', { values: { owner, secret: `${owner}-${Math.random()}` } });
      return { id: reply.body.id as string, cookie: browser.cookies.get('sid')! };
    };

    /** Sends `header` as the Cookie header and checks whose data came back. */
    const check = async (header: string) => {
      const response = await fetch(`${running.url}/h/read`, { headers: { cookie: header } });
      if (response.status === 431 && header.length > MAX_HEADER_BYTES - 1_000) return undefined; // Node's own limit: a 4xx, never a 5xx
      const body = (await response.json()) as { id: string; isNew: boolean; data: Record<string, unknown> };
      expect(response.status).toBe(200);
      const sent = cookieValuesPerRfc(header.trim(), 'sid');
      const owner = body.data.owner;
      if (owner === 'A') expect(sent).toContain(a.cookie);
      else if (owner === 'B') expect(sent).toContain(b.cookie);
      else {
        expect(body).toMatchObject({ isNew: true, data: {} });
        expect([a.id, b.id]).not.toContain(body.id); // a fresh id, never one of theirs
      }
      return owner;
    };

    beforeAll(async () => {
      running = await startApp(platform, {
        imports: [SessionModule.forRoot({ secret: SECRET, store: makeStore() })],
        controllers: [HardeningController],
      });
      a = await createSession('A');
      b = await createSession('B');
    });
    afterAll(() => running.close());

    it('the untouched cookies read back their own sessions (the baseline the properties rely on)', async () => {
      expect(await check(`sid=${a.cookie}`)).toBe('A');
      expect(await check(`sid=${b.cookie}`)).toBe('B');
    });

    it(`answers ${RUNS} mutated cookies with a fresh session, never a 5xx, never A's or B's data`, async () => {
      await fc.assert(
        fc.asyncProperty(printableMutation(a.cookie, [b.cookie]), async (mutated) => {
          await check(`sid=${mutated}`);
        }),
        { numRuns: RUNS },
      );
    });

    it(`answers ${RUNS} hostile Cookie headers (injection through ; , = and quotes, duplicates, look-alike names) without leaking a session`, async () => {
      const piece = fc.oneof(
        fc.constantFrom(`sid=${a.cookie}`, `sid="${a.cookie}"`, ` sid = ${a.cookie} `, `SID=${a.cookie}`, `xsid=${a.cookie}`, `sid.x=${a.cookie}`),
        fc.constantFrom(`sid=${a.cookie},sid=${b.cookie}`, `sid=x, sid=${a.cookie}`, `sid=${a.cookie}, x=1`, `sid=${a.cookie}=`, `sid==${a.cookie}`),
        fc.constantFrom(`sid=${a.cookie.slice(0, 20)}`, `${a.cookie}`, `sid`, `=`, `sid=`),
        printableMutation(a.cookie, [b.cookie]).map((m) => `sid=${m}`),
        printableString(30),
      );
      const header = fc
        .tuple(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.constantFrom('; ', ';', ', ', ' ; '))
        .map(([pieces, separator]) => pieces.join(separator));
      await fc.assert(
        fc.asyncProperty(header, async (h) => {
          await check(h);
        }),
        { numRuns: RUNS },
      );
    });

    it('a request with a garbage cookie then writing gets a brand-new session and never touches A or B', async () => {
      const browser = new Browser(running.url);
      browser.cookies.set('sid', `${a.cookie.slice(0, -1)}${a.cookie.endsWith('A') ? 'B' : 'A'}`);
      const reply = await browser.post('/h/write', { path: 'owner', value: 'mallory' });
      expect(reply.status).toBe(200);
      expect([a.id, b.id]).not.toContain(reply.body.id);
      expect(await check(`sid=${a.cookie}`)).toBe('A');
      expect(await check(`sid=${b.cookie}`)).toBe('B');
    });
  });
});
