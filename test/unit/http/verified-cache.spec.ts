import { VerifiedCache } from '../../../lib/http/verified-cache.js';

/** How many of the values the cache still answers for. */
function held(cache: VerifiedCache<unknown>, values: readonly string[]): number {
  return values.filter((value) => cache.get(value) !== undefined).length;
}

describe('VerifiedCache', () => {
  it('through churn many times its size, holds the newest half of its entries and never more than all of them', () => {
    const cache = new VerifiedCache<number>(1000);
    const values = Array.from({ length: 25_000 }, (_, i) => `value-${i}`);
    for (const [i, value] of values.entries()) cache.set(value, i);
    for (let i = 24_500; i < 25_000; i++) expect(cache.get(values[i]!)).toBe(i);
    expect(held(cache, values)).toBeLessThanOrEqual(1000);
    expect(cache.get('value-0')).toBeUndefined();
  });

  it('keeps a value that is read, however many values come after it', () => {
    const cache = new VerifiedCache<string>(10);
    cache.set('kept', 'k');
    for (let i = 0; i < 100; i++) {
      cache.set(`other-${i}`, 'o');
      expect(cache.get('kept')).toBe('k');
    }
  });

  it('evicts the oldest values until the characters held fit the bound', () => {
    const cache = new VerifiedCache<string>(100, 30);
    cache.set('aaaa', 'a', 6); // 10 characters
    cache.set('bbbb', 'b', 6);
    cache.set('cccc', 'c', 6);
    cache.set('dddddddddd', 'd', 5); // 15
    expect(cache.get('aaaa')).toBeUndefined();
    expect(cache.get('bbbb')).toBeUndefined();
    expect(cache.get('cccc')).toBe('c');
    expect(cache.get('dddddddddd')).toBe('d');
  });

  it('keeps no value larger than half the character bound, and keeps what it held', () => {
    const cache = new VerifiedCache<string>(100, 30);
    cache.set('small', 's');
    cache.set('x'.repeat(16), 'too large');
    expect(cache.get('x'.repeat(16))).toBeUndefined();
    expect(cache.get('small')).toBe('s');
  });

  it('a value set again answers with its newer result', () => {
    const cache = new VerifiedCache<string>(4);
    cache.set('aaaa', 'a1');
    cache.set('bbbb', 'b');
    cache.set('aaaa', 'a2');
    expect(cache.get('aaaa')).toBe('a2');
    expect(cache.get('bbbb')).toBe('b');
  });

  it('tells apart values that end alike: a hit needs the whole value, and the newer one is kept', () => {
    const cache = new VerifiedCache<string>(100);
    const tail = 'T'.repeat(40);
    cache.set(`first.${tail}`, 'first');
    expect(cache.get(`forged.${tail}`)).toBeUndefined();
    expect(cache.get(`first.${tail}`)).toBe('first');
    cache.set(`second.${tail}`, 'second');
    expect(cache.get(`second.${tail}`)).toBe('second');
    expect(cache.get(`first.${tail}`)).toBeUndefined(); // verified again on its next visit, as after an eviction
  });

  it('refuses a bound under two entries, which two generations cannot keep', () => {
    expect(() => new VerifiedCache(1)).toThrow('at least 2 entries');
  });
});
