import { SessionError } from './session.error.js';

/** Thrown at start-up when `SessionModule` options cannot work; the message says how to fix them. */
export class SessionConfigError extends SessionError {}
