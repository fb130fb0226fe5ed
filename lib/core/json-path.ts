/**
 * Dot paths over plain JSON objects: `'user.id'` reaches `data.user.id`.
 * Segments that could reach an object's prototype are refused outright.
 */
import { MAX_JSON_DEPTH } from './json-value.js';

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const splitCache = new Map<string, readonly string[]>();

export function splitPath(path: string): readonly string[] {
  const cached = splitCache.get(path);
  if (cached) return cached;
  if (typeof path !== 'string' || path === '') {
    throw new TypeError('A session path must be a non-empty string such as "user.id".');
  }
  const segments = path.split('.');
  if (segments.length > MAX_JSON_DEPTH) {
    throw new TypeError(`Session path "${path.slice(0, 120)}…" has ${segments.length} segments; session data may nest at most ${MAX_JSON_DEPTH} levels deep.`);
  }
  for (const segment of segments) {
    if (segment === '') throw new TypeError(`Session path "${path}" has an empty segment; write paths like "user.id".`);
    if (FORBIDDEN_SEGMENTS.has(segment)) {
      throw new TypeError(`Session path "${path}" uses the reserved segment "${segment}", which could pollute object prototypes; rename the key.`);
    }
  }
  if (splitCache.size < 1000) splitCache.set(path, segments); // paths are mostly literals: a small cache pays
  return segments;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: a stored `{ "toString": … }` must not be confused with inherited members. */
function own(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

export function getPath(data: JsonObject, path: string): unknown {
  let node: unknown = data;
  for (const segment of splitPath(path)) {
    if (!isObject(node)) return undefined;
    node = own(node, segment);
  }
  return node;
}

export function hasPath(data: JsonObject, path: string): boolean {
  return getPath(data, path) !== undefined;
}

/** Sets the value, creating intermediate objects; a non-object in the way is replaced. */
export function setPath(data: JsonObject, path: string, value: unknown): void {
  const segments = splitPath(path);
  let node = data;
  for (let i = 0; i < segments.length - 1; i++) {
    const next = own(node, segments[i]);
    if (isObject(next)) {
      node = next;
    } else {
      const created: JsonObject = {};
      node[segments[i]] = created;
      node = created;
    }
  }
  node[segments[segments.length - 1]] = value;
}

export function deletePath(data: JsonObject, path: string): void {
  const segments = splitPath(path);
  let node: unknown = data;
  for (let i = 0; i < segments.length - 1; i++) {
    if (!isObject(node)) return;
    node = own(node, segments[i]);
  }
  if (isObject(node)) delete node[segments[segments.length - 1]];
}
