import { callStore } from '../commit/call-store.js';
import { isLive } from '../commit/live-record.js';
import { SessionConflictError } from '../errors/session-conflict.error.js';
import type { ResolvedSession } from '../session-config.js';
import type { StoredSession, TaggedSession } from '../stores/session-store.js';

/** Forward markers followed at most, as commits follow them. */
const MAX_HOPS = 8;

/**
 * Deletes one session a user's tag found, wherever a parallel `regenerate()`
 * moved it meanwhile. Each delete is conditional on the version just read:
 * a record changed between the read and the delete is read again, so a
 * session untagged or handed to another user meanwhile is left alone, and a
 * commit that loaded the old version can never write it back (a missing
 * record is a compare-and-set conflict). Resolves whether it deleted one.
 */
export async function destroyTagged(session: ResolvedSession, found: TaggedSession, tag: string, maxAttempts: number): Promise<boolean> {
  const { store } = session;
  let at = found.id;
  let record: StoredSession | undefined = found.session;
  for (let step = 0; step < maxAttempts + MAX_HOPS; step++) {
    if (!isLive(record, Date.now(), session)) return false; // gone already: destroyed or expired by someone else
    const id = at;
    if (record.movedTo !== undefined) {
      at = record.movedTo; // regenerated: the session lives on at its new id (the marker expires by itself)
    } else {
      if (record.tag !== tag) return false;
      const version = record.version;
      if ((await callStore(session, 'destroy', () => store.destroy(id, { ifVersion: version }))) !== false) return true;
    }
    const next = at;
    record = await callStore(session, 'get', () => store.get(next));
  }
  throw new SessionConflictError(maxAttempts); // written again and again meanwhile: say so rather than leave it signed in
}
