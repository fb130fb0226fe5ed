import { Body, CanActivate, Controller, ExecutionContext, ForbiddenException, Get, HttpCode, Injectable, Param, Post, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Session, SessionManager, SessionModule, SessionStore, UserSessions, type SessionModuleOptions } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { readSession, TestSessionStore } from '../../lib/testing.js';
import { backends, type OpenedStore } from '../support/backends.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { TestGate } from '../support/gate.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';

/**
 * Round 4 of failure paths: the sessions of a user (list, destroy,
 * destroyAll) against guards that load the session and refuse, sessions
 * signed out by invalidate() or expiry, forRootAsync factories, and the
 * testing kit swapped in with overrideProvider(SessionStore). Real HTTP on
 * Express and Fastify; MemoryStore, RedisStore (a redis-server of the test's
 * own) and TypeOrmStore on SQLite.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gate = new TestGate();

interface Account {
  user?: string;
  n?: number;
}

/** A guard that signs the browser in (regenerate + tag) when asked, then refuses, as a "second factor required" step would. */
@Injectable()
class SecondFactorGuard implements CanActivate {
  constructor(private readonly sessions: SessionManager) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load<Account>(context);
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    const mode = request.headers['x-mode'];
    if (mode === 'half-sign-in') {
      await session.regenerate();
      session.set('user', request.headers['x-user']!);
      session.tag(request.headers['x-user']!);
      session.flash.set('notice', 'Enter your code');
      throw new ForbiddenException();
    }
    if (mode === 'sign-out-and-refuse') {
      await session.destroy();
      throw new ForbiddenException();
    }
    if (mode === 'gated-regenerate-and-refuse') {
      session.get('user');
      await gate.pass();
      await session.regenerate();
      session.increment('n');
      throw new ForbiddenException();
    }
    if (mode === 'gated-write-and-refuse') {
      session.get('user');
      await gate.pass();
      session.increment('n');
      throw new ForbiddenException();
    }
    return session.has('user');
  }
}

@Controller('r4')
class UsersGuardsController {
  constructor(private readonly users: UserSessions) {}

  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: Session<Account>, @Body() body: { user: string; lifetimeMs?: number }) {
    await session.regenerate();
    session.set('user', body.user);
    session.tag(body.user);
    if (body.lifetimeMs) session.setLifetime(body.lifetimeMs);
    return { digest: this.users.digestOf(session) };
  }

  @Get('me')
  me(@Session() session: Session<Account>) {
    return { user: session.get('user') ?? null, tag: session.taggedAs ?? null, n: session.get('n') ?? 0, digest: this.users.digestOf(session) };
  }

  @Post('invalidate')
  @HttpCode(200)
  async invalidate(@Session() session: Session<Account>) {
    await session.invalidate();
    session.set('n', 1); // an anonymous session that still has something in it (a cart, say)
    return { digest: this.users.digestOf(session) };
  }

  @Get('list/:user')
  list(@Param('user') user: string) {
    return this.users.list(user);
  }

  @Post('sign-out-all/:user')
  @HttpCode(200)
  async signOutAll(@Param('user') user: string) {
    return { destroyed: await this.users.destroyAll(user) };
  }

  @Get('guarded')
  @UseGuards(SecondFactorGuard)
  guarded() {
    return { ok: true };
  }
}

interface StoreCase {
  name: string;
  open(): Promise<OpenedStore>;
}

let redis: DisposableRedis | undefined;
const sqlite = backends().find((b) => b.name === 'TypeOrmStore on SQLite')!;
const storeCases: StoreCase[] = [
  { name: 'MemoryStore', open: async () => ({ store: new (await import('../../lib/index.js')).MemoryStore(), close: async () => {} }) },
  {
    name: 'RedisStore',
    open: async () => {
      redis ??= await DisposableRedis.start();
      const client = new Redis({ port: redis.port, host: '127.0.0.1' });
      return { store: new RedisStore({ client }), close: async () => void (await client.quit()) };
    },
  },
  { name: 'TypeOrmStore on SQLite', open: () => sqlite.open() },
];

afterAll(async () => {
  gate.release();
  await redis?.kill();
});

const cases = PLATFORMS.flatMap((platform) => storeCases.map((store) => [platform, store.name, store] as const));

describe.each(cases)('users and guards on %s over %s', (platform, _name, storeCase) => {
  let opened: OpenedStore;
  let running: RunningApp;
  const signIn = async (user: string, body: object = {}) => {
    const browser = new Browser(running.url);
    expect((await browser.post('/r4/sign-in', { user, ...body })).status).toBe(200);
    return browser;
  };
  const me = async (browser: Browser) => (await browser.get('/r4/me')).body as { user: string | null; tag: string | null; n: number; digest: string };
  const listed = async (user: string) => ((await new Browser(running.url).get(`/r4/list/${user}`)).body as { id: string }[]).map((d) => d.id);

  beforeAll(async () => {
    opened = await storeCase.open();
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, store: opened.store })],
      controllers: [UsersGuardsController],
      providers: [SecondFactorGuard],
    });
  });
  afterAll(async () => {
    await running?.close();
    await opened?.close();
  });

  it('a guard that signs in and then refuses (second factor) leaves exactly one device listed, the one the browser now holds', async () => {
    const user = `mfa-${randomUUID()}`;
    const browser = new Browser(running.url);
    await browser.post('/r4/invalidate'); // an anonymous session with a cart
    const before = browser.cookies.get('sid');
    const reply = await browser.get('/r4/guarded', { 'x-mode': 'half-sign-in', 'x-user': user });
    expect(reply.status).toBe(403);
    expect(browser.cookies.get('sid')).not.toBe(before);
    const now = await me(browser);
    expect(now).toMatchObject({ user, tag: user, n: 1 });
    expect(await listed(user)).toEqual([now.digest]);
    const old = new Browser(running.url);
    old.cookies.set('sid', before!);
    expect((await me(old)).user).toBeNull();
  });

  it('the testing kit reads the half-signed-in session a refusing guard left, and "sign out one device" by its raw id ends it', async () => {
    const user = `kit-guard-${randomUUID()}`;
    const browser = new Browser(running.url);
    const sent = browser.cookies.get('sid');
    const reply = await browser.get('/r4/guarded', { 'x-mode': 'half-sign-in', 'x-user': user });
    expect(reply.status).toBe(403);
    const snapshot = await readSession<Account>(running.app, { headers: reply.headers } as never, sent ? { sent: `sid=${sent}` } : {});
    expect(snapshot).toMatchObject({ data: { user }, flash: { notice: 'Enter your code' } });
    expect(await running.app.get(UserSessions).destroy(user, snapshot!.id)).toBe(true);
    expect((await me(browser)).user).toBeNull();
    expect(await listed(user)).toEqual([]);
  });

  it('a guard that signs out and refuses: the device is gone from the list and stays signed out', async () => {
    const user = `out-${randomUUID()}`;
    const browser = await signIn(user);
    const stale = browser.clone();
    expect((await browser.get('/r4/guarded', { 'x-mode': 'sign-out-and-refuse' })).status).toBe(403);
    expect(await listed(user)).toEqual([]);
    expect((await me(stale)).user).toBeNull();
    expect((await me(browser)).user).toBeNull();
  });

  it('invalidate() takes the device off the list, and "sign out everywhere" leaves the anonymous session (and its cart) alone', async () => {
    const user = `inv-${randomUUID()}`;
    const browser = await signIn(user);
    await browser.post('/r4/invalidate');
    expect(await me(browser)).toMatchObject({ user: null, tag: null, n: 1 });
    expect(await listed(user)).toEqual([]);
    expect((await new Browser(running.url).post(`/r4/sign-out-all/${user}`)).body).toEqual({ destroyed: 0 });
    expect((await me(browser)).n).toBe(1);
  });

  it('a device whose own lifetime ran out is not listed, and "sign out everywhere" does not count it', async () => {
    const user = `exp-${randomUUID()}`;
    await signIn(user, { lifetimeMs: 600 });
    const lasting = await signIn(user);
    expect(await listed(user)).toHaveLength(2);
    await sleep(900);
    expect(await listed(user)).toEqual([(await me(lasting)).digest]);
    expect((await new Browser(running.url).post(`/r4/sign-out-all/${user}`)).body).toEqual({ destroyed: 1 });
    expect((await me(lasting)).user).toBeNull();
  });

  it('"sign out everywhere" while a guard on another device regenerates and refuses: that device stays signed out and unlisted', async () => {
    const user = `guard-race-${randomUUID()}`;
    const phone = await signIn(user);
    const held = gate.close();
    const refused = phone.get('/r4/guarded', { 'x-mode': 'gated-regenerate-and-refuse' });
    await held.arrived;
    expect((await new Browser(running.url).post(`/r4/sign-out-all/${user}`)).body).toEqual({ destroyed: 1 });
    held.release();
    expect((await refused).status).toBe(403);
    expect((await me(phone)).user).toBeNull();
    expect(await listed(user)).toEqual([]);
  });

  it('"sign out everywhere" while a guard writes and refuses: the write does not bring the session back', async () => {
    const user = `guard-write-${randomUUID()}`;
    const phone = await signIn(user);
    const held = gate.close();
    const refused = phone.get('/r4/guarded', { 'x-mode': 'gated-write-and-refuse' });
    await held.arrived;
    expect((await new Browser(running.url).post(`/r4/sign-out-all/${user}`)).body).toEqual({ destroyed: 1 });
    held.release();
    expect((await refused).status).toBe(403);
    expect((await me(phone)).user).toBeNull();
    expect(await listed(user)).toEqual([]);
  });
});

describe.each(PLATFORMS)('forRootAsync and the testing kit on %s', (platform) => {
  it('overrideProvider(SessionStore) with a forRootAsync factory: UserSessions, the app and TestSessionStore agree on who is signed in', async () => {
    const store = new TestSessionStore();
    const running = await startApp(
      platform,
      {
        imports: [SessionModule.forRootAsync({ useFactory: async () => ({ secret: SECRET }) })],
        controllers: [UsersGuardsController],
        providers: [SecondFactorGuard],
      },
      undefined,
      (builder) => builder.overrideProvider(SessionStore).useValue(store),
    );
    try {
      const user = `kit-${randomUUID()}`;
      const laptop = new Browser(running.url);
      const reply = await laptop.post('/r4/sign-in', { user });
      const phone = new Browser(running.url);
      await phone.post('/r4/sign-in', { user });
      expect((await store.sessions()).map((s) => s.data)).toEqual([{ user }, { user }]);
      expect(await running.app.get(UserSessions).list(user)).toHaveLength(2);
      expect((await readSession(running.app, { headers: reply.headers } as never, { sent: `sid=${laptop.cookies.get('sid')}` }))?.data).toEqual({ user });

      expect((await laptop.post(`/r4/sign-out-all/${user}`)).body).toEqual({ destroyed: 2 });
      expect(await store.sessions()).toEqual([]);
      expect(await readSession(running.app, { headers: new Headers() } as never, { sent: `sid=${laptop.cookies.get('sid')}` })).toBeUndefined();
      expect((await me(phone)).user).toBeNull();
    } finally {
      await running.close();
      await store.close();
    }
    async function me(browser: Browser) {
      return (await browser.get('/r4/me')).body as { user: string | null };
    }
  });

  it('a forRootAsync factory that throws stops the start-up with its own error, not a vaguer one', async () => {
    const attempt = startApp(platform, {
      imports: [SessionModule.forRootAsync({ useFactory: async () => { throw new Error('SESSION_SECRET is not set'); } })],
      controllers: [UsersGuardsController],
    });
    await expect(attempt).rejects.toThrow('SESSION_SECRET is not set');
  });

  it('a forRootAsync factory that resolves nothing fails the start-up saying a secret is needed', async () => {
    const attempt = startApp(platform, {
      imports: [SessionModule.forRootAsync({ useFactory: async () => undefined as unknown as SessionModuleOptions })],
      controllers: [UsersGuardsController],
    });
    await expect(attempt).rejects.toThrow(/secret/);
  });

  it('a RedisStore the forRootAsync factory made, replaced by overrideProvider(SessionStore), never connects: nothing is left open after close', async () => {
    redis ??= await DisposableRedis.start();
    const probe = new Redis({ port: redis.port, host: '127.0.0.1' });
    try {
      const clients = async () => String(await probe.client('LIST')).trim().split('\n').length;
      const baseline = await clients();
      const store = new TestSessionStore();
      const running = await startApp(
        platform,
        {
          imports: [SessionModule.forRootAsync({ useFactory: () => ({ secret: SECRET, store: new RedisStore({ url: `redis://127.0.0.1:${redis!.port}` }) }) })],
          controllers: [UsersGuardsController],
        },
        undefined,
        (builder) => builder.overrideProvider(SessionStore).useValue(store),
      );
      await sleep(200);
      const during = await clients();
      await running.close();
      await sleep(200);
      expect({ during, after: await clients() }).toEqual({ during: baseline, after: baseline });
    } finally {
      probe.disconnect();
    }
  });
});
