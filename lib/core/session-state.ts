import type { SessionDevice, StoredSession } from '../stores/session-store.js';
import type { SessionOperation } from './session-operation.js';
import { isTagOperation } from './session-tag.js';

/** Flash bookkeeping for one request; see FlashBag for the rules. */
export interface FlashState {
  /** Set by the previous request: readable now, consumed by this one. */
  incoming: Record<string, unknown>;
  /** Set (or kept) by this request: readable now and by the next request. */
  outgoing: Record<string, unknown>;
  /** `flash.now()` values: this request only. */
  now: Record<string, unknown>;
  /** Keys the store held at load: these are consumed (aged out) by this request. */
  loadedKeys: readonly string[];
  /** `clear()` was called: nothing from before survives, even on replay. */
  cleared: boolean;
}

/**
 * Everything the commit needs to know about one session in one request. The
 * public `Session` and `FlashBag` are thin views over it; the manager keeps
 * the state to commit it.
 */
export class SessionState {
  /** The id the response will carry. */
  id: string;
  /** The id whose record exists in the store, if any: deleted when the id changes. */
  storedId: string | undefined;
  /** The version loaded from the store, for compare-and-set; undefined for new ids. */
  baseVersion: number | undefined;
  data: Record<string, unknown>;
  readonly flash: FlashState;
  readonly ops: SessionOperation[] = [];
  readonly transient: Record<string, unknown> = {};
  /** Ids whose records must be deleted at commit (invalidate, destroy). */
  readonly discardedIds: string[] = [];
  /** `regenerate()` moved the loaded record (id and version) to a new id with its data: the commit moves it as one compare-and-set. */
  moveFrom: { readonly id: string; readonly version: number } | undefined;
  /** Any public member was used: only then does the commit do anything. */
  accessed = false;
  /** The id changed this request: the data must be written under the new one. */
  idChanged = false;
  createdAt: number;
  expiresAt: number;
  /** This session's own idle timeout (`setLifetime`), kept in its record; undefined: the module's. */
  idleMs: number | undefined;
  /** `setLifetime` was called: the record and the cookie's expiry must be written. */
  lifetimeChanged = false;
  /** The user this session is tagged with (`session.tag`), kept in its record. */
  tag: string | undefined;
  /** The client that created the record (`captureDevice`); undefined until a new record is committed. */
  device: SessionDevice | undefined;

  constructor(
    id: string,
    record: StoredSession | undefined,
    now: number,
    initialExpiry: number,
    /** The request's cookie was signed with an older secret: re-sign it. */
    readonly needsResign: boolean,
    /** The request carried a cookie for this session, so destroying it must expire that cookie. */
    readonly hadCookie: boolean,
  ) {
    this.id = id;
    this.storedId = record ? id : undefined;
    this.baseVersion = record?.version;
    this.data = record?.data ?? {};
    const incoming = record?.flash ?? {};
    this.flash = { incoming, outgoing: {}, now: {}, loadedKeys: Object.keys(incoming), cleared: false };
    this.createdAt = record?.createdAt ?? now;
    this.expiresAt = record?.expiresAt ?? initialExpiry;
    this.idleMs = record?.idleMs;
    this.tag = record?.tag;
    this.device = record?.device;
  }

  get isNew(): boolean {
    return this.baseVersion === undefined;
  }

  /** Move to a fresh id, issued now; the old record is deleted at commit. */
  changeId(newId: string, now: number, initialExpiry: number): void {
    if (this.storedId !== undefined) this.moveFrom = { id: this.storedId, version: this.baseVersion! };
    this.storedId = undefined;
    this.baseVersion = undefined;
    this.id = newId;
    this.idChanged = true;
    this.accessed = true;
    this.createdAt = now;
    this.expiresAt = initialExpiry;
  }

  /** Flash read here is not used up: it waits for the next page view (a socket message is none). */
  keepIncomingFlash(): void {
    this.flash.loadedKeys = [];
  }

  /** Drop all data and flash (the id is kept). The tag is not data: unless dropped too, its operations stay, for replay. */
  reset(keepTag = true): void {
    // Nothing is carried to the new id: the old record is deleted, not moved.
    if (this.moveFrom) this.discardedIds.push(this.moveFrom.id);
    this.moveFrom = undefined;
    this.data = {};
    const tagOps = keepTag ? this.ops.filter(isTagOperation) : [];
    this.ops.length = 0;
    this.ops.push({ kind: 'clear' }, ...tagOps);
    this.flash.incoming = {};
    this.flash.outgoing = {};
    this.flash.now = {};
    this.flash.cleared = true;
  }
}
