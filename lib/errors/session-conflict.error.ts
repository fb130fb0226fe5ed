import { SessionError } from './session.error.js';

/** Concurrent writers kept winning the compare-and-set race; nothing from this request was saved. */
export class SessionConflictError extends SessionError {
  /** `attempts`: how many compare-and-sets failed. */
  constructor(attempts: number) {
    super(
      `The session changed under this request ${attempts} times in a row, so its changes were not saved. Retry the request; if this is frequent, fewer parallel writes to one session will help.`,
    );
  }
}
