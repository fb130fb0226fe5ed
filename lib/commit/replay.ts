import { applyOperation } from '../core/session-operation.js';
import { tagAfter } from '../core/session-tag.js';
import type { StoredSession } from '../stores/session-store.js';
import { nextFlash, type CommitPlan } from './commit-plan.js';
import { PlannedRecord } from './planned-record.js';

/**
 * A parallel request saved first: this request's operations replayed on the
 * fresh record, as `version` (the next version of the same id, or 1 for the
 * new id of a regenerate) with the given dates.
 */
export function replayOnto(plan: CommitPlan, fresh: StoredSession, version: number, expiresAt: number, createdAt: number): StoredSession {
  const { state } = plan;
  const data = fresh.data;
  for (const op of state.ops) applyOperation(data, op);
  state.data = data;
  const idleMs = state.lifetimeChanged ? state.idleMs : fresh.idleMs;
  state.tag = tagAfter(fresh.tag, state.ops);
  return new PlannedRecord(version, expiresAt, createdAt, data, nextFlash(state, fresh.flash), idleMs, state.tag, fresh.device);
}

/** Other processes are writing too: step aside a little, more each time, so retries do not collide again. */
export function stepAside(attempt: number): Promise<void> | undefined {
  return attempt > 1 ? new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt)) : undefined;
}
