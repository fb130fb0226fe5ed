import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { resolveConfig, type ResolvedConfig } from './session-config.js';
import { SESSION_CONFIG } from './session.constants.js';
import { SessionInterceptor } from './session.interceptor.js';
import { SessionManager } from './session-manager.js';
import { ConfigurableModuleClass, SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import type { SessionModuleOptions } from './session.options.js';
import { SessionStore } from './stores/session-store.js';

/**
 * `SessionModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * Provides the store (`@InjectSessionStore()`), `SessionManager`, and the
 * global interceptor that loads and commits sessions.
 */
@Module({
  providers: [
    {
      provide: SESSION_CONFIG,
      useFactory: (options: SessionModuleOptions) => resolveConfig(options),
      inject: [SESSION_MODULE_OPTIONS],
    },
    {
      provide: SessionStore,
      useFactory: (config: ResolvedConfig) => config.sessions.get('default')!.store,
      inject: [SESSION_CONFIG],
    },
    SessionManager,
    { provide: APP_INTERCEPTOR, useClass: SessionInterceptor },
  ],
  exports: [SessionManager, SessionStore],
})
export class SessionModule extends ConfigurableModuleClass {}
