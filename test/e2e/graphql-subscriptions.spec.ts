import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { AccountController } from './fixtures/contexts/account.controller.js';
import { AccountService } from './fixtures/contexts/account.service.js';
import { CartEventsResolver } from './fixtures/contexts/cart-events.resolver.js';
import { CartResolver } from './fixtures/contexts/cart.resolver.js';
import { GRAPHQL_SERVER } from './fixtures/contexts/graphql-module.js';
import { graphqlSubscriptionsModule } from './fixtures/contexts/graphql-subscriptions-module.js';

/** A graphql-ws client whose handshake carries the browser's cookies, as a page's would. */
function subscriptionClient(url: string, browser: Browser): Client {
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  class CookieWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: cookie ? { cookie } : {} });
    }
  }
  return createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0, lazy: true });
}

/** The first result of a subscription, or what ended it. */
function first(client: Client, query: string): Promise<{ data?: unknown; errors?: { message: string }[] } | { closed: unknown }> {
  return new Promise((resolve) => {
    const dispose = client.subscribe(
      { query },
      {
        next: (result) => {
          dispose();
          resolve(result as { data?: unknown });
        },
        error: (error) => resolve(Array.isArray(error) ? { errors: error } : { closed: error }),
        complete: () => undefined,
      },
    );
  });
}

describe.each(PLATFORMS)('GraphQL subscriptions on %s', (platform) => {
  failOnProcessErrors();
  let running: RunningApp;
  const clients: Client[] = [];
  const open = (browser: Browser) => {
    const client = subscriptionClient(running.url, browser);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET, asyncContext: true }), graphqlSubscriptionsModule(platform)],
      controllers: [AccountController],
      providers: [AccountService, CartResolver, CartEventsResolver],
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => running.close());

  it(`${GRAPHQL_SERVER[platform]} lets a signed-in browser subscribe, its session read with sessionManager.peek() on the upgrade request`, async () => {
    const browser = new Browser(running.url);
    await browser.post('/account/sign-in', { name: 'ada' });
    expect(await first(open(browser), 'subscription { signedIn }')).toEqual({ data: { signedIn: 'welcome' } });
  });

  it('refuses the socket of a browser that is not signed in', async () => {
    const result = await first(open(new Browser(running.url)), 'subscription { signedIn }');
    expect(result).toHaveProperty('closed');
  });

  it('@Session() in a subscription resolver answers an error that says why and what to use instead', async () => {
    const browser = new Browser(running.url);
    await browser.post('/account/sign-in', { name: 'ada' });
    const result = await first(open(browser), 'subscription { cartChanged }');
    expect(JSON.stringify(result)).toMatch(/not available in GraphQL subscriptions.*peek/);
  });
});
