import { expiresOnClose } from '../commit/commit-plan.js';
import type { LoadedSession } from '../request-sessions.js';

/** express-session's `req.session.cookie`, over the session this request holds. */
export interface ExpressSessionCookie {
  /** Milliseconds until the session expires (sliding); null for a browser-session cookie. Setting it gives this session its own lifetime. */
  maxAge: number | null;
  /** The idle timeout the session lives by; null for a browser-session cookie. */
  readonly originalMaxAge: number | null;
  /** When the session expires; null for a browser-session cookie. Setting it is setting `maxAge` to the time left. */
  expires: Date | null;
  /** The cookie's `Path` (from the module's `cookie` options, as are the fields below). */
  readonly path: string;
  /** The cookie's `Domain`; undefined: this host only. */
  readonly domain: string | undefined;
  /** Whether the cookie is `HttpOnly`. */
  readonly httpOnly: boolean;
  /** Whether the cookie is `Secure`; `'auto'`: when the request came over HTTPS. */
  readonly secure: boolean | 'auto';
  /** The cookie's `SameSite`, if any. */
  readonly sameSite: string | undefined;
}

/** Builds `req.session.cookie` over the loaded session: reads follow it, writes set its lifetime. */
export function expressSessionCookie({ state, session, config }: LoadedSession): ExpressSessionCookie {
  const onClose = () => expiresOnClose(config, state);
  return {
    get maxAge() {
      return onClose() ? null : Math.max(0, state.expiresAt - Date.now());
    },
    set maxAge(value: number | null) {
      session.setLifetime(value === null ? null : Math.max(1, Math.round(value)));
    },
    get originalMaxAge() {
      return onClose() ? null : session.lifetimeMs;
    },
    get expires() {
      return onClose() ? null : new Date(state.expiresAt);
    },
    set expires(value: Date | null) {
      session.setLifetime(value === null ? null : Math.max(1, value.getTime() - Date.now()));
    },
    path: config.cookie.path,
    domain: config.cookie.domain,
    httpOnly: config.cookie.httpOnly,
    secure: config.secure,
    sameSite: config.cookie.sameSite,
  };
}
