import { SessionStoreUnavailableError } from '../errors/session-store-unavailable.error.js';
import type { ResolvedSession } from '../session-config.js';

/** Every store call goes through here, so any backend failure surfaces as one typed error naming the store. */
export async function callStore<R>(session: ResolvedSession, operation: string, call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (error) {
    throw new SessionStoreUnavailableError(session.storeName, operation, error);
  }
}
