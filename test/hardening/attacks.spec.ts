import fc from 'fast-check';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieStore, FileStore, MemoryStore, SessionConfigError, SessionModule, type SessionModuleOptions } from '../../lib/index.js';
import { CookieSigner } from '../../lib/http/cookie-signer.js';
import { newSessionId } from '../../lib/http/session-id.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { HardeningController } from './fixtures/hardening.controller.js';

/** One attack a test, over real HTTP on Express and on Fastify. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const signer = new CookieSigner([SECRET]);

function app(platform: Platform, options: Partial<SessionModuleOptions> = {}): Promise<RunningApp> {
  return startApp(platform, {
    imports: [SessionModule.forRoot({ secret: SECRET, ...options } as SessionModuleOptions)],
    controllers: [HardeningController],
  });
}

async function withApp(platform: Platform, options: Partial<SessionModuleOptions>, body: (running: RunningApp) => Promise<void>): Promise<void> {
  const running = await app(platform, options);
  try {
    await body(running);
  } finally {
    await running.close();
  }
}

const objectPrototypeIsClean = () => {
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'isAdmin')).toBe(false);
};

describe.each(PLATFORMS)('attacks on %s', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await app(platform, { store: new MemoryStore() });
  });
  afterAll(() => running.close());

  describe('session fixation', () => {
    it('never adopts a planted id: unknown, forged or destroyed, a fresh id is issued and the planted one stays unknown', async () => {
      const victim = new Browser(running.url);
      await victim.post('/h/seed', { values: { owner: 'victim' } });
      const destroyed = victim.cookies.get('sid')!;
      await victim.post('/h/logout');
      const planted = [
        `${newSessionId()}.${'A'.repeat(43)}`, // forged signature
        newSessionId(), // no signature at all
        destroyed, // validly signed, but the store no longer knows it
        signer.sign(newSessionId()), // validly signed (a leaked secret), never stored
      ];
      for (const value of planted) {
        const browser = new Browser(running.url);
        browser.cookies.set('sid', value);
        const reply = await browser.post('/h/write', { path: 'owner', value: 'victim-after-plant' });
        expect(reply.status).toBe(200);
        expect(reply.body.id).not.toBe(value.split('.')[0]);
        expect(browser.cookies.get('sid')!.split('.')[0]).toBe(reply.body.id);
        // The attacker, still holding the planted value, sees nothing of what the victim wrote.
        const attacker = new Browser(running.url);
        attacker.cookies.set('sid', value);
        expect((await attacker.get('/h/read')).body).toMatchObject({ isNew: true, data: {} });
      }
    });

    it('login regenerates: a real pre-login session planted in the victim\'s browser gives the attacker nothing after sign-in', async () => {
      const attacker = new Browser(running.url);
      await attacker.post('/h/write', { path: 'cart', value: ['planted'] });
      const plantedCookie = attacker.cookies.get('sid')!;
      const victim = new Browser(running.url);
      victim.cookies.set('sid', plantedCookie);
      const login = await victim.post('/h/login', { user: 'victim' });
      expect(login.status).toBe(200);
      expect(login.body.id).not.toBe(plantedCookie.split('.')[0]);
      expect((await victim.get('/h/read')).body.data).toEqual({ cart: ['planted'], user: { name: 'victim' } });
      const seenByAttacker = await attacker.get('/h/read');
      expect(seenByAttacker.body).toMatchObject({ isNew: true, data: {} });
    });
  });

  describe('tampering', () => {
    it('a signature moved onto another id, or an id with a flipped character, gives a fresh session', async () => {
      const a = new Browser(running.url);
      await a.post('/h/seed', { values: { owner: 'A' } });
      const b = new Browser(running.url);
      await b.post('/h/seed', { values: { owner: 'B' } });
      const [idA, sigA] = a.cookies.get('sid')!.split('.');
      const [idB] = b.cookies.get('sid')!.split('.');
      const flipped = `${idA.slice(0, 10)}${idA[10] === 'x' ? 'y' : 'x'}${idA.slice(11)}.${sigA}`;
      for (const value of [`${idB}.${sigA}`, flipped]) {
        const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${value}` } });
        expect(reply.status).toBe(200);
        expect(await reply.json()).toMatchObject({ isNew: true, data: {} });
      }
    });
  });

  describe('cookie injection', () => {
    it('values with `;`, `,`, CR/LF and cookie syntax never reach a Set-Cookie line: one cookie, our name, a base64url value', async () => {
      const browser = new Browser(running.url);
      const hostile = 'x; Domain=evil.test; Path=/; sid=evil, other=1\r\nSet-Cookie: admin=1';
      const reply = await browser.post('/h/write', { path: 'note', value: hostile });
      expect(reply.status).toBe(200);
      expect(reply.setCookies).toHaveLength(1);
      const cookie = parseSetCookie(reply.setCookies[0]);
      expect(cookie.name).toBe('sid');
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(cookie.attributes.domain).toBeUndefined();
      expect((await browser.get('/h/read')).body.data.note).toBe(hostile);
    });

    it('a comma does not separate cookies: "sid=junk, sid=<valid>" is one junk value, not a way to smuggle a session in', async () => {
      const victim = new Browser(running.url);
      await victim.post('/h/seed', { values: { owner: 'victim' } });
      const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=junk, sid=${victim.cookies.get('sid')}` } });
      expect(await reply.json()).toMatchObject({ isNew: true, data: {} });
    });
  });

  describe('prototype pollution', () => {
    it.each(['__proto__.isAdmin', 'constructor.prototype.isAdmin', 'user.__proto__.isAdmin', 'a.constructor.prototype.isAdmin', 'prototype.isAdmin'])(
      'refuses the path %s with a 400 and pollutes nothing',
      async (path) => {
        const browser = new Browser(running.url);
        const reply = await browser.post('/h/write', { path, value: true });
        expect(reply.status).toBe(400);
        expect(reply.body.message).toMatch(/reserved segment/);
        objectPrototypeIsClean();
        expect((await browser.get('/h/probe')).body).toMatchObject({ get: null, nested: null, all: null, allUser: null, global: null });
      },
    );

    it('a value carrying a __proto__ key (as a JSON body parser builds it) is stored without it and reaches no prototype', async () => {
      const browser = new Browser(running.url);
      const response = await fetch(`${running.url}/h/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"path":"user","value":{"name":"x","__proto__":{"isAdmin":true}}}',
      });
      // Express hands the own "__proto__" key to the handler; Fastify's parser refuses the body outright.
      expect([200, 400]).toContain(response.status);
      if (response.status === 200) browser.cookies.set('sid', parseSetCookie(response.headers.getSetCookie()[0]).value);
      const probe = await browser.get('/h/probe');
      expect(probe.body).toMatchObject({ get: null, nested: null, all: null, allUser: null, allPrototypeIsPlain: true, global: null });
      objectPrototypeIsClean();
    });

    it('100 random paths mixing reserved and ordinary segments: a 200 or a 400, never a 5xx, never a polluted prototype', async () => {
      const segment = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isAdmin', '', 'a'), fc.string({ maxLength: 6 }));
      const browser = new Browser(running.url);
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), async (segments, value) => {
          const reply = await browser.post('/h/write', { path: segments.join('.'), value });
          expect([200, 400]).toContain(reply.status);
          objectPrototypeIsClean();
        }),
        { numRuns: 100 },
      );
      const probe = await browser.get('/h/probe');
      expect(probe.status).toBe(200);
      expect(probe.body).toMatchObject({ allPrototypeIsPlain: true, global: null });
    });
  });

  describe('huge cookie headers', () => {
    it('1 500 unrelated cookies around the session cookie: still the right session, answered promptly', async () => {
      const browser = new Browser(running.url);
      await browser.post('/h/seed', { values: { owner: 'crowded' } });
      const noise = Array.from({ length: 1_500 }, (_, i) => `c${i}=${i}`).join('; ');
      const started = Date.now();
      const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: `${noise}; sid=${browser.cookies.get('sid')}` } });
      expect(reply.status).toBe(200);
      expect(((await reply.json()) as { data: unknown }).data).toEqual({ owner: 'crowded' });
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('150 forged session cookies in one header cost a bounded amount of work and give a fresh session', async () => {
      const forged = Array.from({ length: 150 }, () => `sid=${newSessionId()}.${newSessionId()}`).join('; ');
      const started = Date.now();
      const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: forged } });
      expect(reply.status).toBe(200);
      expect(await reply.json()).toMatchObject({ isNew: true, data: {} });
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('a Cookie header over the server\'s header limit is refused with 431, and the server keeps serving', async () => {
      const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${'x'.repeat(20_000)}` } });
      expect(reply.status).toBe(431);
      expect((await fetch(`${running.url}/h/untouched`)).status).toBe(200);
    });

    it('one cookie value of 15 KB (under the limit) gives a fresh session, not a 5xx', async () => {
      const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${'A'.repeat(43)}.${'B'.repeat(15_000)}` } });
      expect(reply.status).toBe(200);
      expect(await reply.json()).toMatchObject({ isNew: true });
    });
  });

  describe('Secure and SameSite', () => {
    it("secure: 'auto' marks the cookie Secure exactly when the request came over HTTPS (trusted proxy)", async () => {
      const plain = await new Browser(running.url).post('/h/write', { path: 'x', value: 1 });
      expect(parseSetCookie(plain.setCookies[0]).attributes.secure).toBeUndefined();
      const https = await new Browser(running.url).post('/h/write', { path: 'x', value: 1 }, { 'x-forwarded-proto': 'https' });
      expect(parseSetCookie(https.setCookies[0]).attributes.secure).toBe(true);
    });

    it('secure: true (and any __Host- or __Secure- name) marks every cookie Secure, so browsers never send it over plain HTTP', async () => {
      for (const cookie of [{ secure: true }, { name: '__Host-sid' }, { name: '__Secure-sid' }] as const) {
        await withApp(platform, { cookie }, async (secured) => {
          const reply = await new Browser(secured.url).post('/h/write', { path: 'x', value: 1 }); // over plain HTTP
          expect(parseSetCookie(reply.setCookies[0]).attributes.secure).toBe(true);
          const expired = await new Browser(secured.url).request('POST', '/h/logout', undefined, { cookie: `${parseSetCookie(reply.setCookies[0]).name}=${parseSetCookie(reply.setCookies[0]).value}` });
          expect(parseSetCookie(expired.setCookies[0]).attributes.secure).toBe(true); // even the deleting cookie
        });
      }
    });

    it("refuses SameSite=None with secure: false at start-up", async () => {
      const attempt = app(platform, { cookie: { sameSite: 'none', secure: false } });
      await expect(attempt).rejects.toThrow(SessionConfigError);
      await expect(attempt).rejects.toThrow(/sameSite 'none' needs a Secure cookie/);
    });

    it("never writes SameSite=None without Secure, even with secure: 'auto' over plain HTTP", async () => {
      await withApp(platform, { cookie: { sameSite: 'none' } }, async (crossSite) => {
        const reply = await new Browser(crossSite.url).post('/h/write', { path: 'x', value: 1 });
        const cookie = parseSetCookie(reply.setCookies[0]);
        expect(cookie.attributes.samesite).toBe('None');
        expect(cookie.attributes.secure).toBe(true);
      });
    });
  });
});

describe.each(PLATFORMS)('replaying cookies on %s', (platform) => {
  it('a sealed cookie replayed after its idle expiry is refused', async () => {
    await withApp(platform, { store: new CookieStore(), idleTimeout: 1_200 }, async (running) => {
      const browser = new Browser(running.url);
      await browser.post('/h/seed', { values: { owner: 'A' } });
      const captured = browser.cookies.get('sid')!;
      await sleep(1_400);
      const reply = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${captured}` } });
      expect(await reply.json()).toMatchObject({ isNew: true, data: {} });
    });
  });

  it('a sealed cookie kept alive by activity is refused once its absolute timeout passes', async () => {
    await withApp(platform, { store: new CookieStore(), idleTimeout: '1h', absoluteTimeout: 3_000 }, async (running) => {
      const browser = new Browser(running.url);
      await browser.post('/h/seed', { values: { owner: 'A' } });
      const created = Date.now();
      for (let i = 0; i < 3; i++) {
        await sleep(300);
        await browser.post('/h/hit'); // a fresh sealed cookie each time, the same createdAt inside
      }
      const captured = browser.cookies.get('sid')!;
      expect((await browser.get('/h/read')).body.data.owner).toBe('A');
      await sleep(created + 3_300 - Date.now());
      const replay = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${captured}` } });
      expect(await replay.json()).toMatchObject({ isNew: true, data: {} });
    });
  });

  it('a stale (older) sealed cookie replayed after logout still opens: the CookieStore cannot revoke (SECURITY.md)', async () => {
    await withApp(platform, { store: new CookieStore() }, async (running) => {
      const browser = new Browser(running.url);
      await browser.post('/h/login', { user: 'ada' });
      const stolen = browser.cookies.get('sid')!;
      await browser.post('/h/logout');
      const replay = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${stolen}` } });
      expect(((await replay.json()) as { data: { user?: unknown } }).data.user).toEqual({ name: 'ada' }); // the documented limit, asserted so it is never forgotten
    });
  });

  it('with a server-side store, the same replay after logout gets a fresh session', async () => {
    await withApp(platform, { store: new MemoryStore() }, async (running) => {
      const browser = new Browser(running.url);
      await browser.post('/h/login', { user: 'ada' });
      const stolen = browser.cookies.get('sid')!;
      await browser.post('/h/logout');
      const replay = await fetch(`${running.url}/h/read`, { headers: { cookie: `sid=${stolen}` } });
      expect(await replay.json()).toMatchObject({ isNew: true, data: {} });
    });
  });
});

describe.each(PLATFORMS)('path traversal through ids on %s', (platform) => {
  it('a validly signed cookie whose id is a path (a leaked secret) reads and writes nothing outside the store directory', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'nest-sessions-traversal-'));
    const dir = join(parent, 'sessions');
    const victim = join(parent, 'victim.json');
    const content = JSON.stringify({ deadline: Date.now() + 60_000, session: { data: { owner: 'victim' }, flash: {}, createdAt: Date.now(), expiresAt: Date.now() + 60_000, version: 1 } });
    await writeFile(victim, content);
    const store = new FileStore({ dir, pruneIntervalMs: 0 });
    try {
      await withApp(platform, { store }, async (running) => {
        for (const id of ['../victim', '..%2Fvictim', '/etc/passwd', `../${'a'.repeat(40)}`, 'victim/../../victim', '.']) {
          const browser = new Browser(running.url);
          browser.cookies.set('sid', signer.sign(id));
          const read = await browser.get('/h/read');
          expect(read.status).toBe(200);
          expect(read.body).toMatchObject({ isNew: true, data: {} });
          const written = await browser.post('/h/write', { path: 'x', value: 1 });
          expect(written.status).toBe(200);
          expect(written.body.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
          await browser.post('/h/logout');
        }
      });
      expect(await readFile(victim, 'utf8')).toBe(content);
      expect((await readdir(parent)).sort()).toEqual(['sessions', 'victim.json']);
    } finally {
      await store.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});
