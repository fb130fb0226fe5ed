import type { Cluster, Redis } from 'ioredis';
import type { Writable } from 'node:stream';

/**
 * Sends the commands one turn of the event loop issues in one socket write,
 * as node-redis does by default: ioredis writes each command at once, and a
 * syscall per command costs more than the command on a busy server. The
 * turn's first command corks the socket and `setImmediate` uncorks it, so
 * replies wait at most for the rest of the turn, in the order issued.
 *
 * A Cluster spreads commands over one socket per node, so it is left as it is.
 */
export class WriteCoalescer {
  private corked: Writable | undefined;
  private readonly release = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  constructor(private readonly client: Redis) {}

  static for(client: Redis | Cluster): WriteCoalescer | undefined {
    return client.isCluster ? undefined : new WriteCoalescer(client as Redis);
  }

  /** Call before each command. */
  hold(): void {
    if (this.corked || this.client.status !== 'ready') return;
    const stream = this.client.stream as Writable | undefined;
    if (!stream || stream.writableCorked) return;
    stream.cork();
    this.corked = stream;
    setImmediate(this.release);
  }
}
