import { SessionError } from './session.error.js';

/** A cookie-stored session sealed to more than browsers keep; nothing from the request was sent. */
export class SessionTooLargeError extends SessionError {
  constructor(cookieName: string, bytes: number, limit: number) {
    super(
      `The session sealed into cookie "${cookieName}" needs ${bytes} bytes, over the ${limit}-byte limit browsers keep for one cookie. Store less in a CookieStore session (ids rather than whole objects), or use a server-side store such as RedisStore or TypeOrmStore.`,
    );
  }
}
