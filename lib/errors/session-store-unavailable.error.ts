import { SessionError } from './session.error.js';

/**
 * What is known of a write the store failed: `not-saved` (refused, the
 * connection was down, or a deadline the store enforces passed) or `unknown`
 * (the client timed out while the backend may still apply it, e.g.
 * PostgreSQL with pg's client-side `query_timeout`). Reads have nothing to lose.
 */
export type StoreWriteOutcome = 'not-saved' | 'unknown';

const WRITES = new Set(['set', 'destroy', 'touch']);

/**
 * A store's backend failed (connection refused, timeout, disk error). Logged
 * with the store's name and cause; the client sees `503 Service Unavailable`.
 */
export class SessionStoreUnavailableError extends SessionError {
  /** For writes: whether the change may still land; undefined for reads. */
  readonly outcome: StoreWriteOutcome | undefined;

  constructor(
    /** The store's class name, e.g. `RedisStore`. */
    readonly storeName: string,
    /** The store method that failed: `get`, `set`, `destroy`, `touch`, `findTagged`… */
    readonly operation: string,
    cause: unknown,
  ) {
    const outcome = WRITES.has(operation) ? outcomeOf(cause) : undefined;
    super(
      `${storeName}.${operation}() failed: ${describe(cause)}.${outcome === 'unknown' ? ' The write timed out and may still be applied by the backend.' : ''} Requests that use the session answer 503 until the store is reachable again; check the store's connection settings.`,
      { cause },
    );
    this.outcome = outcome;
  }
}

function outcomeOf(cause: unknown): StoreWriteOutcome {
  const marked = (cause as { outcome?: unknown } | undefined)?.outcome;
  if (marked === 'not-saved' || marked === 'unknown') return marked;
  // A client-side timeout leaves the command with the backend; anything else never reached it or was refused.
  return cause instanceof Error && /timed? ?out|timeout/i.test(cause.message) && !/statement timeout/i.test(cause.message) ? 'unknown' : 'not-saved';
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
