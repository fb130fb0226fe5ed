import type { Session } from '../core/session.js';

/** Names under which `@Render` views find the session and its flash. */
export interface ViewLocalsOptions {
  /** @default 'session' */
  session?: string;
  /** @default 'flash' */
  flash?: string;
}

/**
 * Plain snapshots for templates: the data as own properties (Handlebars reads
 * `{{session.user.name}}` and `{{#if flash.success}}`, and refuses prototype
 * members), plus own `get(path)`/`has(path)` functions for engines that call
 * methods (Nunjucks, EJS, Pug: `flash.has('success')`).
 */
export function viewLocals(session: Session<any, any>, names: Required<ViewLocalsOptions>): Record<string, unknown> {
  const data = session.all() as Record<string, unknown>;
  const flash = session.flash.all() as Record<string, unknown>;
  return {
    [names.session]: withAccessors(data, {
      id: session.id,
      get: (path: string, fallback?: unknown) => session.get(path, fallback),
      has: (path: string) => session.has(path),
    }),
    [names.flash]: withAccessors(flash, {
      get: (key: string, fallback?: unknown) => session.flash.get(key, fallback),
      has: (key: string) => session.flash.has(key),
      all: () => session.flash.all(),
    }),
  };
}

function withAccessors(snapshot: Record<string, unknown>, accessors: Record<string, unknown>): Record<string, unknown> {
  for (const [name, value] of Object.entries(accessors)) {
    // Non-enumerable: `{{#each flash}}` lists messages, not helpers.
    Object.defineProperty(snapshot, name, { value, enumerable: false });
  }
  return snapshot;
}

/** What a `@Render` handler returned, with the view locals added (the handler's own keys win). */
export function mergeViewLocals(result: unknown, locals: Record<string, unknown>): unknown {
  if (result === undefined || result === null) return locals;
  if (typeof result !== 'object' || Array.isArray(result)) return result;
  return { ...locals, ...result };
}
