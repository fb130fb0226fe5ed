import { SessionConflictError } from '../errors/session-conflict.error.js';
import type { StoredSession } from '../stores/session-store.js';
import { callStore } from './call-store.js';
import type { CommitPlan } from './commit-plan.js';
import { currentRecord, destroyFollowingMoves } from './follow-moves.js';
import type { KeyedLock } from './keyed-lock.js';
import { moveSession } from './move-session.js';
import { assertSize } from './record-size.js';
import { replayOnto, stepAside } from './replay.js';

/**
 * Where the session stands after the commit: `kept` under the id the
 * response carries; `gone` (destroyed, here or by a parallel request);
 * `moved`: this request's changes were saved where a parallel `regenerate()`
 * moved the session, whose id this response must not hand out.
 */
export type CommitResult = 'kept' | 'gone' | 'moved';

/**
 * Carries out a plan (the committer has checked its record's size). A
 * version conflict means a parallel request saved first: reload, replay this
 * request's operations on the fresh data, check its size again, try again. A
 * record that vanished meanwhile was destroyed (a logout): it stays gone.
 * Answers at once when the store has nothing to do.
 */
export function persistCommit(plan: CommitPlan, maxAttempts: number, locks: KeyedLock): CommitResult | Promise<CommitResult> {
  const { session, action } = plan;
  const before = action.kind !== 'none' || plan.state.storedId !== undefined ? 'kept' : 'gone';
  if (session.sealer) return before; // the cookie is the record: nothing to store
  if (action.kind === 'none' && plan.discard.length === 0) return before;
  return persistInStore(plan, maxAttempts, locks, before);
}

async function persistInStore(plan: CommitPlan, maxAttempts: number, locks: KeyedLock, before: CommitResult): Promise<CommitResult> {
  const { session, state, action } = plan;
  let result = before;
  if (action.kind === 'save') {
    if (plan.moveFrom) {
      const from = plan.moveFrom;
      result = await locks.run(`${session.name}:${from.id}`, () => moveSession(plan, action.record, maxAttempts));
    } else if (action.ifVersion === undefined) {
      const ttlMs = Math.max(1, action.record.expiresAt - Date.now());
      await callStore(session, 'set', () => session.store.set(state.id, action.record, { ttlMs }));
    } else {
      result = await locks.run(`${session.name}:${state.id}`, () => saveWithReplay(plan, action.record, action.ifVersion!, maxAttempts));
    }
  } else if (action.kind === 'touch') {
    await callStore(session, 'touch', () => session.store.touch(state.id, action.expiresAt));
  }
  // Only after the new id is saved: a failure in between must not lose the session.
  for (const id of plan.discard) await destroyFollowingMoves(session, id, maxAttempts);
  return result;
}

async function saveWithReplay(plan: CommitPlan, first: StoredSession, firstVersion: number, maxAttempts: number): Promise<CommitResult> {
  const { session, state } = plan;
  let id = state.id;
  let record = first;
  let ifVersion = firstVersion;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) assertSize(plan, record); // the first was checked before the commit began; a replay may have grown it
    const ttlMs = Math.max(1, record.expiresAt - Date.now());
    const target = id;
    if (await callStore(session, 'set', () => session.store.set(target, record, { ttlMs, ifVersion }))) return id === state.id ? 'kept' : 'moved';
    // Destroyed or expired elsewhere: a logout sticks. Regenerated elsewhere: follow it to its new id.
    const fresh = await currentRecord(session, id);
    if (!fresh) return 'gone';
    id = fresh.id;
    record = replayOnto(plan, fresh.record, fresh.record.version + 1, Math.max(fresh.record.expiresAt, state.expiresAt), fresh.record.createdAt);
    ifVersion = fresh.record.version;
    await stepAside(attempt);
  }
  throw new SessionConflictError(maxAttempts);
}
