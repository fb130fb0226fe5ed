import { deletePath, getPath, hasPath, setPath } from './json-path.js';

/**
 * Values that live for one request only (a loaded user object, a computed
 * permission set). Never stored, never JSON-checked; the session's `get`/`has`
 * fall back to them when no stored value exists at the same path.
 */
export class TransientValues {
  /** @internal */
  constructor(private readonly values: Record<string, unknown>) {}

  /** The value at dot path `path`, or undefined. */
  get<V = unknown>(path: string): V | undefined {
    return getPath(this.values, path) as V | undefined;
  }

  /** Keep `value` (any value, not copied) at `path` for the rest of this request. */
  set(path: string, value: unknown): void {
    setPath(this.values, path, value);
  }

  /** Whether a value exists at `path`. */
  has(path: string): boolean {
    return hasPath(this.values, path);
  }

  /** Remove the value at `path`. */
  delete(path: string): void {
    deletePath(this.values, path);
  }
}
