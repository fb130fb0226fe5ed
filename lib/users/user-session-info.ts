import type { ResolvedSession } from '../session-config.js';
import type { TaggedSession } from '../stores/session-store.js';
import { sessionDigest } from './session-digest.js';

/** One session of a user, as `UserSessions.list()` shows it ("Your devices"). */
export interface UserSessionInfo {
  /** A digest of the session id: safe to show and to post back to `destroy()`; never the cookie's id. */
  readonly id: string;
  /** When the session started (a `regenerate()`, as at sign-in, starts it anew). */
  readonly createdAt: Date;
  /** When a request last extended it: within `touchAfter` of the real last request (or when `absoluteTimeout` capped it). */
  readonly lastSeenAt: Date;
  /** When it dies unless used again. */
  readonly expiresAt: Date;
  /** The client's IP at creation, with `captureDevice`. */
  readonly ip?: string;
  /** The client's User-Agent at creation, with `captureDevice`. */
  readonly userAgent?: string;
}

/**
 * What a record says about its session. Stores keep no "last seen" time:
 * it is when the expiry was last slid forward, which is the idle timeout
 * before the expiry, within the session's lifetime so far.
 */
export function infoOf(found: TaggedSession, config: ResolvedSession, now: number): UserSessionInfo {
  const { createdAt, expiresAt, idleMs, device } = found.session;
  const lastSeen = Math.min(now, Math.max(createdAt, expiresAt - (idleMs ?? config.idleMs)));
  return {
    id: sessionDigest(found.id),
    createdAt: new Date(createdAt),
    lastSeenAt: new Date(lastSeen),
    expiresAt: new Date(expiresAt),
    ...(device?.ip === undefined ? {} : { ip: device.ip }),
    ...(device?.userAgent === undefined ? {} : { userAgent: device.userAgent }),
  };
}
