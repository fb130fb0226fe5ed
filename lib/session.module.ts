import { Logger, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MessageSessions } from './lifecycle/message-sessions.js';
import { ResolverSessions } from './lifecycle/resolver-sessions.js';
import { ResponseHooks } from './lifecycle/response-hooks.js';
import { SessionCommitter } from './lifecycle/session-committer.js';
import { SessionInterceptor } from './lifecycle/session.interceptor.js';
import { SessionMiddleware } from './lifecycle/session.middleware.js';
import { StoreReadiness } from './lifecycle/store-readiness.js';
import { resolveConfig, type ResolvedConfig } from './session-config.js';
import { SESSION_CONFIG } from './session.constants.js';
import { SessionManager } from './session-manager.js';
import { ConfigurableModuleClass, SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import type { SessionModuleOptions } from './session.options.js';
import { MemoryStore } from './stores/memory.store.js';
import { SessionStore } from './stores/session-store.js';
import { UserSessions } from './users/user-sessions.js';

/**
 * `SessionModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * Provides the default session's store (`SessionStore`: override it in tests
 * with `overrideProvider(SessionStore)`), `SessionManager`, `UserSessions`, `SessionMiddleware`,
 * and the global `SessionInterceptor` that loads the sessions a handler uses
 * and commits them before Nest writes the response.
 */
@Module({
  providers: [
    {
      provide: SessionStore,
      useFactory: (options: SessionModuleOptions) => options?.store ?? new MemoryStore(),
      inject: [SESSION_MODULE_OPTIONS],
    },
    {
      provide: SESSION_CONFIG,
      useFactory: (options: SessionModuleOptions, store: SessionStore) => resolveConfig(options, store),
      inject: [SESSION_MODULE_OPTIONS, SessionStore],
    },
    {
      provide: SessionCommitter,
      useFactory: (config: ResolvedConfig) => new SessionCommitter(config.maxCommitAttempts, new Logger('SessionModule')),
      inject: [SESSION_CONFIG],
    },
    ResponseHooks,
    SessionManager,
    { provide: UserSessions, useFactory: (config: ResolvedConfig) => new UserSessions(config), inject: [SESSION_CONFIG] },
    SessionMiddleware,
    StoreReadiness,
    ResolverSessions,
    MessageSessions,
    SessionInterceptor,
    { provide: APP_INTERCEPTOR, useExisting: SessionInterceptor },
  ],
  exports: [SessionManager, SessionStore, SessionMiddleware, SessionInterceptor, UserSessions],
})
export class SessionModule extends ConfigurableModuleClass {}
