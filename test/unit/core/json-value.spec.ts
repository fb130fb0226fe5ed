import fc from 'fast-check';
import { cloneJson, jsonBytesAtMost, toJsonValue } from '../../../lib/core/json-value.js';
import { splitPath } from '../../../lib/core/json-path.js';

describe('JSON values', () => {
  it('returns a deep copy, so later changes to the original do not leak in', () => {
    const original = { list: [{ a: 1 }] };
    const copy = toJsonValue(original, 'x') as typeof original;
    original.list[0].a = 2;
    expect(copy.list[0].a).toBe(1);
  });

  it('drops undefined properties, as JSON does', () => {
    expect(toJsonValue({ a: undefined, b: 1 }, 'x')).toEqual({ b: 1 });
  });

  it.each([
    ['a function', () => 1, /a function/],
    ['a BigInt', BigInt(1), /a bigint/],
    ['a symbol', Symbol('s'), /a symbol/],
    ['NaN', Number.NaN, /not a JSON number/],
    ['Infinity', Number.POSITIVE_INFINITY, /not a JSON number/],
    ['a Map', new Map(), /Map instance/],
    ['a Date', new Date(), /toISOString/],
  ])('refuses %s with a TypeError naming the path', (_label, value, reason) => {
    expect(() => toJsonValue({ deep: { value } }, 'user')).toThrow(TypeError);
    expect(() => toJsonValue({ deep: { value } }, 'user')).toThrow(/"user\.deep\.value"/);
    expect(() => toJsonValue(value, 'user')).toThrow(reason);
  });

  it('refuses storing undefined itself, pointing to delete()', () => {
    expect(() => toJsonValue(undefined, 'user')).toThrow(/"user".*session\.delete/);
  });

  it('refuses cycles but accepts the same object twice side by side', () => {
    const shared = { n: 1 };
    expect(toJsonValue({ a: shared, b: shared }, 'x')).toEqual({ a: { n: 1 }, b: { n: 1 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJsonValue(cyclic, 'x')).toThrow(/cycle/);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null), { a: 1 });
    expect(toJsonValue(bare, 'x')).toEqual({ a: 1 });
  });

  it('cloneJson copies nested lists and objects', () => {
    const value = { a: [1, { b: 2 }] };
    const copy = cloneJson(value);
    expect(copy).toEqual(value);
    expect(copy.a).not.toBe(value.a);
  });

  describe('the size bound a commit checks before serialising', () => {
    const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

    it('is never below the bytes of the JSON, for any JSON value', () => {
      fc.assert(fc.property(fc.jsonValue(), (value) => jsonBytesAtMost(value, Infinity) >= bytes(value)), { numRuns: 2000 });
    });

    it.each([
      ['control characters, escaped as \\u00XX', '\u0001\u001f'.repeat(50)],
      ['quotes and backslashes', '"\\'.repeat(50)],
      ['three-byte characters', '€'.repeat(50)],
      ['surrogate pairs and lone surrogates', '😀\ud800'.repeat(50)],
      ['the longest numbers', [-2.2250738585072014e-308, -1.7976931348623157e308, Number.MIN_VALUE]],
      ['holes and undefined in a list, written as null', [undefined, , undefined]], // eslint-disable-line no-sparse-arrays
    ])('holds for %s, in values and in keys', (_label, value) => {
      expect(jsonBytesAtMost(value, Infinity)).toBeGreaterThanOrEqual(bytes(value));
      const keyed = typeof value === 'string' ? { [value]: value } : { list: value };
      expect(jsonBytesAtMost(keyed, Infinity)).toBeGreaterThanOrEqual(bytes(keyed));
    });

    it('stops reading the value once past the limit, with a figure over it', () => {
      let readsPastTheLimit = 0;
      const value = { first: 'x'.repeat(1000) };
      Object.defineProperty(value, 'second', { enumerable: true, get: () => ++readsPastTheLimit });
      expect(jsonBytesAtMost(value, 100)).toBeGreaterThan(100);
      expect(readsPastTheLimit).toBe(0);
    });
  });
});

describe('hostile shapes', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  };

  it('refuses a value nested deeper than the documented limit with a TypeError naming the path', () => {
    expect(() => toJsonValue(nested(4_250), 'form')).toThrow(TypeError);
    expect(() => toJsonValue(nested(4_250), 'form')).toThrow(/session path "form(\.a)+…?".*at most 64 levels/);
  });

  it('counts the path itself: a value that fits at the top may not fit deep down', () => {
    expect(() => toJsonValue(nested(60), 'x')).not.toThrow();
    expect(() => toJsonValue(nested(60), 'a.b.c.d.e.f')).toThrow(/at most 64 levels/);
  });

  it('refuses a path with more segments than data may nest', () => {
    expect(() => splitPath(Array.from({ length: 100 }, () => 'a').join('.'))).toThrow(/at most 64 levels/);
  });
});
