/**
 * Compile-time dot paths. `Session<AppSession>` accepts `'user.id'` only if
 * `AppSession` has `user.id`, and its value type follows. Lists and other
 * non-plain values are leaves: paths stop there.
 */

/**
 * Augment this interface to type `@Session()` parameters app-wide:
 * `declare module 'nest-sessions' { interface SessionData { user?: { id: number } } }`.
 * Left empty, sessions are loosely typed (any path, any JSON value).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData {}

/** Sessions typed by an empty interface stay usable: any string path, any value. */
export type SessionShape<T> = keyof T extends never ? Record<string, any> : T;

type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7];

type IsBranch<V> = V extends readonly unknown[] ? false : V extends object ? true : false;

/** Every dot path into T, to a depth of eight. */
export type SessionPath<T, D extends number = 8> = [D] extends [never]
  ? never
  : string extends keyof T
    ? string
    : {
        [K in keyof T & string]: IsBranch<NonNullable<T[K]>> extends true
          ? K | `${K}.${SessionPath<NonNullable<T[K]>, Depth[D]>}`
          : K;
      }[keyof T & string];

/** The value type at a dot path. */
export type SessionPathValue<T, P extends string> = string extends keyof T
  ? T[string]
  : P extends keyof T
    ? T[P]
    : P extends `${infer K}.${infer Rest}`
      ? K extends keyof T
        ? SessionPathValue<NonNullable<T[K]>, Rest>
        : never
      : never;

/** Paths whose value is a list: the ones `push` accepts. */
export type SessionListPath<T> = {
  [P in SessionPath<T>]: NonNullable<SessionPathValue<T, P>> extends readonly unknown[] ? P : never;
}[SessionPath<T>];

/** Paths whose value is a number: the ones `increment` accepts. */
export type SessionNumberPath<T> = {
  [P in SessionPath<T>]: NonNullable<SessionPathValue<T, P>> extends number ? P : never;
}[SessionPath<T>];

/** The item type of a list type. */
export type ListItem<L> = L extends readonly (infer I)[] ? I : never;
