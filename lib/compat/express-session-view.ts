import type { LoadedSession } from '../request-sessions.js';
import { getPath } from '../core/json-path.js';
import { diffOperations } from './diff-operations.js';
import { expressSessionCookie, type ExpressSessionCookie } from './express-session-cookie.js';
import type { Callback, ExpressSession } from './express-session.js';

/** A top-level value handed out (or assigned) through the view, and a copy of it as last saved. */
interface Tracked {
  value: unknown;
  saved: unknown;
}

const copy = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

const RESERVED = new Set(['id', 'cookie', 'regenerate', 'destroy', 'save', 'reload', 'touch', 'resetMaxAge']);

/**
 * One request's view: the loaded session, the values handed out or assigned
 * through it (working copies, compared at flush), and what was deleted.
 * Made per request, so it holds data only; the behaviour is shared below.
 */
class ViewState {
  readonly tracked = new Map<string, Tracked>();
  readonly deleted = new Set<string>();
  cookie: ExpressSessionCookie | undefined;
  proxy!: ExpressSession;
  /**
   * Set once `regenerate()` replaced this view on the request: what it showed
   * then. As express-session's previous `Session` object, it keeps reading
   * (passport's `keepSessionInfo` merges it into the new one), and nothing
   * written to it is saved.
   */
  detached: Record<string, unknown> | undefined;

  constructor(
    readonly loaded: LoadedSession,
    private readonly request: { session?: unknown; sessionID?: string },
    private readonly views: { current: ViewState },
  ) {}

  /** A new view on the request, as express-session's `regenerate` gives `req.session` a new object; this one keeps what it showed. */
  private replace(): void {
    const shown: Record<string, unknown> = {};
    for (const key of this.keys()) shown[key] = this.read(key);
    this.detached = shown;
    this.forget();
    const next = new ViewState(this.loaded, this.request, this.views);
    next.proxy = new Proxy(next, handler) as unknown as ExpressSession;
    this.views.current = next;
    this.request.session = next.proxy;
  }

  /** Turns this request's property writes into session operations (before the commit, or on `save()`). */
  flush(): void {
    if (this.detached) return;
    const { session, state } = this.loaded;
    for (const [key, entry] of this.tracked) {
      for (const change of diffOperations(key, entry.saved, entry.value)) {
        if (change.kind === 'set') session.set(change.path as never, change.value as never);
        else if (change.kind === 'push') session.push(change.path as never, ...(change.values as never[]));
        else if (getPath(state.data, change.path) !== undefined) session.delete(change.path as never);
      }
      entry.saved = copy(entry.value);
    }
    for (const key of this.deleted) if (Object.hasOwn(state.data, key)) session.delete(key as never);
    this.deleted.clear();
    this.request.sessionID = state.id;
  }

  forget(): void {
    this.tracked.clear();
    this.deleted.clear();
  }

  /** Runs `work`, then the Node-style callback (if any) on the next tick, as express-session's methods answer. */
  answer(callback: Callback | undefined, work: () => unknown): ExpressSession {
    let result: unknown;
    try {
      result = work();
    } catch (error) {
      if (!callback) throw error;
      process.nextTick(callback, error);
      return this.proxy;
    }
    this.request.sessionID = this.loaded.state.id;
    const done = result instanceof Promise ? result : Promise.resolve();
    done.then(
      () => {
        this.request.sessionID = this.loaded.state.id;
        if (callback) process.nextTick(callback);
      },
      (error: unknown) => callback && process.nextTick(callback, error),
    );
    return this.proxy;
  }

  method(key: string): ((callback?: Callback) => ExpressSession) | undefined {
    const { session, state } = this.loaded;
    switch (key) {
      // express-session's regenerate starts an empty session under a new id: that is invalidate() here.
      case 'regenerate':
        return (callback) => this.answer(callback, () => (this.views.current.replace(), session.invalidate()));
      case 'destroy':
        return (callback) => this.answer(callback, () => (this.forget(), session.destroy()));
      case 'save':
        return (callback) => this.answer(callback, () => this.flush());
      // The store is read once per request: reload drops this request's unsaved property changes.
      case 'reload':
        return (callback) => this.answer(callback, () => this.forget());
      case 'touch':
      case 'resetMaxAge':
        return () => ((state.accessed = true), this.proxy);
      default:
        return undefined;
    }
  }

  read(key: string): unknown {
    if (this.detached) return this.detached[key];
    const { state } = this.loaded;
    state.accessed = true;
    if (this.deleted.has(key)) return undefined;
    const entry = this.tracked.get(key);
    if (entry) return entry.value;
    if (!Object.hasOwn(state.data, key)) return undefined;
    const value = copy(state.data[key]); // a working copy: in-place changes are compared at flush
    this.tracked.set(key, { value, saved: copy(state.data[key]) });
    return value;
  }

  write(key: string, value: unknown): void {
    if (this.detached) return void (this.detached[key] = value);
    const { state } = this.loaded;
    state.accessed = true;
    this.deleted.delete(key);
    const entry = this.tracked.get(key);
    if (entry) entry.value = value;
    else this.tracked.set(key, { value, saved: Object.hasOwn(state.data, key) ? copy(state.data[key]) : undefined });
  }

  remove(key: string): void {
    if (this.detached) return void delete this.detached[key];
    this.loaded.state.accessed = true;
    this.tracked.delete(key);
    this.deleted.add(key);
  }

  keys(): string[] {
    if (this.detached) return Object.keys(this.detached);
    const keys = new Set(Object.keys(this.loaded.state.data));
    for (const [key, entry] of this.tracked) if (entry.value !== undefined) keys.add(key);
    for (const key of this.deleted) keys.delete(key);
    return [...keys];
  }
}

/** One handler for every view: the per-request state is the proxy's target. */
const handler: ProxyHandler<ViewState> = {
  get(view, key) {
    if (typeof key === 'symbol') return undefined;
    if (key === 'id') return view.loaded.state.id;
    if (key === 'cookie') return (view.cookie ??= expressSessionCookie(view.loaded));
    return view.method(key) ?? view.read(key);
  },
  set(view, key, value) {
    if (typeof key !== 'symbol' && !RESERVED.has(key)) view.write(key, value); // express-session's own members are not data
    return true;
  },
  deleteProperty(view, key) {
    if (typeof key !== 'symbol' && !RESERVED.has(key)) view.remove(key);
    return true;
  },
  has(view, key) {
    return typeof key !== 'symbol' && (RESERVED.has(key) || view.keys().includes(key));
  },
  ownKeys(view) {
    return ['cookie', ...view.keys()];
  },
  getOwnPropertyDescriptor(view, key) {
    if (typeof key === 'symbol') return undefined;
    if (key === 'cookie') return { value: handler.get!(view, key, undefined), enumerable: true, configurable: true, writable: true };
    if (!view.keys().includes(key)) return undefined;
    return { value: view.read(key), enumerable: true, configurable: true, writable: true };
  },
};

/**
 * Gives a request express-session's `req.session` and `req.sessionID` for the
 * default session, in express-session's dialect over the same data as the
 * typed `Session`: property reads and writes are top-level session values;
 * values handed out are working copies, so in-place changes
 * (`req.session.passport.user = …`, `req.session.flash.info.push(…)`) count
 * too. Before the commit (or on `save()`), each value that differs from what
 * was loaded becomes a `set` or `delete` operation, which compare-and-set
 * replays like any other. Returns the flush for the commit to run.
 */
export function exposeExpressSession(request: object, loaded: LoadedSession): () => void {
  const target = request as { session?: unknown; sessionID?: string };
  const views = {} as { current: ViewState };
  const view = (views.current = new ViewState(loaded, target, views));
  view.proxy = new Proxy(view, handler) as unknown as ExpressSession;
  target.session = view.proxy;
  target.sessionID = loaded.state.id;
  return () => views.current.flush();
}
