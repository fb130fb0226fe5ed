/**
 * Cookie values that passed a cryptographic check (an HMAC, an AES-GCM
 * open), remembered so a returning browser costs a Map lookup instead of the
 * check. Only values that verified are kept, so an attacker cannot fill it
 * without a secret; a hit needs the whole cookie value to be equal, so it
 * proves as much as the check did. Bounded by entries and by characters held;
 * the oldest leave first.
 */
export class VerifiedCache<V> {
  /** By each value's tail (see tailOf), holding the whole value to compare. */
  private readonly entries = new Map<string, Held<V>>();
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

  get(value: string): V | undefined {
    const held = this.entries.get(tailOf(value));
    return held !== undefined && held.value === value ? held.verified : undefined;
  }

  /**
   * `size`: the characters the entry holds besides its value (e.g. a
   * decrypted payload). Callers set values they just missed or just made,
   * so nothing is looked up first: a value whose tail is already here takes
   * a second place in line and the newer value replaces the older one; when
   * the first place leaves, the key leaves with it (early, which a cache may
   * do). The bounds hold either way.
   */
  set(value: string, verified: V, size = 0): void {
    const total = value.length + size;
    if (total > this.maxChars) return;
    if (this.count === this.maxEntries) this.evictOldest();
    const key = tailOf(value);
    this.entries.set(key, { value, verified });
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

interface Held<V> {
  readonly value: string;
  readonly verified: V;
}

/**
 * The characters of a value the Map hashes. Every cookie value is a new
 * string, so its hash is computed afresh on each request, a character at a
 * time: 90 characters for a signed id, 230 and more for a sealed session.
 * The tail of either is its MAC or its authentication tag, as unlikely to
 * repeat between two values as any random 132 bits; values that share one
 * anyway are told apart by the whole-value comparison in `get`.
 */
const TAIL_CHARS = 22;

function tailOf(value: string): string {
  return value.length > TAIL_CHARS ? value.slice(-TAIL_CHARS) : value;
}
