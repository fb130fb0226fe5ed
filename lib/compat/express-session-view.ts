import type { Session } from '../core/session.js';
import type { SessionState } from '../core/session-state.js';
import type { LoadedSession } from '../request-sessions.js';
import { expressSessionCookie, type ExpressSessionCookie } from './express-session-cookie.js';

type Callback = (error?: unknown) => void;

/** What express-session's `req.session` offers besides the data, as passport, connect-flash and csrf-sync use it. */
export interface ExpressSession {
  readonly id: string;
  readonly cookie: ExpressSessionCookie;
  regenerate(callback?: Callback): this;
  destroy(callback?: Callback): this;
  save(callback?: Callback): this;
  reload(callback?: Callback): this;
  touch(): this;
  resetMaxAge(): this;
  [key: string]: unknown;
}

/** A top-level value handed out (or assigned) through the view, and its JSON when it was last saved. */
interface Tracked {
  value: unknown;
  saved: string | undefined;
}

const RESERVED = new Set(['id', 'cookie', 'regenerate', 'destroy', 'save', 'reload', 'touch', 'resetMaxAge']);

/**
 * `request.session` in express-session's dialect, over the same data as the
 * typed `Session`: property reads and writes are top-level session values.
 * Values handed out are working copies, so in-place changes
 * (`req.session.passport.user = …`, `req.session.flash.info.push(…)`) count
 * too: before the commit (or on `save()`), each value that differs from what
 * was loaded becomes a `set` or `delete` operation, which compare-and-set
 * replays like any other. `regenerate()` starts an empty session under a new
 * id, as express-session's does.
 */
export function expressSessionView(loaded: LoadedSession): { view: ExpressSession; flush: () => void } {
  const { state, session } = loaded;
  const tracked = new Map<string, Tracked>();
  const deleted = new Set<string>();

  const forget = () => {
    tracked.clear();
    deleted.clear();
  };
  const flush = () => {
    for (const [key, entry] of tracked) {
      const json = entry.value === undefined ? undefined : JSON.stringify(entry.value);
      if (json === entry.saved) continue;
      if (entry.value === undefined) session.delete(key as never);
      else session.set(key as never, entry.value as never);
      entry.saved = json;
    }
    for (const key of deleted) if (Object.hasOwn(state.data, key)) session.delete(key as never);
    deleted.clear();
  };
  const later = (callback: Callback | undefined, work: () => unknown) => {
    let failure: unknown;
    try {
      const result = work();
      if (result instanceof Promise) {
        result.then(() => callback && process.nextTick(callback), (error: unknown) => callback && process.nextTick(callback, error));
        return;
      }
    } catch (error) {
      failure = error;
      if (!callback) throw error;
    }
    if (callback) process.nextTick(callback, failure);
  };

  const methods = {
    regenerate(callback?: Callback) {
      later(callback, () => {
        forget();
        return session.invalidate();
      });
      return view;
    },
    destroy(callback?: Callback) {
      later(callback, () => {
        forget();
        return session.destroy();
      });
      return view;
    },
    save(callback?: Callback) {
      later(callback, flush);
      return view;
    },
    /** Drops this request's unsaved property changes (the store is read once per request). */
    reload(callback?: Callback) {
      later(callback, forget);
      return view;
    },
    touch() {
      state.accessed = true;
      return view;
    },
    resetMaxAge() {
      state.accessed = true;
      return view;
    },
  };
  const cookie = expressSessionCookie(loaded);

  const view = new Proxy({} as ExpressSession, {
    get(_target, key) {
      if (typeof key === 'symbol') return undefined;
      if (key === 'id') return state.id;
      if (key === 'cookie') return cookie;
      if (Object.hasOwn(methods, key)) return methods[key as keyof typeof methods];
      return read(state, tracked, deleted, key);
    },
    set(_target, key, value) {
      if (typeof key === 'symbol' || RESERVED.has(key)) return true; // express-session's own members are not data
      state.accessed = true;
      deleted.delete(key);
      const entry = tracked.get(key);
      if (entry) entry.value = value;
      else tracked.set(key, { value, saved: savedJson(state, key) });
      return true;
    },
    deleteProperty(_target, key) {
      if (typeof key === 'symbol' || RESERVED.has(key)) return true;
      state.accessed = true;
      tracked.delete(key);
      deleted.add(key);
      return true;
    },
    has(_target, key) {
      if (typeof key === 'symbol') return false;
      return RESERVED.has(key) || dataKeys(state, tracked, deleted).includes(key);
    },
    ownKeys() {
      return ['cookie', ...dataKeys(state, tracked, deleted)];
    },
    getOwnPropertyDescriptor(_target, key) {
      if (typeof key === 'symbol') return undefined;
      if (key === 'cookie') return { value: cookie, enumerable: true, configurable: true, writable: true };
      if (!dataKeys(state, tracked, deleted).includes(key)) return undefined;
      return { value: read(state, tracked, deleted, key), enumerable: true, configurable: true, writable: true };
    },
  });
  return { view, flush };
}

function read(state: SessionState, tracked: Map<string, Tracked>, deleted: Set<string>, key: string): unknown {
  state.accessed = true;
  if (deleted.has(key)) return undefined;
  const entry = tracked.get(key);
  if (entry) return entry.value;
  if (!Object.hasOwn(state.data, key)) return undefined;
  const saved = JSON.stringify(state.data[key]);
  const value = JSON.parse(saved) as unknown; // a working copy: in-place changes are compared at flush
  tracked.set(key, { value, saved });
  return value;
}

function savedJson(state: SessionState, key: string): string | undefined {
  return Object.hasOwn(state.data, key) ? JSON.stringify(state.data[key]) : undefined;
}

function dataKeys(state: SessionState, tracked: Map<string, Tracked>, deleted: Set<string>): string[] {
  const keys = new Set(Object.keys(state.data));
  for (const [key, entry] of tracked) if (entry.value !== undefined) keys.add(key);
  for (const key of deleted) keys.delete(key);
  return [...keys];
}

/** Gives a request express-session's `req.session` and `req.sessionID` for the default session; returns its flush. */
export function exposeExpressSession(request: object, loaded: LoadedSession): () => void {
  const { view, flush } = expressSessionView(loaded);
  (request as { session?: unknown }).session = view;
  Object.defineProperty(request, 'sessionID', { get: () => loaded.state.id, configurable: true, enumerable: true });
  return flush;
}

export type { Session };
