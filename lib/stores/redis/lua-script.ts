import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A single-key Lua script, sent as `EVAL` on its first use by a client
 * (which loads it into the server's script cache), then as `EVALSHA`, and
 * once more as `EVAL` when the server has lost it (a restart, a
 * `SCRIPT FLUSH`, a Cluster node the client had not used it on). The first
 * use goes as `EVAL` so that, after a start, the commands of one event-loop
 * turn still run in the order issued: a `NOSCRIPT` retry goes after them.
 *
 * Sent by hand rather than through ioredis's `defineCommand`, which adds
 * commands to a client that is yours, and costs CPU on every call.
 */
export class LuaScript {
  readonly sha: string;
  /** Clients that have sent the script whole once. */
  private readonly sentBy = new WeakSet<Redis | Cluster>();

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis | Cluster, key: string, args: readonly (string | number)[]): Promise<unknown> {
    if (!this.sentBy.has(client)) {
      this.sentBy.add(client);
      return client.eval(this.lua, 1, key, ...args);
    }
    try {
      return await client.evalsha(this.sha, 1, key, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.lua, 1, key, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
