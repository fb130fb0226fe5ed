/**
 * When a compare-and-set must have run by, or 0: the client's
 * `commandTimeout` less a margin for the reply's way back, so a write the
 * client gave up on is refused by Redis (the script checks its own clock)
 * rather than applied late. Assumes the app's and Redis's clocks agree within
 * that margin, as NTP keeps them.
 */
export function writeDeadline(client: unknown): number {
  const options = (client as { options?: { commandTimeout?: number; redisOptions?: { commandTimeout?: number } } } | undefined)?.options;
  const timeout = options?.commandTimeout ?? options?.redisOptions?.commandTimeout;
  if (!timeout || timeout <= 0) return 0;
  return Date.now() + timeout - Math.min(250, Math.floor(timeout / 4));
}

export function isTimeout(error: unknown): boolean {
  return error instanceof Error && /timed? ?out/i.test(error.message);
}

/** Marks a store error whose write is known not to have landed (see SessionStoreUnavailableError.outcome). */
export function notSaved(error: unknown): unknown {
  if (error instanceof Error) Object.assign(error, { outcome: 'not-saved' });
  return error;
}
