import { toJsonValue } from './json-value.js';
import type { SessionState } from './session-state.js';

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * One-request messages. `set` is readable in this request and the next one
 * that uses the session; `now` in this request only; `reflash`/`keep` carry
 * what the previous request set one request further. Falsy values are values.
 */
export class FlashBag<T extends object = Record<string, any>> {
  /** @internal */
  constructor(private readonly state: SessionState) {}

  /** Readable now and by the next request that uses the session. */
  set<K extends keyof T & string>(key: K, value: T[K]): void {
    const flash = this.use();
    flash.outgoing[key] = toJsonValue(value, `flash.${key}`);
  }

  /** Readable in this request only. */
  now<K extends keyof T & string>(key: K, value: T[K]): void {
    this.use().now[key] = value;
  }

  /** The value readable now under `key` (`now`, then this request's `set`, then the previous request's), else `defaultValue`. */
  get<K extends keyof T & string>(key: K): T[K] | undefined;
  get<K extends keyof T & string>(key: K, defaultValue: T[K]): T[K];
  get<K extends keyof T & string>(key: K, defaultValue?: T[K]): T[K] | undefined {
    const flash = this.use();
    for (const source of [flash.now, flash.outgoing, flash.incoming]) {
      if (hasOwn(source, key)) return source[key] as T[K];
    }
    return defaultValue;
  }

  /** Whether a value is readable now under `key` (falsy values count). */
  has(key: keyof T & string): boolean {
    const flash = this.use();
    return hasOwn(flash.now, key) || hasOwn(flash.outgoing, key) || hasOwn(flash.incoming, key);
  }

  /** Everything readable now: what the previous request set, what this one set, and `now` values. */
  all(): Partial<T> {
    const flash = this.use();
    return { ...flash.incoming, ...flash.outgoing, ...flash.now } as Partial<T>;
  }

  /** Keep what the previous request flashed (all of it, or the keys named) for one more request. */
  reflash(keys?: readonly (keyof T & string)[]): void {
    const flash = this.use();
    for (const key of keys ?? Object.keys(flash.incoming)) {
      if (hasOwn(flash.incoming, key) && !hasOwn(flash.outgoing, key)) {
        flash.outgoing[key] = flash.incoming[key];
      }
    }
  }

  /** `keep('a', 'b')` is `reflash(['a', 'b'])`. */
  keep(...keys: (keyof T & string)[]): void {
    this.reflash(keys);
  }

  /** Forget all flash data, readable and pending. */
  clear(): void {
    const flash = this.use();
    flash.incoming = {};
    flash.outgoing = {};
    flash.now = {};
    flash.cleared = true;
  }

  private use() {
    this.state.accessed = true;
    return this.state.flash;
  }
}
