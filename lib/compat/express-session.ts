import type { ExpressSessionCookie } from './express-session-cookie.js';

/** A Node-style callback, as express-session's methods take. */
export type Callback = (error?: unknown) => void;

/** What express-session's `req.session` offers besides the data, as passport, connect-flash and csrf-sync use it. */
export interface ExpressSession {
  /** The session id (`req.sessionID` too); a new one after `regenerate()`. */
  readonly id: string;
  /** The cookie's `maxAge` and `expires`; setting either gives this session its own lifetime. */
  readonly cookie: ExpressSessionCookie;
  /**
   * An empty session under a new id, as express-session's (the typed API's `invalidate()`); the old id stops working.
   * As there, `req.session` is a new object afterwards: one held from before keeps what it held, unsaved (passport's
   * `keepSessionInfo` merges it into the new one).
   */
  regenerate(callback?: Callback): this;
  /** Deletes the session from its store and expires its cookie. */
  destroy(callback?: Callback): this;
  /** Turns this request's property changes into session operations now; the response still saves them. */
  save(callback?: Callback): this;
  /** Drops this request's unsaved property changes (the store is read once per request). */
  reload(callback?: Callback): this;
  /** Marks the session used, so its idle expiry restarts. */
  touch(): this;
  /** As `touch()`. */
  resetMaxAge(): this;
  /** Session values, as top-level properties. */
  [key: string]: unknown;
}
