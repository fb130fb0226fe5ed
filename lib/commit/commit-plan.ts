import type { SessionState } from '../core/session-state.js';
import type { ResolvedSession } from '../session-config.js';
import type { StoredSession } from '../stores/session-store.js';
import { expiryAt, type Lifetime } from '../core/expiry.js';
import { sameJson } from '../core/json-value.js';
import { DEFAULTS } from '../session.options.js';
import { PlannedRecord } from './planned-record.js';

export type StoreAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'touch'; readonly expiresAt: number }
  | { readonly kind: 'save'; readonly record: StoredSession; readonly ifVersion: number | undefined };

/** What one session's commit will do: decided synchronously, carried out by `persistCommit`. */
export interface CommitPlan {
  readonly session: ResolvedSession;
  readonly state: SessionState;
  readonly action: StoreAction;
  /** Records to delete: ids left behind by invalidate or destroy (and markers they moved to). */
  readonly discard: readonly string[];
  /** `regenerate()`: the loaded record this save moves to the new id, as one compare-and-set. */
  readonly moveFrom?: { readonly id: string; readonly version: number };
  /** `set`: send the (new or extended) cookie; `expire`: tell the browser to drop it; `keep`: send nothing. */
  readonly cookie: 'set' | 'expire' | 'keep';
  /** The clock when the plan was made: a synchronous store's write uses it rather than reading the clock again. */
  readonly now: number;
}

/** The lifetime a session lives by: its own idle timeout (`setLifetime`) or the module's. */
export function lifetimeOf(session: ResolvedSession, state: SessionState): Lifetime {
  return state.idleMs === undefined ? session : { idleMs: state.idleMs, absoluteMs: session.absoluteMs };
}

/**
 * The commit rules (README, "Where sessions are loaded and saved"). A session nobody used, or a request that failed
 * with a 5xx, changes nothing at all (not even flash aging).
 */
export function planCommit(session: ResolvedSession, state: SessionState, status: number, now: number): CommitPlan | undefined {
  if (!state.accessed || status >= 500) return undefined;
  const discard = state.discardedIds;
  const changed = state.ops.length > 0 || state.lifetimeChanged || state.flash.loadedKeys.length > 0 || Object.keys(state.flash.outgoing).length > 0;

  if (state.storedId === undefined) {
    const flash = nextFlash(state, state.flash.incoming);
    // A tagged session is worth keeping even empty: UserSessions must find it.
    if (Object.keys(state.data).length === 0 && Object.keys(flash).length === 0 && state.tag === undefined) {
      // Nothing worth keeping: no record (a moved one is deleted), and a cookie only to erase one we just invalidated.
      const gone = state.moveFrom ? [...discard, state.moveFrom.id] : discard;
      return { session, state, action: NO_ACTION, discard: gone, cookie: gone.length && state.hadCookie ? 'expire' : 'keep', now };
    }
    const record = new PlannedRecord(1, state.expiresAt, state.createdAt, state.data, flash, state.idleMs, state.tag, state.device);
    return { session, state, action: { kind: 'save', record, ifVersion: undefined }, discard, moveFrom: state.moveFrom, cookie: 'set', now };
  }

  const lifetime = lifetimeOf(session, state);
  const extended = expiryAt(now, state.createdAt, lifetime);
  // A session with its own lifetime (setLifetime) shorter than the module's is extended as often as the default step would, relative to it.
  const step = state.idleMs === undefined ? session.touchAfterMs : Math.min(session.touchAfterMs, Math.floor(lifetime.idleMs * DEFAULTS.touchAfterFraction));
  const extend = extended - state.expiresAt >= step;
  if (extend) state.expiresAt = extended;
  const browserExpiryMoved = (extend && !expiresOnClose(session, state)) || state.lifetimeChanged;
  // A sealed cookie is the record itself: every save or touch re-sends it.
  const recordInCookie = session.sealer !== undefined && (changed || extend);
  const cookie = browserExpiryMoved || recordInCookie || state.needsResign ? 'set' : 'keep';
  if (changed) {
    const flash = nextFlash(state, state.flash.incoming);
    const record = new PlannedRecord(state.baseVersion! + 1, state.expiresAt, state.createdAt, state.data, flash, state.idleMs, state.tag, state.device);
    return { session, state, action: { kind: 'save', record, ifVersion: state.baseVersion }, discard, cookie, now };
  }
  return { session, state, action: extend ? { kind: 'touch', expiresAt: extended } : NO_ACTION, discard, cookie, now };
}

/** Shared by every plan with nothing for the store to do (most reads): nothing reads it but its kind. */
const NO_ACTION: StoreAction = Object.freeze({ kind: 'none' });

/** The record as it stands after this plan: what a sealed cookie must carry. */
export function recordAfter(plan: CommitPlan): StoredSession {
  if (plan.action.kind === 'save') return plan.action.record;
  const { state } = plan;
  const flash = nextFlash(state, state.flash.incoming);
  return new PlannedRecord(state.baseVersion ?? 1, state.expiresAt, state.createdAt, state.data, flash, state.idleMs, state.tag, state.device);
}

/**
 * Flash for the next request: what this request set or kept, plus anything a
 * parallel request flashed after this one loaded (on replay `incoming` is the
 * fresh record's), minus what this request consumed: a key it loaded, while
 * it still holds the value this request showed (one flashed again under the
 * same key meanwhile is a new message).
 */
export function nextFlash(state: SessionState, incoming: Record<string, unknown>): Record<string, unknown> {
  const { outgoing, loadedKeys, cleared } = state.flash;
  if (cleared || Object.keys(incoming).length === 0) return { ...outgoing };
  const loaded = state.flash.incoming;
  const survivors: Record<string, unknown> = {};
  for (const key of Object.keys(incoming)) {
    const consumed = loadedKeys.includes(key) && (incoming === loaded || sameJson(incoming[key], loaded[key]));
    if (!consumed) survivors[key] = incoming[key];
  }
  return { ...survivors, ...outgoing };
}

/** A browser-session cookie: the module's `expireOnClose`, unless this session has a lifetime of its own ("remember me"). */
export function expiresOnClose(session: ResolvedSession, state: SessionState): boolean {
  return session.expireOnClose && state.idleMs === undefined;
}
