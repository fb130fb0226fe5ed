import { SessionError } from './session.error.js';

/** A `@Session()`/`@Flash()` parameter was resolved without the session having been loaded. */
export class SessionNotLoadedError extends SessionError {
  /** `name`: the session that was not loaded. */
  constructor(name: string) {
    super(
      `Session "${name}" was not loaded for this request. Import SessionModule.forRoot() in your root module (it mounts the interceptor that loads sessions; a global interceptor does not run for middleware or guards), and name the session in @Session('${name}') or load it in a guard with await sessionManager.load(context, '${name}').`,
    );
  }
}
