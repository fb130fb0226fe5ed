import { SessionError } from './session.error.js';

/** A session grew past a size limit; nothing from the request was saved. */
export class SessionTooLargeError extends SessionError {
  constructor(
    /** The size the session would have had, in bytes. */
    readonly bytes: number,
    /** The limit it went past, in bytes. */
    readonly limit: number,
    message: string,
  ) {
    super(message);
  }

  /** Over the 4096 bytes browsers keep for one cookie. */
  static forCookie(cookieName: string, bytes: number, limit: number): SessionTooLargeError {
    return new SessionTooLargeError(
      bytes,
      limit,
      `The session sealed into cookie "${cookieName}" needs ${bytes} bytes, over the ${limit}-byte limit browsers keep for one cookie. Store less in a CookieStore session (ids rather than whole objects), or use a server-side store such as RedisStore or TypeOrmStore.`,
    );
  }

  /** Over the module's `maxSize`. */
  static forStore(sessionName: string, bytes: number, limit: number): SessionTooLargeError {
    return new SessionTooLargeError(
      bytes,
      limit,
      `Session "${sessionName}" would store ${bytes} bytes, over its maxSize of ${limit} bytes, so this request's changes were not saved. Keep large data elsewhere (a database row referenced by id), or raise maxSize in SessionModule options.`,
    );
  }
}
