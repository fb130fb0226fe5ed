import { SessionError } from './session.error.js';

/**
 * `session.tag()` or `UserSessions` was used with a store that cannot find a
 * user's sessions: a CookieStore (the records live in browsers, where the
 * server can neither list nor delete them), a NullStore (it keeps nothing) or
 * a custom store without `findTagged`.
 */
export class UserSessionsUnsupportedError extends SessionError {
  constructor(
    /** The session whose store cannot. */
    readonly sessionName: string,
    /** That store's class name. */
    readonly storeName: string,
  ) {
    super(
      `Session "${sessionName}" is kept in a ${storeName}, which cannot find the sessions of a user: ${why(storeName)} ` +
        'session.tag() and UserSessions need a server store: MemoryStore, FileStore, TypeOrmStore or RedisStore.',
    );
  }
}

function why(storeName: string): string {
  if (storeName === 'CookieStore') return "its records live in each browser's cookie, where the server can neither list them nor sign them out.";
  if (storeName === 'NullStore') return 'it keeps nothing beyond one request.';
  return 'it does not implement findTagged(tag) from the SessionStore contract.';
}
