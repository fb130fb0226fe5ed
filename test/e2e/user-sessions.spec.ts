import { randomUUID } from 'node:crypto';
import { CookieStore, SessionModule, UserSessions, UserSessionsUnsupportedError } from '../../lib/index.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { DevicesController } from './fixtures/devices.controller.js';

const DAY = 24 * 3600 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Device {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip?: string;
  userAgent?: string;
  current: boolean;
}

/**
 * Issue 23 end to end, on every server store and both adapters: browsers
 * (cookie jars) sign in as one user, see each other on a "Your devices"
 * page, and sign each other out; `destroyAll` racing sign-ins, writes and
 * regenerates.
 */
describe.each(PLATFORMS)('the sessions of a user on %s', (platform) => {
  describe.each(backends().map((b) => [b.name, b] as const))('over %s', (_name, backend) => {
    let opened: OpenedStore;
    let running: RunningApp;
    const signIn = async (user: string, agent = 'Test/1.0', body: object = {}) => {
      const browser = new Browser(running.url);
      const reply = await browser.post('/devices/sign-in', { user, ...body }, { 'user-agent': agent });
      expect(reply.status).toBe(200);
      return browser;
    };
    const userOf = async (browser: Browser) => (await browser.get('/devices/me')).body.user as string | null;

    beforeAll(async () => {
      opened = await backend.open();
      running = await startApp(platform, {
        imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store, captureDevice: true })],
        controllers: [DevicesController],
      });
    });
    afterAll(async () => {
      await running.close();
      await opened.close();
    });

    it('two browsers signed in as one user see both sessions; "sign out other devices" leaves the other signed out on its next request', async () => {
      const user = `ada-${randomUUID()}`;
      const laptop = await signIn(user, 'Laptop/1.0');
      const phone = await signIn(user, 'Phone/2.0', { remember: true });
      const devices: Device[] = (await laptop.get('/devices')).body;
      expect(devices.map((d) => d.userAgent).sort()).toEqual(['Laptop/1.0', 'Phone/2.0']);
      expect(devices.filter((d) => d.current).map((d) => d.userAgent)).toEqual(['Laptop/1.0']);
      const cookieIds = [laptop, phone].map((b) => b.cookies.get('sid')!.split('.')[0]!);
      for (const device of devices) {
        expect(device.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
        for (const id of cookieIds) expect(id).not.toContain(device.id);
        expect(device.ip).toMatch(/127\.0\.0\.1/);
        expect(Date.parse(device.createdAt)).toBeLessThanOrEqual(Date.parse(device.lastSeenAt));
        expect(Date.parse(device.lastSeenAt)).toBeLessThanOrEqual(Date.now());
      }
      const remembered = devices.find((d) => d.userAgent === 'Phone/2.0')!;
      expect(Date.parse(remembered.expiresAt)).toBeGreaterThan(Date.now() + 29 * DAY); // setLifetime('30d')

      expect((await laptop.post('/devices/sign-out-others')).body).toEqual({ destroyed: 1 });
      expect(await userOf(phone)).toBeNull();
      expect(await userOf(laptop)).toBe(user);
      expect(((await laptop.get('/devices')).body as Device[]).map((d) => d.userAgent)).toEqual(['Laptop/1.0']);
    });

    it("signs out one device by the digest the list shows, and only the user's own", async () => {
      const [user, stranger] = [`grace-${randomUUID()}`, `mallory-${randomUUID()}`];
      const desk = await signIn(user, 'Desk');
      const tablet = await signIn(user, 'Tablet');
      const intruder = await signIn(stranger, 'Intruder');
      const tabletDigest = ((await desk.get('/devices')).body as Device[]).find((d) => d.userAgent === 'Tablet')!.id;
      expect((await intruder.post(`/devices/sign-out/${tabletDigest}`)).body).toEqual({ destroyed: false });
      expect(await userOf(tablet)).toBe(user);
      expect((await desk.post(`/devices/sign-out/${tabletDigest}`)).body).toEqual({ destroyed: true });
      expect(await userOf(tablet)).toBeNull();
      expect(await userOf(desk)).toBe(user);
      expect(await userOf(intruder)).toBe(stranger);
    });

    it('the tag survives regenerate() and goes with destroy(); untag() takes a session off the list', async () => {
      const user = `linus-${randomUUID()}`;
      const browser = await signIn(user);
      const before = (await browser.get('/devices/me')).body.digest;
      await browser.post('/devices/regenerate');
      const me = (await browser.get('/devices/me')).body;
      expect(me).toMatchObject({ user, tag: user });
      expect(me.digest).not.toBe(before);
      expect(((await browser.get(`/devices/admin/list/${user}`)).body as Device[]).map((d) => d.id)).toEqual([me.digest]);
      await browser.post('/devices/sign-out');
      expect((await browser.get(`/devices/admin/list/${user}`)).body).toEqual([]);

      const other = await signIn(user);
      await other.post('/devices/untag');
      expect((await other.get('/devices/me')).body).toMatchObject({ user, tag: null });
      expect((await other.get(`/devices/admin/list/${user}`)).body).toEqual([]);
    });

    it('a session tagged while destroyAll runs is either listed and destroyed or tagged after it; the list never misses a live one', async () => {
      for (let run = 0; run < 3; run++) {
        const user = `race-${randomUUID()}`;
        const admin = new Browser(running.url);
        const before = await Promise.all(Array.from({ length: 4 }, () => signIn(user)));
        const during = Array.from({ length: 8 }, () => new Browser(running.url));
        const signIns = during.map((b, i) => b.post('/devices/sign-in', { user, ms: (i * 7) % 40 }));
        await sleep(10);
        const destroyAll = await admin.post(`/devices/admin/sign-out-all/${user}`);
        expect(destroyAll.status).toBe(200);
        expect(destroyAll.body.destroyed).toBeGreaterThanOrEqual(before.length);
        for (const reply of await Promise.all(signIns)) expect(reply.status).toBe(200);
        const after = await signIn(user);

        for (const browser of before) expect(await userOf(browser)).toBeNull();
        expect(await userOf(after)).toBe(user);
        const alive = new Set<string>();
        for (const browser of [...before, ...during, after]) {
          const me = (await browser.get('/devices/me')).body;
          if (me.user === user) alive.add(me.digest);
        }
        const listed = new Set(((await admin.get(`/devices/admin/list/${user}`)).body as Device[]).map((d) => d.id));
        expect([...listed].sort()).toEqual([...alive].sort());
      }
    });

    it('a destroyed session never comes back: writes and a regenerate racing "sign out other devices" leave it signed out', async () => {
      for (let run = 0; run < 3; run++) {
        const user = `stolen-${randomUUID()}`;
        const owner = await signIn(user, 'Owner');
        const thief = await signIn(user, 'Thief');
        const tabs = Array.from({ length: 6 }, () => thief.clone());
        const racing = [
          ...tabs.slice(0, 5).map((tab, i) => tab.post(`/devices/inc?ms=${10 + i * 8}`)),
          tabs[5]!.post('/devices/regenerate?ms=20'),
        ];
        await sleep(15);
        expect((await owner.post('/devices/sign-out-others')).status).toBe(200);
        await Promise.all(racing);
        for (const browser of [thief, ...tabs]) expect(await userOf(browser)).toBeNull();
        expect(((await owner.get('/devices')).body as Device[]).map((d) => d.userAgent)).toEqual(['Owner']);
      }
    });
  });
});

describe.each(PLATFORMS)('on a CookieStore, on %s', (platform) => {
  it('tagging and listing fail with an error that says why and what to use instead', async () => {
    const running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, store: new CookieStore() })],
      controllers: [DevicesController],
    });
    try {
      const userSessions = running.app.get(UserSessions);
      await expect(userSessions.list('ada')).rejects.toThrow(UserSessionsUnsupportedError);
      await expect(userSessions.destroyAll('ada')).rejects.toThrow(/CookieStore.*cannot find the sessions of a user.*server store/);
      expect((await new Browser(running.url).post('/devices/sign-in', { user: 'ada' })).status).toBe(500);
    } finally {
      await running.close();
    }
  });
});
