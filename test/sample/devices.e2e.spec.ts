import { redisUrl } from '../support/redis.js';
import { parseSetCookie } from '../support/browser.js';
import { flashes, FormClient } from './support/form-client.js';
import { startSample, type RunningSample } from './support/start-sample.js';

const DAY = 24 * 3600 * 1000;
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';

/** The devices the page lists, in order: label, whether it is this one, and its id. */
const devicesOn = (html: string) =>
  [...html.matchAll(/<li class="device" data-device="([^"]+)"( data-current="true")?>[\s\S]*?data-testid="device-label">([^<]*)</g)].map((m) => ({
    id: m[1]!,
    current: Boolean(m[2]),
    label: m[3]!,
  }));
const cookieExpiry = (page: { setCookies: string[] }) => {
  const line = page.setCookies.find((l) => l.startsWith('sid='));
  const expires = line && parseSetCookie(line).attributes['expires'];
  return typeof expires === 'string' ? Date.parse(expires) : undefined;
};

async function signIn(sample: RunningSample, name: string, agent: string, remember = false) {
  const client = new FormClient(sample.url, { 'user-agent': agent });
  const reply = await client.post('/sign-in', { name, password: 'demo', ...(remember ? { remember: 'on' } : {}) });
  expect(reply.location).toBe('/account');
  return { client, reply };
}

describe.each([
  { store: 'sqlite', env: () => ({}) },
  { store: 'redis', env: () => ({ REDIS_URL: redisUrl() }) },
  { store: 'file', env: () => ({}) },
])('the sample\'s "Your devices" page (SESSION_STORE=$store)', ({ store, env }) => {
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSample({ SESSION_STORE: store, ...env() });
  });
  afterAll(() => sample.close());

  it('lists the browsers signed in as one user, remembers one for 30 days, signs one out, then all the others', async () => {
    const laptop = await signIn(sample, 'Ada', FIREFOX_LINUX);
    const phone = await signIn(sample, 'ada', SAFARI_IOS, true); // names are case-blind: the same user
    const grace = await signIn(sample, 'Grace', FIREFOX_LINUX);

    // "Remember me": the phone's cookie outlives the browser by 30 days; the laptop's lasts the 2-hour idle timeout.
    expect(cookieExpiry(phone.reply)).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(cookieExpiry(laptop.reply)).toBeLessThanOrEqual(Date.now() + 2 * 3600 * 1000 + 5_000);
    expect((await phone.client.get('/account')).text).toContain('remembered for 30 days');
    expect((await laptop.client.get('/account')).text).toContain('ends after 2 hours');

    const page = await laptop.client.get('/account/devices');
    expect(page.status).toBe(200);
    const devices = devicesOn(page.text);
    expect(devices.map(({ label, current }) => [label, current])).toEqual(
      expect.arrayContaining([['Firefox on Linux', true], ['Safari on iOS', false]]),
    );
    expect(devices).toHaveLength(2); // Grace's session is hers alone
    expect(page.text).toMatch(/127\.0\.0\.1 · signed in/);
    for (const client of [laptop.client, phone.client]) expect(page.text).not.toContain(client.cookies.get('sid')!.split('.')[0]!); // digests, never ids

    // Sign out the phone with its own button.
    const phoneId = devices.find((d) => !d.current)!.id;
    const one = await laptop.client.submit(`/account/devices/${phoneId}/sign-out`);
    expect(one.url).toBe('/account/devices');
    expect(flashes(one.text).success).toMatch(/That device is signed out/);
    expect(devicesOn(one.text).map((d) => d.label)).toEqual(['Firefox on Linux']);
    expect((await phone.client.get('/account')).location).toBe('/sign-in');

    // Back on the phone, then "sign out all other devices" from the laptop.
    const again = await signIn(sample, 'Ada', SAFARI_IOS);
    const all = await laptop.client.submit('/account/devices/sign-out-others');
    expect(flashes(all.text)).toEqual({ success: 'Signed out 1 other device.' });
    expect(all.text).not.toContain('data-testid="sign-out-others"');
    expect((await again.client.get('/account')).location).toBe('/sign-in');
    expect((await laptop.client.get('/account')).status).toBe(200);
    expect((await grace.client.get('/account')).status).toBe(200);

    // Its own row has no button; posting its id anyway does not sign this device out.
    const self = devicesOn(all.text)[0]!.id;
    const refused = await laptop.client.submit(`/account/devices/${self}/sign-out`);
    expect(flashes(refused.text).warning).toMatch(/That is this device/);
    expect((await laptop.client.get('/account')).status).toBe(200);
  });

  it('needs a signed-in visitor', async () => {
    expect((await new FormClient(sample.url).get('/account/devices')).location).toBe('/sign-in');
  });
});

describe('the sample\'s "Your devices" page on a CookieStore', () => {
  it('explains why it cannot list devices, while signing in (and remembering) still works', async () => {
    const sample = await startSample({ SESSION_STORE: 'cookie' });
    try {
      const { client, reply } = await signIn(sample, 'Ada', FIREFOX_LINUX, true);
      expect(cookieExpiry(reply)).toBeGreaterThan(Date.now() + 29 * DAY);
      const page = await client.get('/account/devices');
      expect(page.status).toBe(200);
      expect(page.text).toContain('data-testid="devices-unsupported"');
      expect(page.text).toContain('CookieStore');
    } finally {
      await sample.close();
    }
  });
});
