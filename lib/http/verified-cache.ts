/**
 * Cookie values that passed a cryptographic check (an HMAC, an AES-GCM
 * open), remembered so a returning browser costs a Map lookup instead of the
 * check. Only values that verified are kept, so an attacker cannot fill it
 * without a secret; the key is the whole cookie value, so a hit proves as
 * much as the check did. Bounded by entries and by characters held; the
 * oldest leave first.
 */
export class VerifiedCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars = Infinity,
  ) {}

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** `size`: the characters the entry holds besides its key (e.g. a decrypted payload). */
  set(key: string, value: V, size = 0): void {
    const total = key.length + size;
    if (total > this.maxChars || this.entries.has(key)) return;
    this.entries.set(key, { value, size: total });
    this.chars += total;
    while (this.entries.size > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.entries.keys().next().value!;
      this.chars -= this.entries.get(oldest)!.size;
      this.entries.delete(oldest);
    }
  }
}
