import { cloneJson } from '../core/json-value.js';
import type { SessionData, SessionShape } from '../core/session-paths.js';
import type { StoredSession } from '../stores/session-store.js';

/**
 * A stored session as a test sees it: the data and flash the next request
 * that sends its cookie would load. A copy: changing it changes nothing stored.
 */
export interface SessionSnapshot<T extends object = SessionData, F extends object = Record<string, any>> {
  /** The session id (the part of a signed cookie before the dot); compare it to tell sessions apart. */
  readonly id: string;
  /** The session's data, as `session.all()` would return it. */
  readonly data: Partial<SessionShape<T>>;
  /** Flash values the next request will read (set by the request that stored them, or seeded). */
  readonly flash: Partial<F>;
  /** When the session was started; `absoluteTimeout` counts from here. */
  readonly createdAt: Date;
  /** When the session dies unless a request extends it (idle and absolute timeouts folded in). */
  readonly expiresAt: Date;
}

/** The snapshot of one stored record. */
export function snapshotOf<T extends object, F extends object>(id: string, record: StoredSession): SessionSnapshot<T, F> {
  return {
    id,
    data: cloneJson(record.data) as Partial<SessionShape<T>>,
    flash: cloneJson(record.flash) as Partial<F>,
    createdAt: new Date(record.createdAt),
    expiresAt: new Date(record.expiresAt),
  };
}
