/** How long a session may live: idle since its last use, and in all since its creation. */
export interface Lifetime {
  readonly idleMs: number;
  /** Infinity when there is no absolute timeout. */
  readonly absoluteMs: number;
}

/** The expiry a session reaches if extended at `now`: idle from now, capped by the absolute timeout. */
export function expiryAt(now: number, createdAt: number, lifetime: Lifetime): number {
  return Math.min(now + lifetime.idleMs, createdAt + lifetime.absoluteMs);
}
