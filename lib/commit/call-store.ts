import { SessionStoreUnavailableError } from '../errors/session-store-unavailable.error.js';
import type { ResolvedSession } from '../session-config.js';

/**
 * Every store call goes through here, so any backend failure surfaces as one
 * typed error naming the store. One `then`, not an async wrapper: this sits
 * on every request's path.
 */
export function callStore<R>(session: ResolvedSession, operation: string, call: () => Promise<R>): Promise<R> {
  const fail = (error: unknown): never => {
    throw new SessionStoreUnavailableError(session.storeName, operation, error);
  };
  try {
    return call().then(undefined, fail);
  } catch (error) {
    return Promise.reject(new SessionStoreUnavailableError(session.storeName, operation, error));
  }
}

/** The same, for stores that answer at once (`getSync` and the like). */
export function callStoreNow<R>(session: ResolvedSession, operation: string, call: () => R): R {
  try {
    return call();
  } catch (error) {
    throw new SessionStoreUnavailableError(session.storeName, operation, error);
  }
}
