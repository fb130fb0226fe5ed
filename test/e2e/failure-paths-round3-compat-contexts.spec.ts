import { Injectable } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { Redis } from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { keepHandshake, MemoryStore, Session, SessionManager, SessionModule } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { Browser, type Reply } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { DisposableRedis } from '../support/disposable-redis.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { TestGate } from '../support/gate.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { connectedClient } from '../support/redis.js';
import { AccountController } from './fixtures/contexts/account.controller.js';
import { AccountService } from './fixtures/contexts/account.service.js';
import { CartResolver, SignedInResolverGuard } from './fixtures/contexts/cart.resolver.js';
import { graphqlModule } from './fixtures/contexts/graphql-module.js';
import { connect, SOCKET_KINDS, type TestSocket } from './fixtures/contexts/socket-clients.js';

/**
 * Failure paths of sessions outside controllers: GraphQL resolvers and
 * WebSocket gateway handlers whose store stops (a redis-server of the test's
 * own, paused with SIGSTOP past the client's commandTimeout, or killed)
 * while they write; a batch of mutations; a service writing through
 * `SessionManager.current()`; a socket that disconnects while its message's
 * save is pending. Real Apollo (Express), Mercurius (Fastify), socket.io and ws.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const COMMAND_TIMEOUT_MS = 500;

/** Where a resolver, service or gateway handler waits for the test, once its session is loaded. */
const gate = new TestGate();

/** A service that writes through current(), after waiting at the gate. */
@Injectable()
class GatedCartService {
  constructor(private readonly sessions: SessionManager) {}

  async add(item: string): Promise<string[]> {
    const session = this.sessions.current()!;
    session.push('cart', item);
    await gate.pass();
    return session.get('cart');
  }
}

@Resolver()
class GatedResolver {
  constructor(private readonly cart: GatedCartService) {}

  @Mutation(() => [String])
  async gatedAdd(@Session() session: Session, @Args('item') item: string): Promise<string[]> {
    session.push('cart', item);
    await gate.pass();
    return session.get('cart');
  }

  @Mutation(() => [String])
  gatedAddThroughService(@Session() _session: Session, @Args('item') item: string): Promise<string[]> {
    return this.cart.add(item);
  }
}

@WebSocketGateway()
class GatedGateway implements OnGatewayConnection {
  handleConnection(client: object, request?: IncomingMessage): void {
    if (request) keepHandshake(client, request);
  }

  @SubscribeMessage('read')
  read(@Session() session: Session): { cart: string[] } {
    return { cart: session.get('cart', []) };
  }

  @SubscribeMessage('gated-add')
  async gatedAdd(@Session() session: Session, @MessageBody() item: string): Promise<{ cart: string[] }> {
    session.push('cart', item);
    await gate.pass();
    return { cart: session.get('cart') };
  }
}

/** A redis-server of the test's own and a client that fails fast, as the README recommends. */
function ownRedis() {
  const own = {} as { redis: DisposableRedis; client: Redis; inspector: Redis };
  beforeAll(async () => {
    own.redis = await DisposableRedis.start();
    own.client = await connectedClient(own.redis.port, { commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
    own.inspector = await connectedClient(own.redis.port, { retryStrategy: () => 100 });
  });
  afterAll(async () => {
    gate.release();
    own.redis?.resume();
    own.client?.disconnect();
    own.inspector?.disconnect();
    await own.redis?.kill();
  });
  afterEach(() => own.redis.resume());
  return own;
}

/** The cart as Redis itself holds it for the browser's session. */
async function storedCart(inspector: Redis, browser: Browser): Promise<string[] | undefined> {
  const id = browser.cookies.get('sid')?.split('.')[0];
  const json = id && (await inspector.get(`sess:${id}`));
  return json ? ((JSON.parse(json) as { data: { cart?: string[] } }).data.cart ?? []) : undefined;
}

describe.each(PLATFORMS)('GraphQL mutations when Redis stops under them, on %s', (platform) => {
  failOnProcessErrors();
  const own = ownRedis();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client: own.client }), sessions: { prefs: { store: new MemoryStore() } }, asyncContext: true }), graphqlModule(platform)],
      controllers: [AccountController],
      providers: [AccountService, CartResolver, SignedInResolverGuard, GatedResolver, GatedCartService],
    });
  });
  afterAll(() => running?.close());

  const graphql = (browser: Browser, query: string | { query: string }[]): Promise<Reply> => browser.post('/graphql', typeof query === 'string' ? { query } : query);

  async function signedIn(): Promise<Browser> {
    const browser = new Browser(running.url);
    expect((await browser.post('/account/sign-in', { name: 'ada' })).status).toBe(201);
    expect((await graphql(browser, 'mutation { addToCart(item: "kept") }')).body).toEqual({ data: { addToCart: ['kept'] } });
    return browser;
  }

  /** Sends the operation, pauses Redis once its resolver holds the loaded session, resumes after the answer and the command timeout. */
  async function whilePaused(send: () => Promise<Reply>): Promise<Reply> {
    const held = gate.close();
    const pending = send();
    await held.arrived;
    own.redis.pause();
    held.release();
    const answer = await pending;
    await sleep(100);
    own.redis.resume();
    await sleep(COMMAND_TIMEOUT_MS);
    return answer;
  }

  /**
   * What a save that failed after the resolvers ran looks like to the client: the store outage, no cookie, nothing of
   * the answer it replaces. On Express the response hook answers Nest's 503 (not GraphQL-shaped: Apollo had already
   * written its body); on Fastify the onSend failure reaches Mercurius's error handler, which answers a GraphQL error
   * with HTTP 200 and data null.
   */
  function expectStoreOutage(reply: Reply): void {
    if (platform === 'express') {
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/session store is unavailable/i) });
    } else {
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ data: null, errors: [{ message: expect.stringMatching(/session store is unavailable/i) }] });
    }
    expect(reply.setCookies).toEqual([]);
    expect(reply.text).not.toContain('lost');
  }

  it('a mutation whose save times out on a paused Redis: the client is told the session store is unavailable (503 on Express, a GraphQL error on Fastify), never the cart it claimed, and nothing of it is kept once Redis resumes', async () => {
    const browser = await signedIn();
    const reply = await whilePaused(() => graphql(browser, 'mutation { gatedAdd(item: "lost") }'));
    expectStoreOutage(reply);
    expect((await graphql(browser, '{ cart }')).body).toEqual({ data: { cart: ['kept'] } });
    expect(await storedCart(own.inspector, browser)).toEqual(['kept']);
  });

  it('a batch of two mutations whose shared save times out: one store error for the whole batch, and neither mutation is kept', async () => {
    const browser = await signedIn();
    const reply = await whilePaused(() => graphql(browser, [{ query: 'mutation { gatedAdd(item: "lost") }' }, { query: 'mutation { addToCart(item: "lost too") }' }]));
    expectStoreOutage(reply);
    expect(await storedCart(own.inspector, browser)).toEqual(['kept']);
  });

  it('a service writing through SessionManager.current() whose save times out: the store error, and nothing of it is kept', async () => {
    const browser = await signedIn();
    const reply = await whilePaused(() => graphql(browser, 'mutation { gatedAddThroughService(item: "lost") }'));
    expectStoreOutage(reply);
    expect(await storedCart(own.inspector, browser)).toEqual(['kept']);
    // Once Redis is back, the same path saves.
    expect((await graphql(browser, 'mutation { addThroughService(item: "tea") { cart } }')).body.data.addThroughService.cart).toEqual(['kept', 'tea']);
  });

  it('with Redis stopped, a mutation and a guarded query answer a GraphQL error saying the session store is unavailable, promptly, with no cookie; the app recovers when Redis is back', async () => {
    const browser = await signedIn();
    await own.redis.kill();
    try {
      for (const query of ['mutation { addToCart(item: "lost") }', '{ secret }', 'mutation { addThroughService(item: "lost") { cart } }']) {
        const started = Date.now();
        const reply = await graphql(browser, query);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(reply.setCookies).toEqual([]);
        expect(reply.body.errors?.[0]?.message).toMatch(/session store is unavailable/i);
        expect(reply.body.data ?? null).toBeNull();
        // Apollo (through Nest's driver) codes it INTERNAL_SERVER_ERROR with the 503 beside it; Mercurius adds no code.
        if (platform === 'express') expect(reply.body.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 503 });
      }
      expect((await graphql(browser, '{ untouched }')).body).toEqual({ data: { untouched: 42 } });
    } finally {
      await own.redis.restart();
    }
    let after = await graphql(browser, '{ cart }');
    for (let i = 0; i < 50 && !after.body.data; i++) {
      await sleep(100);
      after = await graphql(browser, '{ cart }');
    }
    // A fresh redis-server: the session is gone, the browser gets a fresh one, and writing works again.
    expect(after.body).toEqual({ data: { cart: [] } });
    expect((await graphql(browser, 'mutation { addToCart(item: "again") }')).body).toEqual({ data: { addToCart: ['again'] } });
  });
});

describe.each(PLATFORMS.flatMap((platform) => SOCKET_KINDS.map((kind) => [platform, kind] as const)))('gateway messages when Redis stops under them, on %s with %s', (platform, kind) => {
  failOnProcessErrors();
  const own = ownRedis();
  let running: RunningApp;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    running = await startApp(
      platform,
      {
        imports: [SessionModule.forRoot({ secret: SECRET, store: new RedisStore({ client: own.client }), asyncContext: true })],
        controllers: [AccountController],
        providers: [AccountService, GatedGateway],
      },
      (app) => void app.useWebSocketAdapter(kind === 'ws' ? new WsAdapter(app) : new IoAdapter(app)),
    );
  });
  afterAll(() => running?.close());
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  async function signedInSocket(): Promise<{ browser: Browser; socket: TestSocket }> {
    const browser = new Browser(running.url);
    expect((await browser.post('/account/sign-in', { name: 'ada' })).status).toBe(201);
    expect((await browser.post('/account/cart', { item: 'kept' })).status).toBe(201);
    const socket = await connect(kind, running.url, browser);
    sockets.push(socket);
    return { browser, socket };
  }

  it('a message whose save times out on a paused Redis: the client gets an error event for the store, the write is not kept, and the same socket works once Redis resumes', async () => {
    const { browser, socket } = await signedInSocket();
    const held = gate.close();
    const pending = socket.send('gated-add', 'lost');
    await held.arrived;
    own.redis.pause();
    held.release();
    const answer = await pending;
    await sleep(100);
    own.redis.resume();
    await sleep(COMMAND_TIMEOUT_MS);
    expect(answer.ok).toBe(false);
    expect(answer.error?.message).toMatch(/session store is unavailable/i);
    expect(await storedCart(own.inspector, browser)).toEqual(['kept']);
    expect((await socket.send('read')).data).toEqual({ cart: ['kept'] });
    expect((await socket.send('gated-add', 'pen')).data).toEqual({ cart: ['kept', 'pen'] });
    expect(await storedCart(own.inspector, browser)).toEqual(['kept', 'pen']);
  });

  it.each([
    ['lands', 150, ['kept', 'gone']],
    ['times out', COMMAND_TIMEOUT_MS + 400, ['kept']],
  ] as const)('a client that disconnects while its message\'s save waits for a paused Redis: the save %s, the process survives, and other sockets keep working', async (_outcome, pauseMs, cart) => {
    const { browser, socket } = await signedInSocket();
    const held = gate.close();
    const pending = socket.send('gated-add', 'gone').catch(() => undefined);
    await held.arrived;
    own.redis.pause();
    const pausedAt = Date.now();
    held.release();
    await sleep(50);
    socket.close();
    await sleep(pausedAt + pauseMs - Date.now());
    own.redis.resume();
    await sleep(COMMAND_TIMEOUT_MS);
    void pending;
    expect(await storedCart(own.inspector, browser)).toEqual(cart);
    const other = await connect(kind, running.url, browser);
    sockets.push(other);
    expect((await other.send('read')).data).toEqual({ cart });
    expect((await other.send('gated-add', 'next')).data).toEqual({ cart: [...cart, 'next'] });
  });
});
