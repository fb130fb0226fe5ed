import type { SessionStore, StoreDestroyOptions, StoreSetOptions, StoredSession } from '../../lib/index.js';

/**
 * Wraps a real store and counts the calls that reach it, so tests can prove
 * that untouched sessions cost no store round trip. Not a mock: every call
 * is forwarded to the real store.
 */
export class CountingStore implements SessionStore {
  readonly calls: string[] = [];

  constructor(readonly inner: SessionStore) {}

  get(id: string): Promise<StoredSession | undefined> {
    this.calls.push('get');
    return this.inner.get(id);
  }

  set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    this.calls.push('set');
    return this.inner.set(id, session, options);
  }

  destroy(id: string, options?: StoreDestroyOptions): Promise<boolean | void> {
    this.calls.push('destroy');
    return this.inner.destroy(id, options);
  }

  touch(id: string, expiresAt: number): Promise<void> {
    this.calls.push('touch');
    return this.inner.touch(id, expiresAt);
  }

  reset(): void {
    this.calls.length = 0;
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
