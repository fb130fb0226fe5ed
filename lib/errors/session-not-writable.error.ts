import { SessionError } from './session.error.js';

/**
 * A WebSocket message changed a session in a way only an HTTP response can
 * deliver, because the change lives in the browser's cookie. Nothing was saved.
 */
export class SessionNotWritableError extends SessionError {
  constructor(
    /** The session the message tried to change. */
    readonly sessionName: string,
    /** Why: its store is a CookieStore, it would need a new id, or its lifetime changed. */
    readonly reason: 'cookie-store' | 'new-id' | 'lifetime',
    message: string,
  ) {
    super(message);
  }

  /** The session is kept in a CookieStore. */
  static cookieStore(name: string): SessionNotWritableError {
    return new SessionNotWritableError(
      name,
      'cookie-store',
      `Session "${name}" is kept in a CookieStore: its data lives in the browser's cookie, which only an HTTP response can set, so a WebSocket message cannot change it. Make the change in an HTTP request (a controller or a GraphQL mutation), or keep sessions that sockets write in a server store (MemoryStore, RedisStore, FileStore, TypeOrmStore).`,
    );
  }

  /** The change needs a new id (a regenerate, or a session that does not exist yet). */
  static newId(name: string, regenerated: boolean): SessionNotWritableError {
    const why = regenerated
      ? 'regenerate() and invalidate() give it a new id'
      : 'the handshake\'s cookie names no live session (none was sent, or it expired or was destroyed), so writing would start a new one';
    return new SessionNotWritableError(
      name,
      'new-id',
      `Session "${name}" cannot be written from a WebSocket message: ${why}, and only an HTTP response can hand a new id to the browser. Sign in (or regenerate) over HTTP; a socket may read the session, change its data and destroy() it.`,
    );
  }

  /** `setLifetime()` was called. */
  static lifetime(name: string): SessionNotWritableError {
    return new SessionNotWritableError(
      name,
      'lifetime',
      `Session "${name}" cannot change its lifetime from a WebSocket message: setLifetime() moves the cookie's expiry, which only an HTTP response can send. Call it in an HTTP request.`,
    );
  }
}
