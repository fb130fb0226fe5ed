/** Base of every error nest-sessions throws; `instanceof SessionError` catches them all. */
export class SessionError extends Error {
  override readonly name: string = this.constructor.name;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
