import { VerifiedCache } from '../../../lib/http/verified-cache.js';

describe('VerifiedCache', () => {
  it('keeps the newest maxEntries values through many times its size of churn, oldest leaving first', () => {
    const cache = new VerifiedCache<number>(1000);
    for (let i = 0; i < 25_000; i++) cache.set(`value-${i}`, i);
    for (let i = 24_000; i < 25_000; i++) expect(cache.get(`value-${i}`)).toBe(i);
    expect(cache.get('value-23999')).toBeUndefined();
    expect(cache.get('value-0')).toBeUndefined();
  });

  it('evicts the oldest values until the characters held fit the bound', () => {
    const cache = new VerifiedCache<string>(100, 30);
    cache.set('aaaa', 'a', 6); // 10 characters
    cache.set('bbbb', 'b', 6);
    cache.set('cccc', 'c', 6);
    cache.set('dddddddddd', 'd', 5); // 15: the two oldest must go
    expect(cache.get('aaaa')).toBeUndefined();
    expect(cache.get('bbbb')).toBeUndefined();
    expect(cache.get('cccc')).toBe('c');
    expect(cache.get('dddddddddd')).toBe('d');
  });

  it('keeps no value larger than the whole character bound, and keeps what it held', () => {
    const cache = new VerifiedCache<string>(100, 30);
    cache.set('small', 's');
    cache.set('x'.repeat(31), 'too large');
    expect(cache.get('x'.repeat(31))).toBeUndefined();
    expect(cache.get('small')).toBe('s');
  });

  it('a key set again holds its value and keeps both bounds, leaving no newer key early', () => {
    const cache = new VerifiedCache<string>(3, 30);
    cache.set('aaaa', 'a1', 1); // 5 characters
    cache.set('aaaa', 'a2', 1); // the newer value; a second place in line
    expect(cache.get('aaaa')).toBe('a2');
    cache.set('bbbb', 'b', 6); // 10
    cache.set('cccc', 'c', 6); // 10: four places, so the oldest ('aaaa') leaves
    expect(cache.get('aaaa')).toBeUndefined();
    expect(cache.get('bbbb')).toBe('b');
    expect(cache.get('cccc')).toBe('c');
    cache.set('dddd', 'd', 6); // 10 more: 'aaaa's second place leaves, nothing newer
    cache.set('eeee', 'e', 6); // 'bbbb' is the oldest now: it goes
    expect(cache.get('bbbb')).toBeUndefined();
    expect(['cccc', 'dddd', 'eeee'].map((key) => cache.get(key))).toEqual(['c', 'd', 'e']);
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
});
