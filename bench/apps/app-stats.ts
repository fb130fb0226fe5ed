/**
 * Counters a bench app keeps about its store traffic: store method calls,
 * Redis commands sent, SQL statements run. The parent reads them over the IPC
 * channel before and after a measured phase; the difference divided by the
 * requests served is the "store/req" column.
 */
export const counters: Record<string, number> = {};

export function count(name: string): void {
  counters[name] = (counters[name] ?? 0) + 1;
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
    const name = prefix + label(method);
    object[method] = function (this: unknown, ...args: unknown[]) {
      count(name);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
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
