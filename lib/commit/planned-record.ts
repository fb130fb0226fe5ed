import type { StoredSession } from '../stores/session-store.js';

/**
 * A record the module built for a commit. Nothing changes it once built, so
 * its JSON is computed once and shared by the size check and the store that
 * writes it (`serializeSession`). Fields in the order RedisStore's scripts
 * read: version, then expiresAt. Records from anywhere else are serialised
 * afresh every time, since their owners may change them between saves.
 */
export class PlannedRecord implements StoredSession {
  #json: string | undefined;

  constructor(
    readonly version: number,
    readonly expiresAt: number,
    readonly createdAt: number,
    readonly data: Record<string, unknown>,
    readonly flash: Record<string, unknown>,
    readonly idleMs?: number,
  ) {}

  json(): string {
    return (this.#json ??= JSON.stringify(this));
  }
}
