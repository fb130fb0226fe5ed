import { FlashBag } from './flash-bag.js';
import { parseDuration, type Duration } from './duration.js';
import { expiryAt, type Lifetime } from './expiry.js';
import { toTag } from './session-tag.js';
import { UserSessionsUnsupportedError } from '../errors/user-sessions-unsupported.error.js';
import type { SessionData } from './session-paths.js';
import type { SessionState } from './session-state.js';
import { SessionValues } from './session-values.js';
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
 * One session for one request. Reads and writes (see SessionValues) are
 * synchronous and work on an in-memory copy; the module persists the result
 * before the response leaves. Typed by `T` (default: the augmentable `SessionData`).
 */
export class Session<T extends object = SessionData, F extends object = Record<string, any>> extends SessionValues<T> {
  // Made on first use: most requests touch neither.
  private flashBag: FlashBag<F> | undefined;
  private transientValues: TransientValues | undefined;

  /** @internal */
  constructor(
    state: SessionState,
    private readonly rules: SessionRules,
  ) {
    super(state);
  }

  /** This session's one-request messages. */
  get flash(): FlashBag<F> {
    return (this.flashBag ??= new FlashBag<F>(this.state));
  }

  /** Request-only values: never stored; `get`/`has` see them when no stored value exists. */
  get transient(): TransientValues {
    return (this.transientValues ??= new TransientValues(this.state.transient));
  }

  /** The session id (changes on `regenerate()`, `invalidate()` and `destroy()`). */
  get id(): string {
    return this.state.id;
  }

  /** True when no stored session existed for this request (first visit, expired or unknown cookie). */
  get isNew(): boolean {
    return this.state.isNew;
  }

  /** When the session was started; `absoluteTimeout` counts from here. */
  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  /** When the session expires unless used again. */
  get expiresAt(): Date {
    return new Date(this.state.expiresAt);
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
}
