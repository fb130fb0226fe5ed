import type { SessionState } from '../core/session-state.js';
import type { ResolvedSession } from '../session-config.js';

/** express-session's `req.session.cookie`, read from the session this request holds. */
export interface ExpressSessionCookie {
  /** Milliseconds until the session expires (sliding); null for a browser-session cookie. */
  maxAge: number | null;
  readonly originalMaxAge: number | null;
  expires: Date | null;
  readonly path: string;
  readonly domain: string | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean | 'auto';
  readonly sameSite: string | boolean | undefined;
}

export function expressSessionCookie(state: SessionState, config: ResolvedSession): ExpressSessionCookie {
  return {
    get maxAge() {
      return config.expireOnClose ? null : Math.max(0, state.expiresAt - Date.now());
    },
    set maxAge(_value: number | null) {
      // A per-session lifetime is not kept by this version: the module's idleTimeout applies.
    },
    get originalMaxAge() {
      return config.expireOnClose ? null : config.idleMs;
    },
    get expires() {
      return config.expireOnClose ? null : new Date(state.expiresAt);
    },
    set expires(_value: Date | null) {},
    path: config.cookie.path ?? '/',
    domain: config.cookie.domain,
    httpOnly: config.cookie.httpOnly ?? true,
    secure: config.secure,
    sameSite: config.cookie.sameSite,
  };
}
