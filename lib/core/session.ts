import { FlashBag } from './flash-bag.js';
import { parseDuration, type Duration } from './duration.js';
import { expiryAt, type Lifetime } from './expiry.js';
import { getPath, hasPath } from './json-path.js';
import { cloneJson, toJsonValue } from './json-value.js';
import { applyOperation, type SessionOperation } from './session-operation.js';
import { toTag } from './session-tag.js';
import { UserSessionsUnsupportedError } from '../errors/user-sessions-unsupported.error.js';
import type {
  ListItem,
  SessionData,
  SessionListPath,
  SessionNumberPath,
  SessionPath,
  SessionPathValue,
  SessionShape,
} from './session-paths.js';
import type { SessionState } from './session-state.js';
import { TransientValues } from './transient-values.js';
import { settle, type Callback } from './settle.js';

/** What a session needs from its configuration: fresh ids, the module's timeouts, and whether its store can be tagged. */
export interface SessionRules extends Lifetime {
  newId(): string;
  readonly name: string;
  readonly storeName: string;
  /** The store can find sessions by tag (`findTagged`) and keeps records server-side. */
  readonly taggable: boolean;
}

/**
 * One session for one request. Reads and writes are synchronous and work on
 * an in-memory copy; the response hook persists the result before the response
 * leaves. Typed by `T` (default: the augmentable `SessionData`).
 */
export class Session<T extends object = SessionData, F extends object = Record<string, any>> {
  // Made on first use: most requests touch neither.
  private flashBag: FlashBag<F> | undefined;
  private transientValues: TransientValues | undefined;

  /** @internal */
  constructor(
    private readonly state: SessionState,
    private readonly rules: SessionRules,
  ) {}

  /** This session's one-request messages. */
  get flash(): FlashBag<F> {
    return (this.flashBag ??= new FlashBag<F>(this.state));
  }

  /** Request-only values: never stored; `get`/`has` see them when no stored value exists. */
  get transient(): TransientValues {
    return (this.transientValues ??= new TransientValues(this.state.transient));
  }

  get id(): string {
    return this.state.id;
  }

  /** True when no stored session existed for this request (first visit, expired or unknown cookie). */
  get isNew(): boolean {
    return this.state.isNew;
  }

  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  get expiresAt(): Date {
    return new Date(this.state.expiresAt);
  }

  get<P extends SessionPath<SessionShape<T>>>(path: P): SessionPathValue<SessionShape<T>, P> | undefined;
  get<P extends SessionPath<SessionShape<T>>>(
    path: P,
    defaultValue: NonNullable<SessionPathValue<SessionShape<T>, P>>,
  ): NonNullable<SessionPathValue<SessionShape<T>, P>>;
  get(path: string, defaultValue?: unknown): unknown {
    const value = this.lookup(path);
    return value === undefined ? defaultValue : value;
  }

  has(path: SessionPath<SessionShape<T>>): boolean {
    const state = this.use();
    return hasPath(state.data, path) || hasPath(state.transient, path);
  }

  set<P extends SessionPath<SessionShape<T>>>(path: P, value: SessionPathValue<SessionShape<T>, P>): void {
    this.record({ kind: 'set', path, value: toJsonValue(value, path) });
  }

  delete(path: SessionPath<SessionShape<T>>): void {
    this.record({ kind: 'delete', path });
  }

  /** A deep copy of all stored data (transient values excluded). */
  all(): Partial<SessionShape<T>> {
    return cloneJson(this.use().data) as Partial<SessionShape<T>>;
  }

  /** Read then delete. */
  pop<P extends SessionPath<SessionShape<T>>>(path: P): SessionPathValue<SessionShape<T>, P> | undefined;
  pop<P extends SessionPath<SessionShape<T>>>(
    path: P,
    defaultValue: NonNullable<SessionPathValue<SessionShape<T>, P>>,
  ): NonNullable<SessionPathValue<SessionShape<T>, P>>;
  pop(path: string, defaultValue?: unknown): unknown {
    const state = this.use();
    const value = getPath(state.data, path);
    if (value === undefined) return defaultValue;
    this.record({ kind: 'delete', path });
    return value;
  }

  /** Append to the list at `path`, creating it when absent. */
  push<P extends SessionListPath<SessionShape<T>>>(
    path: P,
    ...values: ListItem<NonNullable<SessionPathValue<SessionShape<T>, P>>>[]
  ): void {
    this.record({ kind: 'push', path, values: values.map((v, i) => toJsonValue(v, `${path}.${i}`)) });
  }

  /** Add to the number at `path` (absent counts as 0); returns the new value. */
  increment(path: SessionNumberPath<SessionShape<T>>, by = 1): number {
    if (!Number.isFinite(by)) throw new TypeError(`session.increment("${path}", by) needs a finite number, got ${by}.`);
    this.record({ kind: 'increment', path, by });
    return getPath(this.state.data, path) as number;
  }

  decrement(path: SessionNumberPath<SessionShape<T>>, by = 1): number {
    return this.increment(path, -by);
  }

  /** Drop all data and flash; the id (and the tag) stays. */
  clear(): void {
    this.use().reset();
  }

  /** A new id with the same data (and lifetime): call it on sign-in against session fixation. */
  regenerate(callback?: Callback): Promise<void> {
    return settle(() => this.moveToNewId(), callback);
  }

  /** A new id with no data: the old session is deleted, work goes on in a fresh, untagged one with the module's lifetime. */
  invalidate(callback?: Callback): Promise<void> {
    return settle(() => {
      this.state.idleMs = undefined;
      this.state.tag = undefined;
      this.state.device = undefined; // a new record: the commit captures its own
      this.moveToNewId();
      this.state.reset(false);
    }, callback);
  }

  /**
   * Delete the session and expire its cookie. Anything written afterwards in
   * this request (a "signed out" flash, say) starts a fresh session.
   */
  destroy(callback?: Callback): Promise<void> {
    return this.invalidate(callback);
  }

  /**
   * This session's own idle timeout ("remember me"): kept by the store, sent
   * as the cookie's expiry, and still capped by `absoluteTimeout`. `null`
   * goes back to the module's `idleTimeout`.
   */
  setLifetime(duration: Duration | null): void {
    const state = this.use();
    state.idleMs = duration === null ? undefined : parseDuration(duration, 'setLifetime');
    state.lifetimeChanged = true;
    state.expiresAt = expiryAt(Date.now(), state.createdAt, this.lifetime());
  }

  /**
   * Tag this session with the signed-in user, so `UserSessions` can list it
   * and sign it out ("your devices", "sign out other devices"). Kept across
   * `regenerate()`; gone with `destroy()` and `invalidate()`. Throws
   * `UserSessionsUnsupportedError` on a store that cannot find sessions by
   * tag (CookieStore, NullStore).
   */
  tag(userId: string | number): void {
    const tag = toTag(userId, 'session.tag(userId)');
    if (!this.rules.taggable) throw new UserSessionsUnsupportedError(this.rules.name, this.rules.storeName);
    if (this.use().tag === tag) return; // already so: no write
    this.record({ kind: 'tag', tag });
    this.state.tag = tag;
  }

  /** Remove the tag: `UserSessions` no longer lists this session. Signing out usually calls `destroy()` instead. */
  untag(): void {
    if (this.use().tag === undefined) return;
    this.record({ kind: 'untag' });
    this.state.tag = undefined;
  }

  /** The user id this session is tagged with (`tag()`), or undefined. */
  get taggedAs(): string | undefined {
    return this.use().tag;
  }

  /** The idle timeout this session lives by: its own (`setLifetime`) or the module's. */
  get lifetimeMs(): number {
    return this.lifetime().idleMs;
  }

  private lifetime(): Lifetime {
    const own = this.state.idleMs;
    return own === undefined ? this.rules : { idleMs: own, absoluteMs: this.rules.absoluteMs };
  }

  private moveToNewId(): void {
    const now = Date.now();
    this.state.changeId(this.rules.newId(), now, expiryAt(now, now, this.lifetime()));
  }

  private use(): SessionState {
    this.state.accessed = true;
    return this.state;
  }

  /** Stored value first, then transient; stored objects are copied so edits go through `set`. */
  private lookup(path: string): unknown {
    const state = this.use();
    const stored = getPath(state.data, path);
    if (stored === undefined) return getPath(state.transient, path);
    return typeof stored === 'object' && stored !== null ? cloneJson(stored) : stored;
  }

  private record(op: SessionOperation): void {
    const state = this.use();
    applyOperation(state.data, op);
    state.ops.push(op);
  }
}
