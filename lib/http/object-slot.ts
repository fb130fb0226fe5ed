/** Prototypes whose instances keep the module's state beside them (see keepStateBeside). */
const besidePrototypes = new WeakSet<object>();

/**
 * Marks a prototype a platform gives all of its requests or responses
 * (Express 5's `app.request` and `app.response`) whose instances each end up
 * with a map (hidden class) of their own: every property added to one of
 * them builds a new map (about 5 µs here) and every read misses V8's caches.
 * Slots keep such objects' state in a WeakMap instead.
 */
export function keepStateBeside(prototype: object): void {
  besidePrototypes.add(prototype);
}

/** Whether `object`'s prototype was marked with keepStateBeside. */
export function keepsStateBeside(object: object): boolean {
  return besidePrototypes.has(Object.getPrototypeOf(object) as object);
}

/**
 * One piece of per-request state on a request or response object: a
 * symbol-keyed property, the cheapest store where objects of a kind share
 * their map (Node's and Fastify's do), or a WeakMap entry for the objects
 * keepStateBeside names. A WeakMap everywhere would cost the garbage
 * collector more than the properties it saves.
 */
export class ObjectSlot<T> {
  private readonly key: symbol;
  private readonly beside = new WeakMap<object, T>();

  constructor(description: string) {
    this.key = Symbol(description);
  }

  get(object: object): T | undefined {
    return keepsStateBeside(object) ? this.beside.get(object) : (object as Record<symbol, T | undefined>)[this.key];
  }

  set(object: object, value: T): void {
    if (keepsStateBeside(object)) this.beside.set(object, value);
    else (object as Record<symbol, T>)[this.key] = value;
  }
}
