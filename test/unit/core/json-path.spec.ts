import { deletePath, getPath, hasPath, setPath } from '../../../lib/core/json-path.js';

describe('dot paths', () => {
  it('creates intermediate objects when setting deep paths', () => {
    const data: Record<string, unknown> = {};
    setPath(data, 'a.b.c', 1);
    expect(data).toEqual({ a: { b: { c: 1 } } });
  });

  it('replaces a non-object standing in the way', () => {
    const data: Record<string, unknown> = { a: 'text' };
    setPath(data, 'a.b', 1);
    expect(data).toEqual({ a: { b: 1 } });
  });

  it('reads own properties only, never inherited ones', () => {
    expect(getPath({}, 'toString')).toBeUndefined();
    expect(hasPath({ a: {} }, 'a.hasOwnProperty')).toBe(false);
  });

  it('treats a path through a list or a scalar as absent', () => {
    expect(getPath({ a: [1, 2] }, 'a.b')).toBeUndefined();
    expect(getPath({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('deletes only the leaf', () => {
    const data = { a: { b: 1, c: 2 } };
    deletePath(data, 'a.b');
    expect(data).toEqual({ a: { c: 2 } });
  });

  it.each(['', 'a..b', '.a', 'a.'])('refuses the malformed path %p', (path) => {
    expect(() => getPath({}, path)).toThrow(TypeError);
  });

  it.each(['__proto__', 'a.__proto__.b', 'constructor.prototype', 'x.prototype'])('refuses %p, which could reach a prototype', (path) => {
    expect(() => setPath({}, path, 1)).toThrow(/reserved segment/);
    expect(({} as Record<string, unknown>).b).toBeUndefined();
  });
});
