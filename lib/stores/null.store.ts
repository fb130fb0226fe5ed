import type { SessionStore, StoredSession } from './session-store.js';

/**
 * Keeps nothing: a session lives for one request. For APIs that only need
 * `transient` values or flash within a request, and for tests.
 */
export class NullStore implements SessionStore {
  /** Always undefined: every request starts a new session. */
  async get(): Promise<StoredSession | undefined> {
    return undefined;
  }

  /** Keeps nothing; resolves true. */
  async set(): Promise<boolean> {
    return true;
  }

  /** Nothing to delete; resolves true. */
  async destroy(): Promise<boolean> {
    return true;
  }

  /** Nothing to extend. */
  async touch(): Promise<void> {}
}
