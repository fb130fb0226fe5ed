import { jsonBytesAtMost } from '../core/json-value.js';
import { applyOperation } from '../core/session-operation.js';
import { SessionConflictError } from '../errors/session-conflict.error.js';
import { SessionTooLargeError } from '../errors/session-too-large.error.js';
import { serializeSession, type StoredSession } from '../stores/session-store.js';
import { isLive } from './live-record.js';
import { nextFlash, type CommitPlan } from './commit-plan.js';
import { callStore } from './call-store.js';
import { PlannedRecord } from './planned-record.js';
import type { KeyedLock } from './keyed-lock.js';

/**
 * Carries out a plan. A version conflict means a parallel request saved
 * first: reload, replay this request's operations on the fresh data, try
 * again. A record that vanished meanwhile was destroyed (a logout): it stays
 * gone. Resolves whether the session now exists in the store.
 */
export function persistCommit(plan: CommitPlan, maxAttempts: number, commits: KeyedLock): boolean | Promise<boolean> {
  const { session, action } = plan;
  const exists = action.kind !== 'none' || plan.state.storedId !== undefined;
  // A read with nothing to save, touch or delete, and every sealed cookie (the cookie is the record),
  // need no store call.
  if (session.sealer) {
    if (action.kind === 'save') assertSize(plan, action.record);
    return exists;
  }
  if (action.kind === 'none' && plan.discard.length === 0) return exists;
  return persistInStore(plan, maxAttempts, commits, exists);
}

async function persistInStore(plan: CommitPlan, maxAttempts: number, commits: KeyedLock, existsBefore: boolean): Promise<boolean> {
  const { session, state, action } = plan;
  const store = session.store;
  let exists = existsBefore;
  if (action.kind === 'save') {
    const save = () => saveWithReplay(plan, action.record, action.ifVersion, maxAttempts);
    exists = action.ifVersion === undefined ? await save() : await commits.run(`${session.name}:${state.id}`, save);
  } else if (action.kind === 'touch') {
    await callStore(session, 'touch', () => store.touch(state.id, action.expiresAt));
  }
  // Delete only after the new id is saved: a failure in between must not lose the session.
  for (const id of plan.discard) await callStore(session, 'destroy', () => store.destroy(id));
  return exists;
}

async function saveWithReplay(
  plan: CommitPlan,
  first: StoredSession,
  firstVersion: number | undefined,
  maxAttempts: number,
): Promise<boolean> {
  const { session, state } = plan;
  let record = first;
  let ifVersion = firstVersion;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    assertSize(plan, record);
    const ttlMs = Math.max(1, record.expiresAt - Date.now());
    const saved = await callStore(session, 'set', () => session.store.set(state.id, record, { ttlMs, ifVersion }));
    if (saved) return true;
    const fresh = await callStore(session, 'get', () => session.store.get(state.id));
    if (!isLive(fresh, Date.now(), session)) return false; // destroyed or expired elsewhere: a logout sticks
    record = replay(plan, fresh);
    ifVersion = fresh.version;
    // Other processes are writing too: step aside a little, more each time, so retries do not collide again.
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
  }
  throw new SessionConflictError(maxAttempts);
}

function replay(plan: CommitPlan, fresh: StoredSession): StoredSession {
  const { state } = plan;
  const data = fresh.data;
  for (const op of state.ops) applyOperation(data, op);
  state.data = data;
  const idleMs = state.lifetimeChanged ? state.idleMs : fresh.idleMs;
  return new PlannedRecord(fresh.version + 1, Math.max(fresh.expiresAt, state.expiresAt), fresh.createdAt, data, nextFlash(state, fresh.flash), idleMs);
}

/** The version, dates and field names of a record, at their longest. */
const RECORD_FRAME_BYTES = 128;

/**
 * Measured as the JSON a store writes. A session whose bound is under the
 * limit fits without serialising it (MemoryStore never does); otherwise the
 * JSON decides, with Buffer.byteLength only when the string could be near it.
 */
function assertSize(plan: CommitPlan, record: StoredSession): void {
  const { maxSize, name } = plan.session;
  const room = maxSize - RECORD_FRAME_BYTES;
  if (jsonBytesAtMost(record.flash, room) + jsonBytesAtMost(record.data, room) <= room) return;
  const json = serializeSession(record);
  if (json.length * 3 <= maxSize) return; // even all-multibyte text would fit
  const bytes = Buffer.byteLength(json);
  if (bytes > maxSize) throw SessionTooLargeError.forStore(name, bytes, maxSize);
}
