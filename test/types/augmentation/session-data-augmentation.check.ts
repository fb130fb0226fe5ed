/**
 * Augmenting SessionData types every `Session` without a type argument, as
 * @fastify/session does. Compiled by `npm run typecheck`.
 */
import type { Session } from '../../../lib/index.js';

declare module '../../../lib/index.js' {
  interface SessionData {
    augmentedUser?: { id: number };
  }
}

export function augmented(session: Session): void {
  session.set('augmentedUser.id', 1);
  // @ts-expect-error: once augmented, unknown paths are refused
  session.set('somethingElse', 1);
  // @ts-expect-error: and value types are checked
  session.set('augmentedUser.id', 'one');
}
