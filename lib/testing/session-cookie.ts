import { expiryAt } from '../core/expiry.js';
import { toJsonValue } from '../core/json-value.js';
import type { SessionData, SessionShape } from '../core/session-paths.js';
import { SessionConfigError } from '../errors/session-config.error.js';
import { SessionTooLargeError } from '../errors/session-too-large.error.js';
import type { ResolvedSession } from '../session-config.js';
import { NullStore } from '../stores/null.store.js';
import type { StoredSession } from '../stores/session-store.js';
import { sessionSettings, type SessionApp } from './app-sessions.js';

/** Options of {@link sessionCookie}. */
export interface SessionCookieInit<F extends object = Record<string, any>> {
  /** The session to start: `'default'` (the default) or a name configured under `sessions` in `forRoot`. */
  name?: string;
  /** Flash values the first request reads, as if the request before it had called `flash.set`. */
  flash?: Partial<F>;
}

/** Browsers keep at most this many bytes per cookie; the module refuses to write more (as its committer does). */
const MAX_COOKIE_BYTES = 4096;

/**
 * A `Cookie` header value (`sid=<value>`) for a new session holding `data`:
 * signing in for a test without scripting a login. The record goes into the
 * app's own store (a CookieStore seals it into the value instead). Throws for
 * data the app could not have stored (not JSON, past `maxSize` or the
 * 4096-byte cookie limit) and on a NullStore.
 *
 * ```ts
 * const cookie = await sessionCookie(app, { user: { id: 1 } });
 * await request(app.getHttpServer()).get('/account').set('Cookie', cookie).expect(200);
 * ```
 *
 * @param app an `INestApplication` or a `TestingModule` whose modules import `SessionModule`
 * @param data the session's data, typed like `Session<T>` (default: the augmentable `SessionData`)
 */
export async function sessionCookie<T extends object = SessionData, F extends object = Record<string, any>>(
  app: SessionApp,
  data: Partial<SessionShape<T>> = {},
  init: SessionCookieInit<F> = {},
): Promise<string> {
  const session = sessionSettings(app, init.name);
  const now = Date.now();
  const record: StoredSession = {
    data: jsonObject(data, 'data'),
    flash: jsonObject(init.flash ?? {}, 'flash'),
    createdAt: now,
    expiresAt: expiryAt(now, now, session),
    version: 1,
  };
  const id = session.newId();
  const value = session.sealer ? session.sealer.seal(id, record) : await storeRecord(session, id, record);
  const line = session.setCookie.line(value, session.secure !== false, record.expiresAt);
  if (line.length > MAX_COOKIE_BYTES) throw SessionTooLargeError.forCookie(session.cookieName, line.length, MAX_COOKIE_BYTES);
  return `${session.cookieName}=${value}`;
}

/** Writes the record under `id` in the session's own store and returns the signed cookie value. */
async function storeRecord(session: ResolvedSession, id: string, record: StoredSession): Promise<string> {
  if (session.store instanceof NullStore) {
    // NullStore keeps nothing, so the cookie would name a session no request can load.
    throw new SessionConfigError(`nest-sessions/testing: session "${session.name}" uses a NullStore, which keeps nothing between requests, so no session can be started for a test. Use MemoryStore (or TestSessionStore) in tests.`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(record));
  if (bytes > session.maxSize) throw SessionTooLargeError.forStore(session.name, bytes, session.maxSize);
  // No ifVersion: a fresh 256-bit id is a new record, as the module's own first save of a session is.
  const written = await session.store.set(id, record, { ttlMs: Math.max(1, record.expiresAt - Date.now()) });
  if (written === false) throw new Error(`nest-sessions/testing: ${session.storeName} refused to store a new session (set() resolved false for a fresh id).`);
  return session.signer.sign(id);
}

/**
 * A private copy of `value` that holds only JSON, checked key by key so an
 * error names the path a test would have passed to `session.set`.
 */
function jsonObject(value: unknown, what: 'data' | 'flash'): Record<string, unknown> {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`sessionCookie: ${what} must be a plain object such as { user: { id: 1 } }; got ${Array.isArray(value) ? 'an array' : typeof value}.`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as object)) {
    if (item === undefined || key === '__proto__') continue; // as JSON, and as the module's own copies, do
    out[key] = toJsonValue(item, key);
  }
  return out;
}
