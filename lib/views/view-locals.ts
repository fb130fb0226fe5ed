import type { Session } from '../core/session.js';

/** Names under which `@Render` views find the session and its flash. */
export interface ViewLocalsOptions {
  /** The session's data (with `get`, `has` and `id`). @default 'session' */
  session?: string;
  /** The flash readable now (with `get`, `has` and `all`). @default 'flash' */
  flash?: string;
}

/**
 * Makes the session and its flash visible to the view a `@Render` handler
 * renders, through the platform's own locals (Express `res.locals`,
 * @fastify/view's `reply.locals`), which both engines merge under the
 * handler's data (its own keys win). Getters, so the view sees the session
 * as the handler left it, not as it was loaded.
 */
export function exposeToViews(response: object, session: Session<any, any>, names: Required<ViewLocalsOptions>): void {
  const holder = response as { locals?: Record<string, unknown> | null };
  const locals = (holder.locals ??= {});
  Object.defineProperty(locals, names.session, { get: () => sessionSnapshot(session), enumerable: true, configurable: true });
  Object.defineProperty(locals, names.flash, { get: () => flashSnapshot(session), enumerable: true, configurable: true });
}

/**
 * Plain snapshots for templates: the data as own properties (Handlebars reads
 * `{{session.user.name}}` and `{{#if flash.success}}`, and refuses prototype
 * members), plus own `get(path)`/`has(path)` functions for engines that call
 * methods (Nunjucks, EJS, Pug: `flash.has('success')`).
 */
function sessionSnapshot(session: Session<any, any>): Record<string, unknown> {
  return withAccessors(session.all() as Record<string, unknown>, {
    id: session.id,
    get: (path: string, fallback?: unknown) => session.get(path, fallback),
    has: (path: string) => session.has(path),
  });
}

function flashSnapshot(session: Session<any, any>): Record<string, unknown> {
  return withAccessors(session.flash.all() as Record<string, unknown>, {
    get: (key: string, fallback?: unknown) => session.flash.get(key, fallback),
    has: (key: string) => session.flash.has(key),
    all: () => session.flash.all(),
  });
}

function withAccessors(snapshot: Record<string, unknown>, accessors: Record<string, unknown>): Record<string, unknown> {
  for (const [name, value] of Object.entries(accessors)) {
    // Non-enumerable: `{{#each flash}}` lists messages, not helpers.
    Object.defineProperty(snapshot, name, { value, enumerable: false });
  }
  return snapshot;
}
