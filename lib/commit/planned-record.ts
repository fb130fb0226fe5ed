import type { SessionDevice, StoredSession } from '../stores/session-store.js';

/**
 * A record the module built for a commit. Nothing changes it once built, so
 * its JSON is computed once and shared by the size check and the store that
 * writes it (`serializeSession`). Fields in the order RedisStore's scripts
 * read: version, expiresAt, then the tag (its touch script finds the tag
 * there without decoding the record).
 */
export class PlannedRecord implements StoredSession {
  #json: string | undefined;
  readonly version: number;
  readonly expiresAt: number;
  readonly tag?: string;
  readonly createdAt: number;
  readonly data: Record<string, unknown>;
  readonly flash: Record<string, unknown>;
  readonly idleMs?: number;
  readonly device?: SessionDevice;

  constructor(
    version: number,
    expiresAt: number,
    createdAt: number,
    data: Record<string, unknown>,
    flash: Record<string, unknown>,
    idleMs?: number,
    tag?: string,
    device?: SessionDevice,
  ) {
    // Assigned in JSON order, whatever the class-field semantics of the build.
    this.version = version;
    this.expiresAt = expiresAt;
    if (tag !== undefined) this.tag = tag;
    this.createdAt = createdAt;
    this.data = data;
    this.flash = flash;
    if (idleMs !== undefined) this.idleMs = idleMs;
    if (device !== undefined) this.device = device;
  }

  json(): string {
    return (this.#json ??= JSON.stringify(this));
  }
}
