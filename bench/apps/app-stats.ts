/**
 * Counters a bench app keeps about its store traffic: store method calls,
 * Redis commands sent, SQL statements run. The parent reads them over the IPC
 * channel before and after a measured phase; the difference divided by the
 * requests served is the "store/req" column.
 */
interface Counter {
  n: number;
}

const cells = new Map<string, Counter>();

/**
 * A counter of its own for `name`. Hot paths keep the cell and bump `n`:
 * the counting is the harness's cost, not the library's, so it must stay
 * well under what it counts (a name looked up per call cost ~100 ns).
 */
export function counter(name: string): Counter {
  let cell = cells.get(name);
  if (!cell) cells.set(name, (cell = { n: 0 }));
  return cell;
}

/** For counts whose name is known only per call (Redis commands, SQL statements). */
export function count(name: string): void {
  counter(name).n++;
}

/** Every count so far, by name. */
export function counters(): Record<string, number> {
  return Object.fromEntries([...cells].map(([name, cell]) => [name, cell.n]));
}

/**
 * Wraps the named methods of one object (in place, on the instance) so every
 * call is counted under `prefix + label(method)` and then forwarded unchanged. The
 * object keeps its class, so code that inspects it (constructor name,
 * marker properties) sees no difference.
 */
export function countCalls<T extends object>(target: T, methods: readonly string[], prefix = '', label = (method: string) => method): T {
  const object = target as Record<string, unknown>;
  for (const method of methods) {
    const original = object[method];
    if (typeof original !== 'function') continue;
    const cell = counter(prefix + label(method));
    const forward = original as (this: unknown, ...args: unknown[]) => unknown;
    // Fixed parameters instead of a rest array: every method wrapped here (the stores', and node-redis's
    // get/set/expire/del as connect-redis calls them) takes at most three.
    object[method] = function (this: unknown, a: unknown, b: unknown, c: unknown) {
      cell.n++;
      return forward.call(this, a, b, c);
    };
  }
  return target;
}

/** Counts every command an ioredis client sends (scripts arrive as `evalsha`), as `redis <name>`. */
export function countIoredisCommands<T extends object>(client: T): T {
  const object = client as unknown as { sendCommand(command: { name: string }, ...rest: unknown[]): unknown };
  const original = object.sendCommand;
  object.sendCommand = function (this: unknown, command: { name: string }, ...rest: unknown[]) {
    count(`redis ${command.name.toLowerCase()}`);
    return original.call(this, command, ...rest);
  };
  return client;
}
