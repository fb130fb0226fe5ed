import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { isStoredSession, type StoredSession } from '../../lib/index.js';
import { readCookieValues } from '../../lib/http/cookie-header.js';
import { CookieSealer } from '../../lib/http/cookie-sealer.js';
import { CookieSigner } from '../../lib/http/cookie-signer.js';
import { isSessionId, newSessionId } from '../../lib/http/session-id.js';
import { OLD_SECRET, SECRET } from '../support/constants.js';
import { anyMutation, cookieValuesPerRfc, printableString } from './fixtures/mutations.js';

/**
 * Unit-level properties of everything that parses client input, with many
 * runs: whatever the bytes, the parsers answer "nothing valid" or exactly
 * what the server issued, and never throw.
 */
const RUNS = 2_000;

const jsonRecord = fc.record({
  data: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  flash: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  createdAt: fc.integer({ min: 0, max: 2 ** 42 }),
  expiresAt: fc.integer({ min: 0, max: 2 ** 42 }),
  version: fc.integer({ min: 0, max: 2 ** 31 }),
}) as fc.Arbitrary<StoredSession>;

describe('reading the Cookie header', () => {
  it('never throws, and finds exactly the values RFC 6265 assigns to the name, whatever the header', () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .array(fc.tuple(fc.constantFrom('sid', ' sid', 'sid ', 'SID', 'xsid', 'sid.prefs', '', '"sid"'), printableString(30)), { maxLength: 12 })
        .chain((pairs) => fc.constantFrom(';', '; ', ';;', ' ; ').map((sep) => pairs.map(([n, v]) => `${n}=${v}`).join(sep))),
    );
    fc.assert(
      fc.property(header, (h) => {
        expect(readCookieValues(h, 'sid')).toEqual(cookieValuesPerRfc(h, 'sid'));
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps `;` and `,` from smuggling a second cookie into a value', () => {
    fc.assert(
      fc.property(printableString(40), printableString(40), (before, after) => {
        const values = readCookieValues(`a=${before.replace(/;/g, '')}, sid=injected, b=${after.replace(/;/g, '')}`, 'sid');
        expect(values).toEqual([]); // a comma is not a cookie separator: the whole thing is a's value
        for (const value of readCookieValues(`sid=${before}; x=${after}`, 'sid')) expect(value).not.toContain(';');
      }),
      { numRuns: RUNS },
    );
  });

  it('handles 100 KB of header and 5 000 cookies in linear time', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => `c${i}=${'v'.repeat(10)}`).join('; ');
    const started = performance.now();
    expect(readCookieValues(`${many}; sid=last`, 'sid')).toEqual(['last']);
    expect(readCookieValues('sid=x;'.repeat(25_000), 'sid')).toHaveLength(25_000);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('signed session ids (CookieSigner)', () => {
  const signer = new CookieSigner([SECRET, OLD_SECRET]);
  const idA = newSessionId();
  const idB = newSessionId();
  const validA = signer.sign(idA);
  const validB = signer.sign(idB);
  const validOldA = new CookieSigner([OLD_SECRET]).sign(idA);
  const valid = new Set([validA, validB, validOldA]);

  it('never throws on arbitrary input and accepts only values it signed itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), printableString(120)), (value) => {
        const unsigned = signer.unsign(value);
        if (unsigned) expect(value === signer.sign(unsigned.id) || value === new CookieSigner([OLD_SECRET]).sign(unsigned.id)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses every mutation of a valid cookie: truncated, flipped, re-ordered, spliced, re-encoded, oversized', () => {
    fc.assert(
      fc.property(anyMutation(validA, [validB]), (mutated) => {
        const unsigned = signer.unsign(mutated);
        if (valid.has(mutated)) return; // a mutation that happens to rebuild a value we issued
        expect(unsigned).toBeUndefined();
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('gives an id only in its canonical shape, even for strings signed with the real secret (no path, no traversal)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('../../etc/passwd', '..', '/', 'a/b', '%2e%2e', '\0', '__proto__', 'A'.repeat(44))), (id) => {
        const unsigned = signer.unsign(signer.sign(id));
        expect(unsigned === undefined || (unsigned.id === id && isSessionId(id))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('compares signatures in constant time: how much of a forgery matches does not change how long it takes', () => {
    const real = validA.split('.')[1];
    const forge = (matching: number) => {
      const bytes = Buffer.from(real, 'base64url');
      for (let i = matching; i < bytes.length; i++) bytes[i] ^= 0xff;
      return `${idA}.${bytes.toString('base64url')}`;
    };
    const noneMatch = forge(0);
    const allButLast = forge(31);
    const time = (value: string) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) signer.unsign(value);
      return Number(process.hrtime.bigint() - started);
    };
    for (let i = 0; i < 50; i++) time(noneMatch), time(allButLast); // warm up
    let a = Infinity;
    let b = Infinity;
    for (let i = 0; i < 200; i++) {
      a = Math.min(a, time(noneMatch)); // the fastest of many runs is the one least disturbed by GC and scheduling
      b = Math.min(b, time(allButLast));
    }
    // An early-exit comparison would make the near-match slower; timingSafeEqual keeps them level.
    // A noise bound, not a proof: the guarantee is timingSafeEqual over equal-length MACs (SECURITY.md).
    expect(a / b).toBeGreaterThan(0.75);
    expect(a / b).toBeLessThan(1.33);
    expect(signer.unsign(noneMatch)).toBeUndefined();
    expect(signer.unsign(allButLast)).toBeUndefined();
  });
});

describe('sealed cookies (CookieSealer)', () => {
  const sealer = new CookieSealer([SECRET, OLD_SECRET], 'sid');
  const now = Date.now();
  const recordA: StoredSession = { data: { owner: 'A', secret: 'alpha' }, flash: {}, createdAt: now, expiresAt: now + 60_000, version: 1 };
  const recordB: StoredSession = { data: { owner: 'B' }, flash: { note: 'b' }, createdAt: now, expiresAt: now + 60_000, version: 3 };
  const sealedA = sealer.seal(newSessionId(), recordA);
  const sealedB = sealer.seal(newSessionId(), recordB);

  it('opens what it sealed, under the first or an older secret, for any JSON record', () => {
    const older = new CookieSealer([OLD_SECRET], 'sid');
    fc.assert(
      fc.property(jsonRecord, fc.boolean(), (record, old) => {
        const id = newSessionId();
        const opened = sealer.open((old ? older : sealer).seal(id, record));
        // As every copy of session data: the JSON, less any "__proto__" key (see the test below).
        const asStored = JSON.parse(JSON.stringify(record), (key, value: unknown) => (key === '__proto__' ? undefined : value));
        expect(opened).toEqual({ id, record: asStored, stale: old });
      }),
      { numRuns: 500 },
    );
  });

  it('opens a record with "__proto__" keys the same whether this instance sealed it or another did: the keys dropped, no prototype set', () => {
    const poisoned: StoredSession = {
      ...recordA,
      data: JSON.parse('{"user":{"__proto__":{"isAdmin":true},"name":"x"}}'),
      flash: JSON.parse('{"__proto__":{"isAdmin":true}}'),
    };
    const sealedHere = sealer.seal(newSessionId(), poisoned);
    const sealedElsewhere = new CookieSealer([SECRET], 'sid').seal(newSessionId(), poisoned); // this sealer has never seen it
    for (const value of [sealedHere, sealedElsewhere, sealedElsewhere]) {
      const { record } = sealer.open(value)!;
      const user = record.data.user as Record<string, unknown>;
      expect(user).toEqual({ name: 'x' });
      expect(Object.hasOwn(user, '__proto__')).toBe(false);
      expect(Object.getPrototypeOf(user)).toBe(Object.prototype);
      expect(Object.hasOwn(record.flash, '__proto__')).toBe(false);
      expect((record.flash as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    }
  });

  it('never throws on arbitrary input and opens nothing it did not seal', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('base64url'))), (value) => {
        expect(sealer.open(value)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses every mutation of a sealed value: truncated, flipped, re-ordered, spliced, re-encoded, oversized', () => {
    fc.assert(
      fc.property(anyMutation(sealedA, [sealedB]), (mutated) => {
        if (mutated === sealedA || mutated === sealedB) return;
        expect(sealer.open(mutated)).toBeUndefined();
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('refuses a sealed value under another cookie name (bound in as associated data)', () => {
    expect(new CookieSealer([SECRET], 'sid.prefs').open(sealedA)).toBeUndefined();
  });

  it('refuses well-authenticated payloads of the wrong shape: a wrong version, a bad id, missing fields', () => {
    // Sealing arbitrary JSON needs the key: this is what a leaked key or a bug in our own writer would produce.
    const forge = (payload: unknown) => {
      const { id: _id, ...rest } = payload as Record<string, unknown>;
      return sealer.seal(String((payload as { id?: unknown }).id), rest as unknown as StoredSession);
    };
    const shapes = fc.record(
      {
        id: fc.oneof(fc.constant(newSessionId()), fc.string({ maxLength: 50 })),
        data: fc.oneof(fc.object({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })),
        flash: fc.oneof(fc.object({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })),
        createdAt: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 })),
        expiresAt: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 })),
        version: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.constant(2 ** 53), fc.string({ maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(shapes, (payload) => {
        const opened = sealer.open(forge(payload));
        if (!opened) return;
        expect(isSessionId(opened.id)).toBe(true);
        expect(isStoredSession(opened.record)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('stored records read back (isStoredSession)', () => {
  const reference = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const r = value as Record<string, unknown>;
    const plain = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    const epoch = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
    return plain(r.data) && plain(r.flash) && epoch(r.createdAt) && epoch(r.expiresAt) && epoch(r.version) && (r.version as number) >= 0;
  };

  it('never throws and accepts exactly the StoredSession shape, whatever the value', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true, withMap: true, withSet: true }), (value) => {
        expect(isStoredSession(value)).toBe(reference(value));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses wrong version numbers: negative, fractional, unsafe, strings, missing', () => {
    const version = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constantFrom(2 ** 53, Infinity, NaN, '1', null, undefined, true, [1], {}));
    fc.assert(
      fc.property(jsonRecord, version, (record, v) => {
        expect(isStoredSession({ ...record, version: v })).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('parses corrupt JSON text to "no session" or a valid record, never a throw', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      jsonRecord.chain((record) => anyMutation(JSON.stringify(record))),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(text, (t) => {
        let value: unknown;
        try {
          value = JSON.parse(t);
        } catch {
          return;
        }
        expect(() => isStoredSession(value)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});
