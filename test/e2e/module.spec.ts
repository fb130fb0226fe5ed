import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import {
  InjectSessionStore,
  MemoryStore,
  SessionConfigError,
  SessionModule,
  SessionStore,
  type SessionModuleOptions,
} from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

@Injectable()
class AppConfig {
  readonly secret = SECRET;
  readonly store = new MemoryStore();
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class ConfigModule {}

/** The `useClass` / `useExisting` shape: a provider with `createSessionOptions()`. */
@Injectable()
class SessionOptionsFactory {
  constructor(private readonly config: AppConfig) {}
  createSessionOptions(): SessionModuleOptions {
    return { secret: this.config.secret, store: this.config.store, cookie: { name: 'from_class' } };
  }
}

@Controller('store')
class StoreController {
  constructor(@InjectSessionStore() private readonly store: SessionStore, @Inject(SessionStore) private readonly same: SessionStore, private readonly config: AppConfig) {}

  @Get()
  which() {
    return { injected: this.store === this.config.store, token: this.same === this.store };
  }
}

describe.each(PLATFORMS)('SessionModule configuration on %s', (platform) => {
  it('forRootAsync with imports, inject and useFactory builds the store from injected configuration', async () => {
    const running = await startApp(platform, {
      imports: [
        ConfigModule,
        SessionModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => ({ secret: config.secret, store: config.store }),
        }),
      ],
      controllers: [SessionController, StoreController],
    });
    try {
      const browser = new Browser(running.url);
      await browser.post('/set', { path: 'x', value: 'async' });
      expect((await browser.get('/get?path=x')).body.value).toBe('async');
      expect((await browser.get('/store')).body).toEqual({ injected: true, token: true });
    } finally {
      await running.close();
    }
  });

  it('forRootAsync with useClass calls createSessionOptions() on the class', async () => {
    const running = await startApp(platform, {
      imports: [SessionModule.forRootAsync({ imports: [ConfigModule], useClass: SessionOptionsFactory })],
      controllers: [SessionController],
    });
    try {
      const reply = await new Browser(running.url).post('/set', { path: 'x', value: 1 });
      expect(reply.setCookies[0]).toMatch(/^from_class=/);
    } finally {
      await running.close();
    }
  });

  it.each<[string, Partial<SessionModuleOptions>, RegExp]>([
    ['a secret under 32 characters', { secret: 'short' }, /at least 32 characters.*randomBytes/],
    ['no secret', { secret: undefined }, /needs a "secret"/],
    ['a short secret in a rotation list', { secret: [SECRET, 'old'] }, /"secret"\[1\] must be/],
    ['an unparseable idleTimeout', { idleTimeout: 'soon' as never }, /"idleTimeout".*'2h'/],
    ['touchAfter not below idleTimeout', { idleTimeout: '1m', touchAfter: '2m' }, /"touchAfter".*shorter/],
    ['sameSite none without Secure', { cookie: { sameSite: 'none', secure: false } }, /sameSite 'none' needs a Secure cookie/],
    ['a __Host- cookie with a domain', { cookie: { name: '__Host-sid', domain: 'example.test' } }, /__Host-.*no domain/],
    ['a store that is not a SessionStore', { store: {} as never }, /must implement SessionStore/],
    ['two sessions on one cookie', { sessions: { prefs: { cookie: { name: 'sid' } } } }, /both use the cookie "sid"/],
  ])('refuses to start with %s, saying how to fix it', async (_label, options, message) => {
    const attempt = startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, ...options } as SessionModuleOptions)] });
    await expect(attempt).rejects.toThrow(SessionConfigError);
    await expect(attempt).rejects.toThrow(message);
  });
});
