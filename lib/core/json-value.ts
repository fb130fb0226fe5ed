/**
 * Session values must survive a round trip through JSON unchanged, or a value
 * would read back differently after the next request. `toJsonValue` checks
 * that and returns a private deep copy in one pass, so later changes to the
 * caller's object cannot leak into the session.
 */
export function toJsonValue(value: unknown, path: string): unknown {
  return copy(value, path, new Set());
}

function copy(value: unknown, path: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw refuse(path, `${value} is not a JSON number`);
    case 'object':
      return value === null ? null : copyObject(value, path, ancestors);
    case 'undefined':
      throw refuse(path, 'undefined is not a JSON value; use session.delete(path) to remove a value');
    default:
      throw refuse(path, `a ${typeof value} is not a JSON value`);
  }
}

function copyObject(value: object, path: string, ancestors: Set<object>): unknown {
  if (ancestors.has(value)) throw refuse(path, 'the value contains a cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item, i) => copy(item, `${path}.${i}`, ancestors));
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
      out[key] = copy(item, `${path}.${key}`, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

function refuse(path: string, why: string): TypeError {
  return new TypeError(`Cannot store the value at session path "${path}": ${why}.`);
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
