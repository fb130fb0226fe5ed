import type { SessionStore, StoredSession } from './session-store.js';

/**
 * Keeps nothing: a session lives for one request. For APIs that only need
 * `transient` values or flash within a request, and for tests.
 */
export class NullStore implements SessionStore {
  async get(): Promise<StoredSession | undefined> {
    return undefined;
  }

  async set(): Promise<boolean> {
    return true;
  }

  async destroy(): Promise<boolean> {
    return true;
  }

  async touch(): Promise<void> {}
}
