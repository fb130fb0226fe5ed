import { SessionStoreUnavailableError } from '../errors/session-store-unavailable.error.js';
import type { ResolvedSession } from '../session-config.js';

/**
 * Every store call goes through here, so any backend failure surfaces as one
 * typed error naming the store. A store may answer with a value or any
 * thenable: `Promise.resolve` adopts either.
 */
export function callStore<R>(session: ResolvedSession, operation: string, call: () => R | PromiseLike<R>): Promise<R> {
  const fail = (error: unknown): never => {
    throw new SessionStoreUnavailableError(session.storeName, operation, error);
  };
  try {
    return Promise.resolve(call()).then(undefined, fail);
  } catch (error) {
    return Promise.reject(new SessionStoreUnavailableError(session.storeName, operation, error));
  }
}
