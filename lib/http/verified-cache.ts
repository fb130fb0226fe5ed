/**
 * Cookie values that passed a cryptographic check (an HMAC, an AES-GCM
 * open), remembered so a returning browser costs a Map lookup instead of the
 * check. Only values that verified are kept, so an attacker cannot fill it
 * without a secret; the key is the whole cookie value, so a hit proves as
 * much as the check did. Bounded by entries and by characters held; the
 * oldest leave first.
 */
export class VerifiedCache<V> {
  private readonly entries = new Map<string, V>();
  /**
   * Keys in the order they came in, as a ring, with the characters each
   * brought: the oldest is found here, not as the Map's first key, because V8
   * leaves deleted Map entries as holes an iterator from the front steps over
   * until the table is rebuilt, which made each eviction cost O(entries)
   * (7 µs at 10,000 here). Its size sits in the ring too, so an eviction is
   * one Map operation, not two.
   */
  private readonly order: (string | undefined)[];
  private readonly sizes: Float64Array;
  private oldest = 0;
  private count = 0;
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars = Infinity,
  ) {
    this.order = new Array<string | undefined>(maxEntries).fill(undefined);
    this.sizes = new Float64Array(maxEntries);
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /**
   * `size`: the characters the entry holds besides its key (e.g. a decrypted
   * payload). Callers set values they just missed or just made, so the key
   * is not looked up first: a key set again takes a second place in line,
   * and when the first place leaves, the key leaves with it (early, which a
   * cache may do); the bounds hold either way.
   */
  set(key: string, value: V, size = 0): void {
    const total = key.length + size;
    if (total > this.maxChars) return;
    if (this.count === this.maxEntries) this.evictOldest();
    this.entries.set(key, value);
    const slot = (this.oldest + this.count++) % this.maxEntries;
    this.order[slot] = key;
    this.sizes[slot] = total;
    this.chars += total;
    while (this.chars > this.maxChars) this.evictOldest();
  }

  private evictOldest(): void {
    const key = this.order[this.oldest]!;
    this.order[this.oldest] = undefined;
    this.chars -= this.sizes[this.oldest]!;
    this.oldest = (this.oldest + 1) % this.maxEntries;
    this.count--;
    this.entries.delete(key);
  }
}
