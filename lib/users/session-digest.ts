import { createHash } from 'node:crypto';
import { isSessionId } from '../http/session-id.js';

/**
 * What `UserSessions` shows instead of a session id: 132 bits of a SHA-256 of
 * the id. Safe in a page or a form (the id, 256 random bits, cannot be worked
 * back from it, and the cookie also needs the id's signature), and stable for
 * as long as the id is.
 */
export function sessionDigest(id: string): string {
  return createHash('sha256').update(`nest-sessions:${id}`).digest('base64url').slice(0, 22);
}

/** An id or a digest, as a digest: callers may pass either. */
export function asDigest(idOrDigest: string): string {
  return isSessionId(idOrDigest) ? sessionDigest(idOrDigest) : idOrDigest;
}
