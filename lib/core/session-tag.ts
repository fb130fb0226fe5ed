import type { SessionOperation } from './session-operation.js';

/** Longest tag kept: a user id, not a document (TypeOrmStore's column holds 255). */
export const MAX_TAG_LENGTH = 255;

/** The tag a user id becomes: its text. Refuses what could not be a user id, naming the value. */
export function toTag(userId: unknown, caller: string): string {
  const tag = typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : userId;
  if (typeof tag !== 'string' || tag === '' || tag.length > MAX_TAG_LENGTH) {
    const got = typeof userId === 'string' ? `a string of ${userId.length} characters` : String(userId);
    throw new TypeError(`${caller} needs a user id: a non-empty string of at most ${MAX_TAG_LENGTH} characters or a finite number; got ${got}.`);
  }
  return tag;
}

/** The tag after this request's operations, replayed onto `tag` (a fresh record's) as compare-and-set replays data. */
export function tagAfter(tag: string | undefined, ops: readonly SessionOperation[]): string | undefined {
  let result = tag;
  for (const op of ops) {
    if (op.kind === 'tag') result = op.tag;
    else if (op.kind === 'untag') result = undefined;
  }
  return result;
}

/** Whether an operation changes the tag rather than the data. */
export function isTagOperation(op: SessionOperation): boolean {
  return op.kind === 'tag' || op.kind === 'untag';
}
