import { PlannedRecord } from '../commit/planned-record.js';
import { cloneJson } from '../core/json-value.js';
/**
 * What a store keeps for one session. Every store persists exactly this shape
 * (as JSON or in columns) and hands it back unchanged.
 */
export interface StoredSession {
  /** The user's session data: a JSON object. */
  data: Record<string, unknown>;
  /** Flash values set by the previous request, readable by the next one. */
  flash: Record<string, unknown>;
  /** Epoch ms when the session was created; the absolute timeout counts from here. */
  createdAt: number;
  /** Epoch ms after which the session is dead (idle and absolute expiry folded in). */
  expiresAt: number;
  /** Bumped by every successful write; compare-and-set compares it. */
  version: number;
  /** This session's own idle timeout in ms (`session.setLifetime`); absent: the module's `idleTimeout`. */
  idleMs?: number;
  /** The user this session is tagged with (`session.tag(userId)`): how `UserSessions` finds it. */
  tag?: string;
  /** The client that created the session, when the module's `captureDevice` asks for it (shown by `UserSessions.list`). */
  device?: SessionDevice;
  /**
   * Set on a short-lived forward marker left where a session was before
   * `regenerate()` moved it: the id it moved to. Loads read a marker as
   * missing; only commits already under way follow it.
   */
  movedTo?: string;
}

/** What `captureDevice` keeps about the client that created a session. */
export interface SessionDevice {
  /** The client's IP, as the platform reports it (trust-proxy settings honoured). */
  ip?: string;
  /** The client's `User-Agent` header. */
  userAgent?: string;
}

/** A live record found by its tag, with the id it is stored under. */
export interface TaggedSession {
  /** The id the record is stored under. */
  readonly id: string;
  /** The record itself. */
  readonly session: StoredSession;
}

/** Options of `SessionStore.destroy`. */
export interface StoreDestroyOptions {
  /** Delete only if the stored record still has this version (a missing record counts as deleted). */
  ifVersion?: number;
}

/** Options of `SessionStore.set`. */
export interface StoreSetOptions {
  /** How long the record lives from now, for stores with native TTL. */
  ttlMs: number;
  /**
   * Write only if the stored record still has this version. A missing record
   * is a conflict too, so a session another request destroyed stays destroyed.
   * Absent: write unconditionally (a brand-new id).
   */
  ifVersion?: number;
}

/**
 * The one door to every backend. Stores return `undefined` for missing,
 * expired or corrupt records rather than throwing; they throw only when the
 * backend itself fails (the module turns that into a 503).
 */
export interface SessionStore {
  /** The record stored under `id`; undefined when it is missing, expired or unreadable. */
  get(id: string): Promise<StoredSession | undefined>;
  /** Resolves `false` on a version conflict, `true` once written. */
  set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean>;
  /**
   * Delete the record. With `ifVersion`, only if it still has that version:
   * resolves `false` when another version is there (a parallel request moved
   * or changed it), `true` otherwise. Stores written before `ifVersion`
   * existed may ignore it and resolve nothing: deletes are then unconditional.
   */
  destroy(id: string, options?: StoreDestroyOptions): Promise<boolean | void>;
  /** Extend the expiry without touching data or version; a missing id is a no-op. */
  touch(id: string, expiresAt: number): Promise<void>;
  /** Delete expired records, for stores without native TTL. Resolves how many. */
  prune?(): Promise<number>;
  /** Release only what the store itself opened (timers, connections it created). */
  close?(): Promise<void>;
  /** Resolves once the store can serve (a connection is up); the module awaits it at start-up. */
  ready?(): Promise<void>;
  /**
   * The live records tagged `tag` (forward markers excluded), at a cost
   * bounded by that tag's own sessions, never a scan of every session. Every
   * record whose tagged write completed before the call is in the answer.
   * Stores without it cannot serve `session.tag()` and `UserSessions`.
   */
  findTagged?(tag: string): Promise<TaggedSession[]>;
}

/** DI token for the default session's store: `@Inject(SessionStore)` or `@InjectSessionStore()`. */
export const SessionStore: unique symbol = Symbol.for('nest-sessions.SessionStore');

/** Whether `value` has StoredSession's shape: a store reads anything else as missing. */
export function isStoredSession(value: unknown): value is StoredSession {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    isPlainObject(record.data) &&
    isPlainObject(record.flash) &&
    Number.isSafeInteger(record.createdAt) &&
    Number.isSafeInteger(record.expiresAt) &&
    Number.isSafeInteger(record.version) &&
    (record.version as number) >= 0 &&
    (record.idleMs === undefined || (Number.isSafeInteger(record.idleMs) && (record.idleMs as number) > 0)) &&
    (record.movedTo === undefined || typeof record.movedTo === 'string') &&
    (record.tag === undefined || (typeof record.tag === 'string' && record.tag !== '')) &&
    (record.device === undefined || isDevice(record.device))
  );
}

function isDevice(value: unknown): value is SessionDevice {
  if (!isPlainObject(value)) return false;
  return (value.ip === undefined || typeof value.ip === 'string') && (value.userAgent === undefined || typeof value.userAgent === 'string');
}

/** Only the two known fields: nothing else a record carried rides along. */
function copyDevice({ ip, userAgent }: SessionDevice): SessionDevice {
  return { ...(ip === undefined ? {} : { ip }), ...(userAgent === undefined ? {} : { userAgent }) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A record as JSON: computed once for the module's own records (see PlannedRecord), afresh for any other. */
export function serializeSession(record: StoredSession): string {
  return record instanceof PlannedRecord ? record.json() : JSON.stringify(record);
}

/**
 * A deep copy of a record (its data and flash are JSON values): what a store
 * that keeps records as objects hands out, so no caller can change what it
 * holds. Copied field by field: cheaper than a JSON round trip.
 */
export function copySession(record: StoredSession): StoredSession {
  return {
    version: record.version,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    data: cloneJson(record.data),
    flash: cloneJson(record.flash),
    ...(record.idleMs === undefined ? {} : { idleMs: record.idleMs }),
    ...(record.tag === undefined ? {} : { tag: record.tag }),
    ...(record.device === undefined ? {} : { device: copyDevice(record.device) }),
    ...(record.movedTo === undefined ? {} : { movedTo: record.movedTo }),
  };
}
