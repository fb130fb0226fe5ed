import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import type { CountingStore } from '../support/counting-store.js';
import { AccountService } from './fixtures/contexts/account.service.js';
import { CartGateway } from './fixtures/contexts/cart.gateway.js';
import { connect, SOCKET_KINDS, type TestSocket } from './fixtures/contexts/socket-clients.js';
import { startSocketApp } from './fixtures/contexts/socket-app.js';
import { CONTEXT_STORES } from './fixtures/contexts/stores.js';

const cases = PLATFORMS.flatMap((platform) => SOCKET_KINDS.flatMap((kind) => CONTEXT_STORES.map((store) => [platform, kind, store.name, store] as const)));

describe.each(cases)('sessions in gateways on %s, %s, %s', (platform, kind, _name, backend) => {
  failOnProcessErrors();
  let running: RunningApp;
  let store: CountingStore;
  let close: () => Promise<void>;
  let browser: Browser;
  const sockets: TestSocket[] = [];
  const open = async (from = browser) => {
    const socket = await connect(kind, running.url, from);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    ({ store, close } = await backend.open());
    running = await startSocketApp(platform, kind, store);
  });
  afterAll(async () => {
    await running.close();
    await close();
  });
  beforeEach(() => {
    browser = new Browser(running.url);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  it('a message reads the session the handshake\'s cookie names', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    expect(await socket.send('read')).toEqual({ ok: true, data: { user: 'ada', cart: [], isNew: false } });
  });

  it('a message without a session cookie, or with a forged one, sees an empty session', async () => {
    expect((await (await open()).send('read')).data).toEqual({ user: null, cart: [], isNew: true });
    await browser.post('/account/sign-in', { name: 'ada' });
    browser.cookies.set('sid', `${browser.cookies.get('sid')!.slice(0, -4)}AAAA`);
    expect((await (await open()).send('read')).data).toEqual({ user: null, cart: [], isNew: true });
  });

  it('the flash an HTTP response set is readable over the socket and still there for the next page', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    await browser.post('/account/flash', { message: 'Saved' });
    expect((await (await open()).send('flash')).data).toEqual({ info: 'Saved' });
    expect((await browser.get('/account/flash')).body).toEqual({ info: 'Saved' });
  });

  it('a handler without @Session() loads nothing: current() in its service is undefined', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    store.reset();
    expect((await (await open()).send('no-session')).data).toEqual({ loaded: false, user: null, cart: [], theme: null });
    expect(store.calls).toEqual([]);
  });

  if (backend.inCookie) {
    it('a write over the socket answers a clear error naming CookieStore, and nothing is saved', async () => {
      await browser.post('/account/sign-in', { name: 'ada' });
      const answer = await (await open()).send('add', 'book');
      expect(answer).toMatchObject({ ok: false, error: { status: 'error' } });
      expect(answer.error?.message).toMatch(/CookieStore.*only an HTTP response can set/);
      expect((await browser.get('/account')).body.cart).toEqual([]);
    });

    it('a socket sees the session its handshake\'s cookie sealed, until it reconnects: there is no server copy to revoke', async () => {
      await browser.post('/account/sign-in', { name: 'ada' });
      const socket = await open();
      await browser.post('/account/sign-out');
      expect((await socket.send('read')).data.user).toBe('ada');
      expect((await (await open()).send('read')).data.user).toBeNull();
    });
    return;
  }

  it('each message reads the store afresh: what HTTP wrote after the socket connected is seen', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    await browser.post('/account/cart', { item: 'pen' });
    expect((await socket.send('read')).data.cart).toEqual(['pen']);
  });

  it('a session destroyed over HTTP is gone at the socket\'s next message', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    expect((await socket.send('read')).data.user).toBe('ada');
    await browser.post('/account/sign-out');
    expect((await socket.send('read')).data).toEqual({ user: null, cart: [], isNew: true });
  });

  it('a session regenerated over HTTP (a new sign-in) is gone for a socket opened before it', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    await browser.post('/account/sign-in', { name: 'grace' });
    expect((await socket.send('read')).data.isNew).toBe(true);
    expect((await (await open()).send('read')).data.user).toBe('grace');
  });

  it('a write over the socket is saved with compare-and-set and read over HTTP', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    expect(await socket.send('add', 'book')).toEqual({ ok: true, data: { cart: ['book'] } });
    await browser.post('/account/cart', { item: 'pen' });
    expect((await socket.send('add', 'ink')).data.cart).toEqual(['book', 'pen', 'ink']);
    expect((await browser.get('/account')).body).toMatchObject({ user: 'ada', cart: ['book', 'pen', 'ink'] });
  });

  it('a message that only reads writes nothing to the store', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    store.reset();
    await socket.send('read');
    expect(store.calls).toEqual(['get']);
  });

  it('parallel writes from a socket and from HTTP are both kept', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const socket = await open();
    await Promise.all([socket.send('add', 'a'), browser.post('/account/cart', { item: 'b' }), browser.post('/account/cart', { item: 'c' })]);
    expect([...(await browser.get('/account')).body.cart].sort()).toEqual(['a', 'b', 'c']);
  });

  it('a service called by a gateway handler reaches the message\'s session through current(), and its write is saved', async () => {
    await browser.post('/account/sign-in', { name: 'grace' });
    expect((await (await open()).send('add-through-service', 'tea')).data).toMatchObject({ loaded: true, user: 'grace', cart: ['tea'] });
    expect((await browser.get('/account')).body.cart).toEqual(['tea']);
  });

  it('a named session (@Session(\'prefs\')) is read and written over the socket', async () => {
    await browser.post('/account/theme', { theme: 'light' });
    expect((await (await open()).send('theme', 'dark')).ok).toBe(true);
    expect((await browser.get('/account')).body.theme).toBe('dark');
  });

  it('a socket may sign out (destroy): HTTP then sees no session', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    expect((await (await open()).send('sign-out')).ok).toBe(true);
    expect((await browser.get('/account')).body.user).toBeNull();
  });

  it('a socket cannot regenerate the session (only HTTP can hand out a new id): a clear error, nothing changed', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const answer = await (await open()).send('regenerate');
    expect(answer.error?.message).toMatch(/new id.*only an HTTP response/);
    expect((await browser.get('/account')).body.user).toBe('ada');
  });

  it('a write with no session to write to (no cookie) is a clear error, not an orphan record', async () => {
    const answer = await (await open()).send('add', 'book');
    expect(answer.error?.message).toMatch(/names no live session/);
  });

  it('a handler that crashes after writing saves nothing', async () => {
    await browser.post('/account/sign-in', { name: 'ada' });
    const answer = await (await open()).send('add-then-crash', 'lost');
    expect(answer).toMatchObject({ ok: false, error: { message: 'Internal server error' } });
    expect((await browser.get('/account')).body.cart).toEqual([]);
  });
});

describe.each(SOCKET_KINDS)('gateways in an app without asyncContext, %s', (kind) => {
  failOnProcessErrors();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      'express',
      { imports: [SessionModule.forRoot({ secret: SECRET })], providers: [AccountService, CartGateway] },
      (app) => void app.useWebSocketAdapter(kind === 'ws' ? new WsAdapter(app) : new IoAdapter(app)),
    );
  });
  afterAll(() => running.close());

  it('still find the message\'s session, and a service\'s current() answers for the message', async () => {
    const socket = await connect(kind, running.url, new Browser(running.url));
    try {
      expect((await socket.send('read')).data).toEqual({ user: null, cart: [], isNew: true });
      expect((await socket.send('no-session')).data).toEqual({ loaded: false, user: null, cart: [], theme: null });
    } finally {
      socket.close();
    }
  });
});
