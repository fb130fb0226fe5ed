import { MemoryStore, SessionModule } from '../../lib/index.js';
import { Browser, parseSetCookie, type Reply } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { AccountController } from './fixtures/contexts/account.controller.js';
import { AccountService } from './fixtures/contexts/account.service.js';
import { CartResolver, SignedInResolverGuard } from './fixtures/contexts/cart.resolver.js';
import { GRAPHQL_SERVER, graphqlModule } from './fixtures/contexts/graphql-module.js';
import { CONTEXT_STORES } from './fixtures/contexts/stores.js';
import type { CountingStore } from '../support/counting-store.js';

const graphql = (browser: Browser, query: string | { query: string }[]): Promise<Reply> =>
  browser.post('/graphql', typeof query === 'string' ? { query } : query);

describe.each(PLATFORMS.flatMap((platform) => CONTEXT_STORES.map((store) => [platform, store.name, store] as const)))(
  'sessions in GraphQL resolvers on %s, %s',
  (platform, _name, backend) => {
    failOnProcessErrors();
    let running: RunningApp;
    let store: CountingStore;
    let close: () => Promise<void>;
    let browser: Browser;

    beforeAll(async () => {
      ({ store, close } = await backend.open());
      running = await startApp(platform, {
        imports: [
          SessionModule.forRoot({ secret: SECRET, store, sessions: { prefs: { store: new MemoryStore() } }, asyncContext: true }),
          graphqlModule(platform),
        ],
        controllers: [AccountController],
        providers: [AccountService, CartResolver, SignedInResolverGuard],
      });
    });
    afterAll(async () => {
      await running.close();
      await close();
    });
    beforeEach(() => {
      browser = new Browser(running.url);
      store.reset();
    });

    it(`a mutation writes the session and a later query reads it, through the cookie ${GRAPHQL_SERVER[platform]}'s response set`, async () => {
      const written = await graphql(browser, 'mutation { addToCart(item: "book") }');
      expect(written.body).toEqual({ data: { addToCart: ['book'] } });
      expect(written.setCookies.map((line) => parseSetCookie(line).name)).toEqual(['sid']);
      expect(written.headers.get('vary')).toMatch(/cookie/i);
      expect((await graphql(browser, '{ cart }')).body).toEqual({ data: { cart: ['book'] } });
      expect((await graphql(new Browser(running.url), '{ cart }')).body).toEqual({ data: { cart: [] } });
    });

    it('a resolver sees the session a controller wrote, and a controller sees what a resolver wrote', async () => {
      await browser.post('/account/sign-in', { name: 'ada' });
      await graphql(browser, 'mutation { addToCart(item: "pen") }');
      expect((await browser.get('/account')).body).toMatchObject({ user: 'ada', cart: ['pen'] });
      expect((await graphql(browser, '{ cart secret }')).body).toEqual({ data: { cart: ['pen'], secret: 'for ada' } });
    });

    it('a query whose resolvers use no session reads no store and sets no cookie', async () => {
      await graphql(browser, 'mutation { addToCart(item: "book") }');
      store.reset();
      const reply = await graphql(browser, '{ untouched }');
      expect(reply.body).toEqual({ data: { untouched: 42 } });
      expect(reply.setCookies).toEqual([]);
      expect(store.calls).toEqual([]);
    });

    it('the resolvers of one operation share one session, read once and saved once', async () => {
      await graphql(browser, 'mutation { addToCart(item: "a") }');
      store.reset();
      const reply = await graphql(browser, 'mutation { first: addToCart(item: "b") second: addToCart(item: "c") }');
      expect(reply.body).toEqual({ data: { first: ['a', 'b'], second: ['a', 'b', 'c'] } });
      expect(store.calls.filter((call) => call === 'get').length).toBeLessThanOrEqual(1);
      expect(store.calls.filter((call) => call === 'set').length).toBeLessThanOrEqual(1);
      expect((await graphql(browser, '{ cart }')).body.data.cart).toEqual(['a', 'b', 'c']);
    });

    it('a batch of operations in one HTTP request shares its session and is saved with its response', async () => {
      const reply = await graphql(browser, [{ query: 'mutation { addToCart(item: "x") }' }, { query: 'mutation { addToCart(item: "y") }' }]);
      expect(reply.status).toBe(200);
      expect(reply.body.map((result: { data: { addToCart: string[] } }) => result.data.addToCart)).toEqual([['x'], ['x', 'y']]);
      expect(reply.setCookies.filter((line) => parseSetCookie(line).name === 'sid')).toHaveLength(1);
      expect((await graphql(browser, '{ cart }')).body.data.cart).toEqual(['x', 'y']);
    });

    it('a resolver that crashes after writing rolls the whole request back, as a 5xx does', async () => {
      await graphql(browser, 'mutation { addToCart(item: "kept") }');
      const reply = await graphql(browser, 'mutation { addToCart(item: "lost") addThenCrash(item: "also lost") }');
      expect(reply.body.errors[0].message).toMatch(/payment service is down/);
      expect(reply.setCookies).toEqual([]);
      expect((await graphql(browser, '{ cart }')).body.data.cart).toEqual(['kept']);
    });

    it('a resolver that refuses the input (an HttpException below 500) keeps what it wrote, as a 4xx does', async () => {
      const reply = await graphql(browser, 'mutation { addThenRefuse(item: "note") }');
      expect(reply.body.errors[0].message).toMatch(/sold out/);
      expect((await graphql(browser, '{ cart }')).body.data.cart).toEqual(['note']);
    });

    it('a named session (@Session(\'prefs\')) keeps its own cookie and store in resolvers', async () => {
      const reply = await graphql(browser, 'mutation { setTheme(theme: "dark") }');
      expect(reply.setCookies.map((line) => parseSetCookie(line).name)).toEqual(['sid.prefs']);
      expect((await graphql(browser, '{ theme cart }')).body.data).toEqual({ theme: 'dark', cart: [] });
      expect((await browser.get('/account')).body.theme).toBe('dark');
    });

    it('a flash set by a mutation is read by the next query, then gone', async () => {
      await graphql(browser, 'mutation { flash(message: "Saved") }');
      expect((await graphql(browser, '{ flashed }')).body.data.flashed).toBe('Saved');
      expect((await graphql(browser, '{ flashed }')).body.data.flashed).toBeNull();
    });

    it('a service called by a resolver reaches the session through current() and its writes are saved', async () => {
      await browser.post('/account/sign-in', { name: 'grace' });
      const reply = await graphql(browser, 'mutation { addThroughService(item: "tea") { loaded user cart } }');
      expect(reply.body.data.addThroughService).toEqual({ loaded: true, user: 'grace', cart: ['tea'] });
      expect((await browser.get('/account')).body.cart).toEqual(['tea']);
    });

    it('a guard reads the operation\'s session through SessionManager.load(context)', async () => {
      expect((await graphql(browser, '{ secret }')).body.errors[0].message).toMatch(/forbidden/i);
      await browser.post('/account/sign-in', { name: 'ada' });
      expect((await graphql(browser, '{ secret }')).body.data.secret).toBe('for ada');
    });
  },
);
