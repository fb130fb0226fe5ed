import { SessionConflictError } from '../errors/session-conflict.error.js';
import type { StoredSession } from '../stores/session-store.js';
import { callStore } from './call-store.js';
import type { CommitPlan } from './commit-plan.js';
import { currentRecord, destroyFollowingMoves, forwardMarker, MARKER_TTL_MS } from './follow-moves.js';
import { assertSize } from './record-size.js';
import { replayOnto, stepAside } from './replay.js';
import type { CommitResult } from './persist-commit.js';

/**
 * `regenerate()` as one compare-and-set move: the record is written under
 * the new id (nobody knows it yet), then the old id is replaced by a forward
 * marker only if it still has the version this request loaded. If it
 * changed, the fresh data (and this request's operations, replayed) is
 * written to the new id again; if it was destroyed meanwhile, the new id is
 * deleted too and the response gets no cookie that brings the data back.
 * Commits already under way on the old id follow the marker to the new one.
 * Only the first write creates the new id: once it exists, `UserSessions`
 * may list and destroy it, and a destroyed session never comes back. A move
 * that fails after that (the old id's write failed or timed out: a 503) takes
 * the new id away again, so no record that no cookie names (a signed-in
 * "device" nobody holds) outlives a sign-in answered 503.
 */
export async function moveSession(plan: CommitPlan, first: StoredSession, maxAttempts: number): Promise<CommitResult> {
  const { session, state } = plan;
  const store = session.store;
  let created = false;
  try {
    return await move(plan, first, maxAttempts, () => (created = true));
  } catch (error) {
    // Best effort: where the store is down altogether, the first write failed too and there is nothing to take away.
    if (created) await Promise.resolve(store.destroy(state.id)).catch(() => undefined);
    throw error;
  }
}

async function move(plan: CommitPlan, first: StoredSession, maxAttempts: number, onCreated: () => void): Promise<CommitResult> {
  const { session, state } = plan;
  const store = session.store;
  let from = plan.moveFrom!;
  let record = first;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) assertSize(plan, record); // the first was checked before the commit began; a replay may have grown it
    const ttlMs = Math.max(1, record.expiresAt - Date.now());
    const options = attempt === 1 ? { ttlMs } : { ttlMs, ifVersion: 1 };
    if (!(await callStore(session, 'set', () => store.set(state.id, record, options)))) {
      await destroyFollowingMoves(session, from.id, maxAttempts); // signed out from another device meanwhile
      return 'gone';
    }
    onCreated();
    const marker = forwardMarker(state.id, from.version + 1, Date.now());
    if (await callStore(session, 'set', () => store.set(from.id, marker, { ttlMs: MARKER_TTL_MS, ifVersion: from.version }))) return 'kept';
    const fresh = await currentRecord(session, from.id);
    if (!fresh) {
      await callStore(session, 'destroy', () => store.destroy(state.id)); // destroyed meanwhile: a logout sticks
      return 'gone';
    }
    from = { id: fresh.id, version: fresh.record.version };
    record = replayOnto(plan, fresh.record, 1, plan.state.expiresAt, plan.state.createdAt);
    await stepAside(attempt);
  }
  throw new SessionConflictError(maxAttempts);
}
