/**
 * Runs tasks one after another per key, within this process. Commits of one
 * session queue here, so parallel requests of one user in one process never
 * race each other's compare-and-set: each later commit conflicts once at most,
 * replays, and lands. Only writers in other processes still contend.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<R>(key: string, task: () => Promise<R>): Promise<R> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task, task) : task();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key); // last in line: forget the key
    });
    return result;
  }
}
