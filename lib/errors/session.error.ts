/** Marks every nest-sessions error, from either build of the package (ESM or CommonJS). */
const SESSION_ERROR: unique symbol = Symbol.for('nest-sessions.error');

/** Base of every error nest-sessions throws; `instanceof SessionError` catches them all. */
export class SessionError extends Error {
  /** The error's class name, e.g. `SessionStoreUnavailableError`. */
  override readonly name: string = this.constructor.name;
  /** Marks it as a nest-sessions error for `instanceof` across both builds. */
  readonly [SESSION_ERROR] = true;

  /** `cause`: the underlying error, when there is one. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** `instanceof` across the ESM and CommonJS builds (both may load in one app): this class or a subclass, by name. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !(SESSION_ERROR in value)) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if ((proto as { constructor?: { name?: string } }).constructor?.name === this.name) return true;
    }
    return false;
  }
}
