import { SessionConfigError } from './errors/session-config.error.js';
import type { SetCookieAttributes } from './http/cookie-header.js';
import type { SessionCookieOptions } from './session.options.js';

/** What RFC 6265 allows in a cookie name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * One session's cookie options, checked against what browsers accept
 * (prefixes, SameSite=None and Partitioned need Secure), with the Set-Cookie
 * attributes they resolve to; every refusal says how to fix it.
 */
export function resolveCookie(options: SessionCookieOptions, cookieName: string, label: string) {
  if (!TOKEN.test(cookieName)) {
    throw new SessionConfigError(`${label}: cookie name "${cookieName}" has characters a cookie name cannot carry; use letters, digits and "._-".`);
  }
  const path = options.path ?? '/';
  if (!path.startsWith('/') || /[;\s]/.test(path)) {
    throw new SessionConfigError(`${label}: cookie path "${path}" must start with "/" and hold no ";" or spaces.`);
  }
  if (options.domain !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(options.domain)) {
    throw new SessionConfigError(`${label}: cookie domain "${options.domain}" is not a host name.`);
  }
  let secure = options.secure ?? 'auto';
  const prefixed = cookieName.startsWith('__Host-') || cookieName.startsWith('__Secure-');
  if (prefixed) {
    if (secure === false) throw new SessionConfigError(`${label}: a "${cookieName.split('-')[0]}-" cookie must be secure; drop "secure: false" or rename the cookie.`);
    secure = true; // browsers drop prefixed cookies without Secure, even on localhost over HTTP
  }
  if (cookieName.startsWith('__Host-') && (path !== '/' || options.domain !== undefined)) {
    throw new SessionConfigError(`${label}: a "__Host-" cookie must have path "/" and no domain.`);
  }
  const sameSite = options.sameSite === undefined ? 'lax' : options.sameSite;
  if (sameSite === 'none' && secure === false) {
    throw new SessionConfigError(`${label}: sameSite 'none' needs a Secure cookie (browsers reject it otherwise); set secure: true or 'auto', or use sameSite 'lax'.`);
  }
  if (options.partitioned && secure === false) {
    throw new SessionConfigError(`${label}: partitioned cookies must be Secure; set secure: true or 'auto'.`);
  }
  // 'auto' too: browsers refuse SameSite=None and Partitioned cookies without Secure, even over plain HTTP.
  if (sameSite === 'none' || options.partitioned) secure = true;
  const cookie: Omit<SetCookieAttributes, 'secure' | 'expires'> = {
    path,
    domain: options.domain,
    httpOnly: options.httpOnly ?? true,
    sameSite: sameSite ? (({ lax: 'Lax', strict: 'Strict', none: 'None' }) as const)[sameSite] : undefined,
    partitioned: options.partitioned ?? false,
    priority: options.priority ? (({ low: 'Low', medium: 'Medium', high: 'High' }) as const)[options.priority] : undefined,
  };
  return { cookieName, cookie, secure };
}
