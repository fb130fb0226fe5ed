import { NullStore } from './null.store.js';
import type { SessionStore } from './session-store.js';

/**
 * Keeps the whole session in the browser, sealed with AES-256-GCM under keys
 * derived from the module's secrets (so secrets rotate exactly as for signed
 * cookies). Nothing is stored server-side, which means: no shared backend to
 * run, but also no server-side revocation (a copied cookie stays valid until
 * its sealed expiry), no compare-and-set between parallel requests (the last
 * response wins), and at most 4096 bytes per cookie: a session that seals to
 * more fails its request with `SessionTooLargeError` rather than silently
 * losing data in the browser.
 *
 * The module does the sealing; server-side there is nothing to keep, so the
 * store methods are NullStore's.
 */
export class CookieStore extends NullStore {
  /** Marks stores whose records live in the cookie itself. */
  readonly sealsIntoCookie = true;
}

export function sealsIntoCookie(store: SessionStore): boolean {
  return (store as Partial<CookieStore>).sealsIntoCookie === true;
}
