import { SessionError } from './session.error.js';

/**
 * A store's backend failed (connection refused, timeout, disk error). Logged
 * with the store's name and cause; the client sees `503 Service Unavailable`.
 */
export class SessionStoreUnavailableError extends SessionError {
  constructor(
    readonly storeName: string,
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      `${storeName}.${operation}() failed: ${describe(cause)}. Requests that use the session answer 503 until the store is reachable again; check the store's connection settings.`,
      { cause },
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
