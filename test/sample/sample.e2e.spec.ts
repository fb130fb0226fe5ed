import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUrl } from '../support/postgres.js';
import { redisUrl } from '../support/redis.js';
import { flashes, FormClient } from './support/form-client.js';
import { startSample, type RunningSample } from './support/start-sample.js';

const theme = (html: string) => /<html lang="en" data-theme="(\w+)"/.exec(html)?.[1];
const signedInAs = (html: string) => /Signed in as <strong>([^<]*)<\/strong>/.exec(html)?.[1];
const visits = (html: string) => Number(/data-testid="visits">(\d+)</.exec(html)?.[1]);

describe('the sample app (Express, default SQLite store) over real HTTP', () => {
  let sample: RunningSample;
  let client: FormClient;

  beforeAll(async () => {
    sample = await startSample({ SESSION_STORE: undefined }); // the default: SQLite
  });
  afterAll(() => sample.close());
  beforeEach(() => {
    client = new FormClient(sample.url);
  });

  it('creates its SQLite file through the migration and says which store it uses', () => {
    expect(existsSync(join(sample.dataDir, 'sessions.sqlite'))).toBe(true);
    const logs = sample.logger.lines.map((line) => line.message);
    expect(logs).toContainEqual(expect.stringMatching(/Created the sessions table \(migration CreateSessionTable\d+, AddSessionTag\d+\)/));
    expect(logs).toContainEqual(expect.stringMatching(/Sessions are stored in TypeOrmStore on SQLite .*sessions\.sqlite.*SESSION_STORE=sqlite/));
  });

  it('serves server-rendered pages and the stylesheet', async () => {
    const home = await client.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('<link rel="stylesheet" href="/styles.css">');
    expect(home.text).toContain('A small coffee shop that lives in a session.');
    expect(home.text).toContain('TypeOrmStore on SQLite');
    const css = await fetch(`${sample.url}/styles.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('signs in, follows the redirect, shows the flash once, counts visits, keeps a cart, signs out and keeps the theme', async () => {
    // A visit before signing in: the counter starts.
    expect(visits((await client.get('/')).text)).toBe(1);
    const anonymousSid = client.cookies.get('sid');
    expect(anonymousSid).toBeDefined();

    // Sign in: 303 to the account page, with a new session id (regenerate: no fixation).
    const signIn = await client.post('/sign-in', { name: 'Ada', password: 'demo' });
    expect(signIn.status).toBe(303);
    expect(signIn.location).toBe('/account');
    expect(client.cookies.get('sid')).not.toBe(anonymousSid);

    const account = await client.get('/account');
    expect(account.status).toBe(200);
    expect(flashes(account.text)).toEqual({ success: 'Welcome, Ada! You are signed in.' });
    expect(account.text).toContain('<h1>Hello, Ada</h1>');
    expect(signedInAs(account.text)).toBe('Ada');

    // Reload: the flash is gone, the user is still there.
    const reload = await client.get('/account');
    expect(flashes(reload.text)).toEqual({});
    expect(reload.text).toContain('<h1>Hello, Ada</h1>');

    // The old, pre-sign-in id is dead: it does not carry the signed-in session.
    const attacker = new FormClient(sample.url);
    attacker.cookies.set('sid', anonymousSid!);
    expect((await attacker.get('/account')).location).toBe('/sign-in');

    // The visit counter carried over through regenerate() and keeps counting.
    expect(visits((await client.get('/')).text)).toBe(2);
    expect(visits((await client.get('/')).text)).toBe(3);

    // A cart through push().
    for (const sku of ['beans', 'mug', 'beans']) {
      const added = await client.post('/cart/add', { sku });
      expect(added.status).toBe(303);
      expect(added.location).toBe('/cart');
    }
    const cart = await client.get('/cart');
    expect(flashes(cart.text)).toEqual({ success: 'House espresso beans added to your cart.' });
    expect(cart.text).toContain('data-testid="cart-total">€33.00<');
    expect(cart.text).toContain('data-testid="cart-count">3<');
    expect(cart.text).toContain('data-testid="qty-beans">2 × €9.50<');

    // The theme goes into the named prefs session (its own cookie) and the page follows it.
    const themed = await client.post('/preferences/theme', { theme: 'dark', returnTo: '/cart' });
    expect(themed.location).toBe('/cart');
    expect(client.cookies.has('prefs')).toBe(true);
    expect(theme((await client.get('/cart')).text)).toBe('dark');

    // The session page shows what is stored.
    const inspector = await client.get('/session');
    expect(inspector.text).toContain('TypeOrmStore on SQLite');
    expect(inspector.text).toContain('&quot;name&quot;: &quot;Ada&quot;');
    expect(inspector.text).toContain('&quot;theme&quot;: &quot;dark&quot;');
    expect(inspector.text).toMatch(/<dt>Created<\/dt><dd>\d+ \w+ \d{4}/);
    expect(inspector.text).toMatch(/<dt>Expires<\/dt><dd>\d+ \w+ \d{4}/);

    // Sign out: destroy() ends the default session; the flash starts a fresh one; the theme stays.
    const signedInSid = client.cookies.get('sid');
    const signOut = await client.post('/sign-out');
    expect(signOut.status).toBe(303);
    expect(signOut.location).toBe('/');
    const after = await client.get('/');
    expect(flashes(after.text)).toEqual({ success: 'You are signed out. Your theme stays: it lives in its own session.' });
    expect(theme(after.text)).toBe('dark');
    expect(signedInAs(after.text)).toBeUndefined();
    expect(visits(after.text)).toBe(1); // a fresh session counts from one
    expect(client.cookies.get('sid')).not.toBe(signedInSid);
    expect((await client.get('/cart')).text).toContain('Nothing here yet.');
    expect((await client.get('/account')).location).toBe('/sign-in');
  });

  it('flashes validation errors back onto the form with the old input, once', async () => {
    const failed = await client.post('/sign-in', { name: 'Grace', password: 'guess' });
    expect(failed.status).toBe(303);
    expect(failed.location).toBe('/sign-in');

    const form = await client.get('/sign-in');
    expect(form.text).toContain('value="Grace"');
    expect(form.text).toContain('data-error="password">That is not it: the password is &quot;demo&quot;.<');
    expect(form.text).not.toContain('data-error="name"');
    expect(flashes(form.text)).toEqual({ danger: 'Sign-in failed: please check the highlighted fields.' });
    expect(form.text).not.toContain('guess'); // the password is never sent back

    const reload = await client.get('/sign-in');
    expect(reload.text).not.toContain('data-error=');
    expect(reload.text).toContain('value=""');
    expect(flashes(reload.text)).toEqual({});

    await client.post('/sign-in', { name: '', password: '' });
    const empty = await client.get('/sign-in');
    expect(empty.text).toContain('data-error="name">Tell us your name.<');
    expect(empty.text).toContain('data-error="password">Enter the password.<');
  });

  it('the guard sends signed-out visitors to the form with a warning, and back to their page after signing in', async () => {
    const denied = await client.get('/account');
    expect(denied.status).toBe(303);
    expect(denied.location).toBe('/sign-in');
    expect(flashes((await client.get('/sign-in')).text)).toEqual({ warning: 'Please sign in to see that page.' });

    // Checking out needs a signed-in user; the cart survives signing in (regenerate keeps data).
    await client.post('/cart/add', { sku: 'kettle' });
    const checkout = await client.post('/cart/checkout');
    expect(checkout.location).toBe('/sign-in');
    const back = await client.submit('/sign-in', { name: 'Linus', password: 'demo' });
    expect(back.url).toBe('/cart');
    expect(back.text).toContain('data-testid="cart-total">€39.00<');
    const ordered = await client.submit('/cart/checkout');
    expect(flashes(ordered.text).success).toMatch(/^Order placed: 1 item, €39\.00\./);
    expect(ordered.text).toContain('Nothing here yet.');
  });

  it('keeps sessions across a restart on the same SQLite file (the migration runs only once)', async () => {
    await client.submit('/sign-in', { name: 'Ada', password: 'demo' });
    const again = await startSample({ SAMPLE_DATA_DIR: sample.dataDir });
    try {
      expect(again.logger.lines.map((line) => line.message)).not.toContainEqual(expect.stringMatching(/Created the sessions table/));
      const restarted = new FormClient(again.url);
      for (const [name, value] of client.cookies) restarted.cookies.set(name, value);
      expect(signedInAs((await restarted.get('/account')).text)).toBe('Ada');
    } finally {
      await again.close();
    }
  });

  it('refuses redirects to other sites and unknown products', async () => {
    expect((await client.post('/preferences/theme', { theme: 'dark', returnTo: '//evil.example/' })).location).toBe('/');
    expect((await client.post('/preferences/theme', { theme: 'neon', returnTo: '/' })).location).toBe('/');
    expect(theme((await client.get('/')).text)).toBe('dark');
    const bad = await client.submit('/cart/add', { sku: 'unicorn' });
    expect(flashes(bad.text)).toEqual({ danger: 'That product is not in the shop.' });
  });
});

describe('the sample without SESSION_SECRET', () => {
  it('uses a clearly labelled development secret and says so in its log and its pages', async () => {
    const sample = await startSample({ SESSION_SECRET: undefined, SESSION_STORE: 'memory' });
    try {
      const warning = sample.logger.lines.find((line) => line.level === 'warn' && line.message.includes('SESSION_SECRET'));
      expect(warning?.message).toMatch(/DEVELOPMENT secret/);
      expect((await new FormClient(sample.url).get('/')).text).toContain('Development secret in use');
    } finally {
      await sample.close();
    }
  });

  it('with SESSION_SECRET set, neither warns nor shows the label', async () => {
    const sample = await startSample({ SESSION_STORE: 'memory' });
    try {
      expect(sample.logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
      expect((await new FormClient(sample.url).get('/')).text).not.toContain('Development secret in use');
    } finally {
      await sample.close();
    }
  });
});

describe.each([
  { store: 'memory', label: 'MemoryStore', env: () => ({}) },
  { store: 'file', label: 'FileStore', env: () => ({}) },
  { store: 'cookie', label: 'CookieStore', env: () => ({}) },
  { store: 'redis', label: 'RedisStore', env: () => ({ REDIS_URL: redisUrl() }) },
  { store: 'postgres', label: 'TypeOrmStore on PostgreSQL', env: () => ({ DATABASE_URL: databaseUrl() }) },
])('the sample with SESSION_STORE=$store', ({ store, label, env }) => {
  it(`boots on ${label}, signs in, serves the signed-in page and signs out`, async () => {
    const sample = await startSample({ SESSION_STORE: store, ...env() });
    try {
      expect(sample.logger.lines.map((line) => line.message)).toContainEqual(expect.stringContaining(`Sessions are stored in ${label}`));
      const client = new FormClient(sample.url);
      await client.post('/cart/add', { sku: 'mug' });
      const account = await client.submit('/sign-in', { name: 'Ada', password: 'demo' });
      expect(account.url).toBe('/account');
      expect(flashes(account.text)).toEqual({ success: 'Welcome, Ada! You are signed in.' });
      expect(account.text).toContain(`data-testid="store">${label}`);
      expect(flashes((await client.get('/account')).text)).toEqual({});
      expect((await client.get('/cart')).text).toContain('data-testid="cart-total">€14.00<');
      const out = await client.submit('/sign-out');
      expect(flashes(out.text).success).toMatch(/^You are signed out/);
      expect((await client.get('/account')).location).toBe('/sign-in');
    } finally {
      await sample.close();
    }
  });
});
