import { SessionNotWritableError } from '../errors/session-not-writable.error.js';
import type { LoadedSession } from '../request-sessions.js';

/**
 * Whether a socket message changed the session. A read changes nothing: its
 * expiry does not slide (the browser's cookie, which only HTTP responses
 * refresh, decides how long it lives) and its flash is not consumed.
 */
export function changedBySocket({ state }: LoadedSession): boolean {
  return (
    state.ops.length > 0 ||
    state.idChanged ||
    state.lifetimeChanged ||
    state.flash.cleared ||
    Object.keys(state.flash.outgoing).length > 0
  );
}

/**
 * Refuses what a socket cannot deliver, before anything is saved: anything
 * whose result lives in the cookie. Data changes and `destroy()` on a
 * server store are fine; the cookie the browser holds keeps naming the session.
 */
export function assertSocketCanSave({ config, state }: LoadedSession): void {
  if (config.sealer) throw SessionNotWritableError.cookieStore(config.name);
  if (state.lifetimeChanged) throw SessionNotWritableError.lifetime(config.name);
  const startsRecord = state.storedId === undefined && (Object.keys(state.data).length > 0 || Object.keys(state.flash.outgoing).length > 0);
  if (startsRecord) throw SessionNotWritableError.newId(config.name, state.idChanged);
}
