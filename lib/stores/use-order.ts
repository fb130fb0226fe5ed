/** An item of a UseOrder: the links live in the items themselves, so a use costs a few field writes and no allocation. */
export interface UseOrderItem<T> {
  older: T | undefined;
  newer: T | undefined;
}

/**
 * Items from least to most recently used, as a doubly linked list through
 * the items: every operation is O(1), where "delete a churning Map's first
 * key" is not (see bench/FINDINGS.md).
 */
export class UseOrder<T extends UseOrderItem<T>> {
  private leastRecent: T | undefined;
  private mostRecent: T | undefined;

  /** The item that has gone longest without a use. */
  get oldest(): T | undefined {
    return this.leastRecent;
  }

  /** Adds an item that is in no list as the most recently used. */
  add(item: T): void {
    item.older = this.mostRecent;
    item.newer = undefined;
    if (this.mostRecent) this.mostRecent.newer = item;
    else this.leastRecent = item;
    this.mostRecent = item;
  }

  /** Moves an item of this list to the most recently used end. */
  use(item: T): void {
    if (item === this.mostRecent) return;
    this.remove(item);
    this.add(item);
  }

  /** Takes an item of this list out of it. */
  remove(item: T): void {
    if (item.older) item.older.newer = item.newer;
    else this.leastRecent = item.newer;
    if (item.newer) item.newer.older = item.older;
    else this.mostRecent = item.older;
    item.older = item.newer = undefined;
  }
}
