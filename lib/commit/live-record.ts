import type { ResolvedSession } from '../session-config.js';
import { isStoredSession, type StoredSession } from '../stores/session-store.js';

/** A record counts only if it is well-formed and neither idle- nor absolutely expired. */
export function isLive(record: unknown, now: number, session: ResolvedSession): record is StoredSession {
  return isStoredSession(record) && record.expiresAt > now && record.createdAt + session.absoluteMs > now;
}
