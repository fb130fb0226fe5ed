import { isLive } from '../commit/live-record.js';
import type { SessionData } from '../core/session-paths.js';
import { DEFAULTS } from '../session.options.js';
import { sessionSettings, type SessionApp } from './app-sessions.js';
import { cookieValues, type CookieSource } from './cookie-sources.js';
import { snapshotOf, type SessionSnapshot } from './session-snapshot.js';

/** Options of {@link readSession}. */
export interface ReadSessionOptions {
  /** The session to read: `'default'` (the default) or a name configured under `sessions` in `forRoot`. */
  name?: string;
  /**
   * The `Cookie` header the request sent, for responses that set no cookie
   * for this session (a server-store session whose id did not change) and do
   * not carry their request: fetch's. supertest and Fastify's `inject()`
   * responses carry it, so they need no `sent`.
   */
  sent?: string;
}

/**
 * The session a client holds after `source`: its data and the flash the next
 * request will read, or undefined when it holds no live session. Reads the
 * store as the next request would, changing nothing (no expiry, no flash).
 * A response's `Set-Cookie` wins; without one, the cookie the request sent
 * decides (supertest and `inject()` carry it; with fetch, pass `sent`).
 *
 * ```ts
 * const res = await request(app.getHttpServer()).post('/cart').set('Cookie', cookie).send({ item: 'book' });
 * expect((await readSession(app, res))?.data.cart).toEqual(['book']);
 * ```
 */
export async function readSession<T extends object = SessionData, F extends object = Record<string, any>>(
  app: SessionApp,
  source: CookieSource,
  options: ReadSessionOptions = {},
): Promise<SessionSnapshot<T, F> | undefined> {
  const session = sessionSettings(app, options.name);
  const now = Date.now();
  // The same values, in the same order and number, that SessionManager would try for a request carrying them.
  for (const value of cookieValues(source, session.cookieName, options.sent).slice(0, DEFAULTS.maxCookieValues)) {
    if (session.sealer) {
      const opened = session.sealer.open(value);
      if (opened && isLive(opened.record, now, session)) return snapshotOf<T, F>(opened.id, opened.record);
      continue;
    }
    const unsigned = session.signer.unsign(value);
    if (!unsigned) continue;
    const record = await session.store.get(unsigned.id);
    // A forward marker left by regenerate() reads as missing, as it does for a request.
    return isLive(record, now, session) && record.movedTo === undefined ? snapshotOf<T, F>(unsigned.id, record) : undefined;
  }
  return undefined;
}
