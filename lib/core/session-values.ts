import { getPath, hasPath } from './json-path.js';
import { cloneJson, toJsonValue } from './json-value.js';
import { applyOperation, type SessionOperation } from './session-operation.js';
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

/**
 * A session's data, read and written by dot path. Each write is applied to
 * the request's copy at once and recorded as an operation, so a commit that
 * meets a parallel write can replay it. `Session` adds the id, lifetime and tag.
 */
export abstract class SessionValues<T extends object = SessionData> {
  /** @internal */
  constructor(protected readonly state: SessionState) {}

  /** The value at `path`: the stored one (a copy), else a transient one, else `defaultValue`. */
  get<P extends SessionPath<SessionShape<T>>>(path: P): SessionPathValue<SessionShape<T>, P> | undefined;
  get<P extends SessionPath<SessionShape<T>>>(
    path: P,
    defaultValue: NonNullable<SessionPathValue<SessionShape<T>, P>>,
  ): NonNullable<SessionPathValue<SessionShape<T>, P>>;
  get(path: string, defaultValue?: unknown): unknown {
    const value = this.lookup(path);
    return value === undefined ? defaultValue : value;
  }

  /** Whether a stored or transient value exists at `path`. */
  has(path: SessionPath<SessionShape<T>>): boolean {
    const state = this.use();
    return hasPath(state.data, path) || hasPath(state.transient, path);
  }

  /** Store `value` at `path`, creating parent objects. Throws `TypeError` for values JSON cannot keep. */
  set<P extends SessionPath<SessionShape<T>>>(path: P, value: SessionPathValue<SessionShape<T>, P>): void {
    this.record({ kind: 'set', path, value: toJsonValue(value, path) });
  }

  /** Remove the stored value at `path`. */
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

  /** Subtract from the number at `path` (absent counts as 0); returns the new value. */
  decrement(path: SessionNumberPath<SessionShape<T>>, by = 1): number {
    return this.increment(path, -by);
  }

  /** Drop all data and flash; the id (and the tag) stays. */
  clear(): void {
    this.use().reset();
  }

  /** The state, marked as used by this request (an unused session is never committed). */
  protected use(): SessionState {
    this.state.accessed = true;
    return this.state;
  }

  /** Applies `op` now and keeps it for a replay. */
  protected record(op: SessionOperation): void {
    const state = this.use();
    applyOperation(state.data, op);
    state.ops.push(op);
  }

  /** Stored value first, then transient; stored objects are copied so edits go through `set`. */
  private lookup(path: string): unknown {
    const state = this.use();
    const stored = getPath(state.data, path);
    if (stored === undefined) return getPath(state.transient, path);
    return typeof stored === 'object' && stored !== null ? cloneJson(stored) : stored;
  }
}
