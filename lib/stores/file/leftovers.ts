import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isSessionId } from '../../http/session-id.js';
import { breakAbandonedLock, modifiedAt, type DeadHolderHook } from './file-lock.js';
import { rmdirIfEmpty } from './fs-helpers.js';
import { holderIsDead, parseToken } from './holder.js';

/** A temp file or staging directory of a living writer older than this belongs to one that is stuck: its write fails rather than lands late. */
export const LEFTOVER_AGE_MS = 60_000;

/** `<id>.json.<token>.tmp` (a write in flight) and `<id>.lock.<token>.tmp` (a lock being taken). */
const TEMP = /^[A-Za-z0-9_-]{43}\.(?:json|lock)\.([^.]+)\.tmp$/;

/**
 * Removes, among `names` in `dir`, what writers that died (or stalled) left:
 * locks whose holder has ended or is stale, temp files and staging directories
 * whose writer has ended or that are older than LEFTOVER_AGE_MS, and the lock
 * guards of older FileStores. Session files (`<id>.json`) and names that are
 * not this store's are left alone. Resolves the ids that have a session file.
 */
export async function removeLeftovers(dir: string, names: string[], onDeadHolder?: DeadHolderHook): Promise<string[]> {
  const sessions: string[] = [];
  for (const name of names) {
    const id = name.split('.', 1)[0];
    if (!isSessionId(id)) continue; // not ours: leave it alone
    const path = join(dir, name);
    if (name === `${id}.json`) sessions.push(id);
    else if (name === `${id}.lock`) {
      if (await breakAbandonedLock(path, onDeadHolder)) await rmdirIfEmpty(path);
    } else if (await isAbandoned(path, TEMP.exec(name)?.[1])) {
      await rm(path, { recursive: true, force: true });
    }
  }
  return sessions;
}

async function isAbandoned(path: string, token: string | undefined): Promise<boolean> {
  const holder = token === undefined ? undefined : parseToken(token);
  if (holder && (await holderIsDead(holder))) return true;
  return Date.now() - (holder?.since ?? (await modifiedAt(path))) >= LEFTOVER_AGE_MS;
}
