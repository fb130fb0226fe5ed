import { sameJson } from '../core/json-value.js';

/** A change to one path of the session, as the typed `Session` API makes it. */
export type PathChange =
  | { readonly kind: 'set'; readonly path: string; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'push'; readonly path: string; readonly values: readonly unknown[] };

const UNADDRESSABLE = /^$|\.|^(__proto__|constructor|prototype)$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The smallest changes that turn `before` into `after` at `path`: nested keys
 * are set or deleted one by one and a list that only grew is pushed to, so a
 * parallel request's changes to other keys or items survive compare-and-set
 * replay (two tabs flashing at once both keep their message). Keys a dot path
 * cannot name are replaced whole, one level up.
 */
export function diffOperations(path: string, before: unknown, after: unknown, out: PathChange[] = []): PathChange[] {
  if (sameJson(before, after)) return out;
  if (after === undefined) {
    out.push({ kind: 'delete', path });
  } else if (isPlainObject(before) && isPlainObject(after) && ![...Object.keys(before), ...Object.keys(after)].some((key) => UNADDRESSABLE.test(key))) {
    for (const key of Object.keys(after)) diffOperations(`${path}.${key}`, before[key], after[key], out);
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) out.push({ kind: 'delete', path: `${path}.${key}` });
  } else if (Array.isArray(before) && Array.isArray(after) && after.length > before.length && sameJson(before, after.slice(0, before.length))) {
    out.push({ kind: 'push', path, values: after.slice(before.length) });
  } else {
    out.push({ kind: 'set', path, value: after });
  }
  return out;
}
