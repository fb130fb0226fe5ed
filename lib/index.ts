/** `nest-sessions`: the module, the Session API and decorators, the store contract and the built-in stores, and the errors. */
export { SessionModule } from './session.module.js';
export type { SessionModuleOptions, SessionSettings, SessionCookieOptions } from './session.options.js';
export { SessionManager } from './session-manager.js';
export { UserSessions, type DestroyAllOptions } from './users/user-sessions.js';
export type { UserSessionInfo } from './users/user-session-info.js';
export { SessionInterceptor } from './lifecycle/session.interceptor.js';
export { SessionMiddleware } from './lifecycle/session.middleware.js';
export { keepHandshake } from './contexts/ws-handshake.js';
export type { ExpressSession } from './compat/express-session.js';
export type { ExpressSessionCookie } from './compat/express-session-cookie.js';

export { Session } from './decorators/session.decorator.js';
export { Flash } from './decorators/flash.decorator.js';
export { UseSession } from './decorators/use-session.decorator.js';
export { InjectSessionStore } from './decorators/inject-session-store.decorator.js';
export { FlashBag } from './core/flash-bag.js';
export { TransientValues } from './core/transient-values.js';
export type { SessionData, SessionPath, SessionPathValue } from './core/session-paths.js';
export type { Duration } from './core/duration.js';
export type { ViewLocalsOptions } from './views/view-locals.js';

export { SessionStore, isStoredSession } from './stores/session-store.js';
export type { StoredSession, StoreSetOptions, StoreDestroyOptions, TaggedSession, SessionDevice } from './stores/session-store.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.store.js';
export { NullStore } from './stores/null.store.js';
export { CookieStore } from './stores/cookie.store.js';
export { FileStore, type FileStoreOptions } from './stores/file.store.js';

export { SessionError } from './errors/session.error.js';
export { SessionConfigError } from './errors/session-config.error.js';
export { SessionStoreUnavailableError, type StoreWriteOutcome } from './errors/session-store-unavailable.error.js';
export { SessionNotLoadedError } from './errors/session-not-loaded.error.js';
export { SessionConflictError } from './errors/session-conflict.error.js';
export { SessionTooLargeError } from './errors/session-too-large.error.js';
export { SessionNotWritableError } from './errors/session-not-writable.error.js';
export { SessionContextError } from './errors/session-context.error.js';
export { UserSessionsUnsupportedError } from './errors/user-sessions-unsupported.error.js';
