import { isStoredSession, serializeSession, type StoredSession } from '../session-store.js';
import { RECORD_HEADER } from './redis-scripts.js';

/* How RedisStore writes a record as a string value and reads it back. */

/** Fixed field order: the Lua scripts read version, expiresAt and the tag from this header (the module builds its records in it). */
export function serialize(session: StoredSession): string {
  const json = serializeSession(session);
  if (RECORD_HEADER.test(json) && (session.tag === undefined || TAGGED_HEADER.test(json))) return json;
  const { version, expiresAt, tag, createdAt, data, flash, idleMs, device, movedTo } = session;
  return JSON.stringify({ version, expiresAt, tag, createdAt, data, flash, idleMs, device, movedTo });
}

/** A tagged record's header: TOUCH finds the tag right after expiresAt. */
const TAGGED_HEADER = /^\{"version":\d+,"expiresAt":-?\d+,"tag":"/;

export function parseReply(json: string | null): StoredSession | undefined {
  if (typeof json !== 'string' || !RECORD_HEADER.test(json)) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return isStoredSession(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** PX wants a whole number of ms, at least 1 (a deadline already past dies at once). */
export function toTtl(ms: number): number {
  if (Number.isNaN(ms) || ms === Infinity) throw new TypeError(`RedisStore needs a finite ttl in ms; got ${ms}.`);
  return Math.max(1, Math.ceil(ms));
}
