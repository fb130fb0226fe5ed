/**
 * Session values must survive a round trip through JSON unchanged, or a value
 * would read back differently after the next request. `toJsonValue` checks
 * that and returns a private deep copy in one pass, so later changes to the
 * caller's object cannot leak into the session.
 */
export function toJsonValue(value: unknown, path: string): unknown {
  return copy(value, path, new Set(), path.split('.').length);
}

/**
 * How deeply session data may nest, counting the path's own segments. Deeper
 * values would overflow the stack of whatever copies, serialises or parses
 * them later (and a request body can be shaped that way on purpose).
 */
export const MAX_JSON_DEPTH = 64;

function copy(value: unknown, path: string, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw refuse(path, `${value} is not a JSON number`);
    case 'object':
      return value === null ? null : copyObject(value, path, ancestors, depth);
    case 'undefined':
      throw refuse(path, 'undefined is not a JSON value; use session.delete(path) to remove a value');
    default:
      throw refuse(path, `a ${typeof value} is not a JSON value`);
  }
}

function copyObject(value: object, path: string, ancestors: Set<object>, depth: number): unknown {
  if (ancestors.has(value)) throw refuse(path, 'the value contains a cycle');
  if (depth >= MAX_JSON_DEPTH) throw refuse(path.length > 120 ? `${path.slice(0, 120)}…` : path, `session data may nest at most ${MAX_JSON_DEPTH} levels deep (path included); store a flatter value`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item, i) => copy(item, `${path}.${i}`, ancestors, depth + 1));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = value.constructor?.name ?? 'object';
      throw refuse(path, `a ${kind} instance is not plain JSON; store a plain object, or e.g. date.toISOString()`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue; // JSON drops undefined properties; so do we
      if (key === '__proto__') continue; // assigning it would swap the copy's prototype, not add data
      out[key] = copy(item, `${path}.${key}`, ancestors, depth + 1);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

function refuse(path: string, why: string): TypeError {
  return new TypeError(`Cannot store the value at session path "${path}": ${why}.`);
}

/** Whether two JSON values are equal: both serialise alike (values parsed from, or built for, one record do). */
export function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A deep copy of data already known to be JSON (cheaper than a JSON round trip for small values). */
export function cloneJson<V>(value: V): V {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as V;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // JSON.parse makes "__proto__" an own key; assigning it here would make it the copy's prototype.
    if (key !== '__proto__') out[key] = cloneJson((value as Record<string, unknown>)[key]);
  }
  return out as V;
}

/**
 * An upper bound on the UTF-8 bytes of `JSON.stringify(value)` for a JSON
 * value, summed without serialising it; once past `limit` it stops and
 * returns what it has. Each UTF-16 unit of a string or key takes at most 6
 * bytes (a `\u001f` escape; a character is at most 3), a number at most 25
 * (`-0.0000010000251364428082`). A session far under its maxSize is then known
 * to fit without the JSON.stringify that stores keeping objects never need.
 */
export function jsonBytesAtMost(value: unknown, limit: number): number {
  return addBound(value, 0, limit);
}

function addBound(value: unknown, total: number, limit: number): number {
  switch (typeof value) {
    case 'string':
      return total + 2 + 6 * value.length;
    case 'number':
      return total + 25; // -0.0000010000251364428082: sign, '0.', five zeros, 17 digits
    case 'boolean':
      return total + 5;
    case 'object': {
      if (value === null) return total + 4;
      if (Array.isArray(value)) {
        total += 2 + value.length; // brackets, commas
        for (const item of value) if ((total = addBound(item, total, limit)) > limit) return total;
        return total;
      }
      total += 2; // braces
      for (const key of Object.keys(value)) {
        total += 4 + 6 * key.length; // quotes, colon, comma
        if ((total = addBound((value as Record<string, unknown>)[key], total, limit)) > limit) return total;
      }
      return total;
    }
    default:
      return total + 4; // undefined: left out of an object, `null` in an array
  }
}
