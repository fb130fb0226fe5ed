import type { Duration } from './core/duration.js';
import type { SessionStore } from './stores/session-store.js';
import type { ViewLocalsOptions } from './views/view-locals.js';

/** How the session cookie is written. Every field has a safe default. */
export interface SessionCookieOptions {
  /**
   * Cookie name. A `__Host-` prefix makes browsers pin the cookie to this
   * exact host over HTTPS (it forces `secure: true`, `path: '/'` and no domain).
   * @default 'sid' (named sessions: 'sid.<name>')
   */
  name?: string;
  /** URL path the cookie is sent for. @default '/' */
  path?: string;
  /** Domain the cookie is sent to (and its subdomains). @default undefined (this host only) */
  domain?: string;
  /** Keep scripts away from the id. @default true */
  httpOnly?: boolean;
  /** `'none'` needs `secure`. @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none' | false;
  /**
   * `'auto'`: `Secure` when the request came over HTTPS, honouring the
   * platform's trust-proxy setting for `X-Forwarded-Proto`.
   * @default 'auto'
   */
  secure?: boolean | 'auto';
  /** CHIPS partitioned cookie (needs `secure`). @default false */
  partitioned?: boolean;
  /** Chrome's cookie `Priority` attribute. @default undefined */
  priority?: 'low' | 'medium' | 'high';
}

/** Settings a named session may override; anything left out is inherited from the root options. */
export interface SessionSettings {
  /** Where sessions live. @default new MemoryStore() for the default session */
  store?: SessionStore;
  /** How the session cookie is written (name, path, sameSite, secure…). */
  cookie?: SessionCookieOptions;
  /** Sliding expiry: a session unused this long is gone. @default '2h' */
  idleTimeout?: Duration;
  /** Hard cap counted from creation, however active the session. `false`: none. @default false */
  absoluteTimeout?: Duration | false;
  /**
   * An unchanged session's expiry is extended (a store write and a new cookie)
   * only once this much time has passed since the last extension.
   * @default a tenth of idleTimeout
   */
  touchAfter?: Duration;
  /** Browser-session cookie (no `Expires`): closing the browser ends the session. @default false */
  expireOnClose?: boolean;
  /**
   * Largest session a commit will store, in bytes of JSON. A request that
   * grows it past this fails with `SessionTooLargeError` and saves nothing.
   * @default 1_048_576 (1 MiB)
   */
  maxSize?: number;
  /**
   * What `UserSessions.list()` shows about the client that created each
   * session: its IP (as the platform reports it, trust-proxy settings
   * honoured) and its User-Agent, kept in the session's record from its
   * first save. Personal data, so off unless asked for: `true` for both.
   * @default false
   */
  captureDevice?: boolean | { ip?: boolean; userAgent?: boolean };
}

/** What `SessionModule.forRoot()` takes (or `forRootAsync()`'s factory returns); only `secret` is required. */
export interface SessionModuleOptions extends SessionSettings {
  /**
   * Signs session cookies (HMAC-SHA256), at least 32 characters. A list
   * rotates secrets: the first signs, every one verifies, and cookies signed
   * with an older one are re-signed on their next response.
   */
  secret: string | readonly string[];
  /** Further sessions beside the default one, used as `@Session('name')`. Each needs its own store. */
  sessions?: Record<string, SessionSettings>;
  /**
   * How many times a commit reloads and replays its changes when parallel
   * requests on the same session keep saving first.
   * @default 10
   */
  maxCommitAttempts?: number;
  /**
   * What `@Render` views receive: the default session's data and flash as
   * `session` and `flash` (rename them here), merged under the handler's own
   * result. `false`: views get only what the handler returns.
   * @default { session: 'session', flash: 'flash' }
   */
  viewLocals?: ViewLocalsOptions | false;
  /**
   * Lets services reach the sessions of the request being served without
   * being handed the request: `sessionManager.current()`, through
   * AsyncLocalStorage (as nestjs-cls does). Off by default: before Node 24
   * AsyncLocalStorage hooks every promise, which costs every request CPU.
   * Gateway handlers use it regardless (their `@Session()` is found through it).
   * @default false
   */
  asyncContext?: boolean;
}

/** The name of the unnamed session (`@Session()`); reserved. */
export const DEFAULT_SESSION_NAME = 'default';
/** The defaults the options above document, and limits that are not options. */
export const DEFAULTS = {
  cookieName: 'sid',
  idleTimeout: '2h',
  touchAfterFraction: 0.1,
  maxCommitAttempts: 10,
  minSecretLength: 32,
  maxSize: 1_048_576,
  /** Sessions one module may configure (the default one included): each is a cookie on every request. */
  maxSessions: 16,
  /** Values of one session cookie a request may make the module check (browsers send a few duplicates for nested paths, no more). */
  maxCookieValues: 8,
} as const;
