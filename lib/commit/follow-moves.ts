import type { ResolvedSession } from '../session-config.js';
import type { StoredSession } from '../stores/session-store.js';
import { callStore } from './call-store.js';
import { isLive } from './live-record.js';

/** Regenerates chained while one commit was under way: past this many, the session counts as gone. */
const MAX_HOPS = 8;

/** How long a forward marker stays where a regenerated session was: longer than any request still under way on the old id. */
export const MARKER_TTL_MS = 5 * 60_000;

/** The marker `regenerate()` leaves at the old id, one version past the record it replaces. */
export function forwardMarker(movedTo: string, version: number, now: number): StoredSession {
  return { version, expiresAt: now + MARKER_TTL_MS, createdAt: now, data: {}, flash: {}, movedTo };
}

/**
 * The session's record now, from an id a commit loaded before: past any
 * forward markers to where `regenerate()` moved it. Undefined when it was
 * destroyed or expired meanwhile.
 */
export async function currentRecord(session: ResolvedSession, id: string): Promise<{ id: string; record: StoredSession } | undefined> {
  let at = id;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    const record = await callStore(session, 'get', () => session.store.get(at));
    if (!isLive(record, Date.now(), session)) return undefined;
    if (record.movedTo === undefined) return { id: at, record };
    at = record.movedTo;
  }
  return undefined;
}

/**
 * Deletes a session a request destroyed, and wherever a parallel
 * `regenerate()` moved it meanwhile, so a logout sticks. Each delete is
 * conditional on the version just read: a record moved between the read and
 * the delete is read again.
 */
export async function destroyFollowingMoves(session: ResolvedSession, id: string, maxAttempts: number): Promise<void> {
  let at: string | undefined = id;
  for (let hop = 0; at !== undefined && hop <= MAX_HOPS; hop++) {
    const current: string = at;
    at = undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const record = await callStore(session, 'get', () => session.store.get(current));
      if (!record) {
        await callStore(session, 'destroy', () => session.store.destroy(current)); // expired or unreadable: clear it anyway
        break;
      }
      const deleted = await callStore(session, 'destroy', () => session.store.destroy(current, { ifVersion: record.version }));
      if (deleted === false) continue; // changed since the read (a regenerate marked it): read again
      at = record.movedTo;
      break;
    }
  }
}
