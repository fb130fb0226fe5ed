import { deletePath, getPath, setPath } from './json-path.js';
import { cloneJson } from './json-value.js';

/**
 * Every mutation a request makes is recorded, so that when a parallel request
 * saved first, the commit can reload the fresh data and replay this request's
 * changes on top of it instead of overwriting them.
 */
export type SessionOperation =
  | { readonly kind: 'set'; readonly path: string; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'push'; readonly path: string; readonly values: readonly unknown[] }
  | { readonly kind: 'increment'; readonly path: string; readonly by: number }
  | { readonly kind: 'clear' }
  // The session's tag, not its data: replayed onto the fresh record's tag (see tagAfter).
  | { readonly kind: 'tag'; readonly tag: string }
  | { readonly kind: 'untag' };

export function applyOperation(data: Record<string, unknown>, op: SessionOperation): void {
  switch (op.kind) {
    case 'set':
      return setPath(data, op.path, cloneJson(op.value));
    case 'delete':
      return deletePath(data, op.path);
    case 'push': {
      const current = getPath(data, op.path);
      if (current !== undefined && !Array.isArray(current)) {
        throw new TypeError(`session.push("${op.path}") needs a list there, but it holds a ${typeof current}.`);
      }
      const list = current === undefined ? [] : current;
      list.push(...cloneJson(op.values));
      if (current === undefined) setPath(data, op.path, list);
      return;
    }
    case 'increment': {
      const current = getPath(data, op.path) ?? 0;
      if (typeof current !== 'number') {
        throw new TypeError(`session.increment("${op.path}") needs a number there, but it holds a ${typeof current}.`);
      }
      return setPath(data, op.path, current + op.by);
    }
    case 'clear':
      for (const key of Object.keys(data)) delete data[key];
      return;
    case 'tag':
    case 'untag':
      return;
  }
}
