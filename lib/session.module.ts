import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { resolveConfig, type ResolvedConfig } from './session-config.js';
import { SESSION_CONFIG } from './session.constants.js';
import { SessionLoadGuard } from './session-load.guard.js';
import { SessionManager } from './session-manager.js';
import { ConfigurableModuleClass, SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import type { SessionModuleOptions } from './session.options.js';
import { SessionStore } from './stores/session-store.js';

/**
 * `SessionModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * Provides the store (`@InjectSessionStore()`), `SessionManager`, and the
 * global guard that loads the sessions a handler uses (each response then
 * commits them just before it leaves).
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
    { provide: APP_GUARD, useClass: SessionLoadGuard },
  ],
  exports: [SessionManager, SessionStore],
})
export class SessionModule extends ConfigurableModuleClass {}
