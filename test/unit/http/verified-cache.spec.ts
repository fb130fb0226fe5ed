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

  it('a value set twice is held once and keeps its first place in line', () => {
    const cache = new VerifiedCache<number>(2);
    cache.set('first', 1);
    cache.set('first', 1);
    cache.set('second', 2);
    cache.set('third', 3);
    expect(cache.get('first')).toBeUndefined();
    expect(cache.get('second')).toBe(2);
    expect(cache.get('third')).toBe(3);
  });
});
