/**
 * Cookie values that passed a cryptographic check (an HMAC, an AES-GCM
 * open), remembered so a returning browser costs a Map lookup instead of the
 * check. Only values that verified are kept, so an attacker cannot fill it
 * without a secret; a hit needs the whole cookie value to be equal, so it
 * proves as much as the check did.
 *
 * Two generations, as in quick-lru: values go into the young Map, and when
 * it holds half the bound (in entries or in characters) the old Map is
 * dropped whole and the young one becomes the old. A hit in the old one
 * moves the value up, so values in use stay. The newest half of the bound is
 * always held, never more than the bound, and a value leaves without a
 * `Map.delete`: a sealed cookie is re-sealed on every write, so the cache
 * turns over once per write, and deletes from a large Map are what that
 * turnover cost (bench/FINDINGS.md).
 */
export class VerifiedCache<V> {
  private young = new Map<number, Held<V>>();
  private old = new Map<number, Held<V>>();
  private youngChars = 0;
  private readonly generationEntries: number;
  private readonly generationChars: number;

  /** `maxChars`: characters held in all, values and their `size`s; one value may hold at most half of it. */
  constructor(maxEntries: number, maxChars = Infinity) {
    if (!Number.isInteger(maxEntries) || maxEntries < 2) throw new RangeError(`A VerifiedCache holds at least 2 entries; got ${maxEntries}.`);
    this.generationEntries = Math.floor(maxEntries / 2);
    this.generationChars = maxChars / 2;
  }

  get(value: string): V | undefined {
    const key = keyOf(value);
    const young = this.young.get(key);
    if (young !== undefined) return young.value === value ? young.verified : undefined;
    const old = this.old.get(key);
    if (old === undefined || old.value !== value) return undefined;
    this.insert(key, old);
    return old.verified;
  }

  /**
   * `size`: the characters the entry holds besides its value (e.g. a
   * decrypted payload). A value filed under the same key replaces the
   * value held under it.
   */
  set(value: string, verified: V, size = 0): void {
    const chars = value.length + size;
    if (chars <= this.generationChars) this.insert(keyOf(value), { value, verified, chars });
  }

  private insert(key: number, held: Held<V>): void {
    if (this.young.size >= this.generationEntries || this.youngChars + held.chars > this.generationChars) {
      this.old = this.young;
      this.young = new Map();
      this.youngChars = 0;
    }
    this.young.set(key, held);
    this.youngChars += held.chars;
  }
}

interface Held<V> {
  readonly value: string;
  readonly verified: V;
  /** Characters it counts for: the value's and its size. */
  readonly chars: number;
}

/**
 * The number a value is filed under: its last six characters (its MAC or
 * authentication tag, as random as any) folded by FNV-1a, so a request's
 * new cookie string is not hashed whole. Values sharing a key are told
 * apart by the whole-value comparison in `get`; the later replaces the
 * earlier, which then costs one more check when it comes back.
 */
const KEY_CHARS = 6;

function keyOf(value: string): number {
  let key = 0x811c9dc5;
  for (let i = Math.max(0, value.length - KEY_CHARS); i < value.length; i++) key = Math.imul(key ^ value.charCodeAt(i), 0x01000193);
  return key & 0x3fffffff; // fits a small integer: no number object per lookup
}
