import { CookieSigner } from '../../../lib/http/cookie-signer.js';
import { newSessionId } from '../../../lib/http/session-id.js';

const NEW = 'n'.repeat(32);
const OLD = 'o'.repeat(32);

describe('cookie signing', () => {
  const id = newSessionId();

  it('signs with the first secret and verifies its own signature', () => {
    const signer = new CookieSigner([NEW]);
    expect(signer.unsign(signer.sign(id))).toEqual({ id, stale: false });
  });

  it('verifies a cookie signed with an older secret and marks it stale for re-signing', () => {
    const cookie = new CookieSigner([OLD]).sign(id);
    expect(new CookieSigner([NEW, OLD]).unsign(cookie)).toEqual({ id, stale: true });
  });

  it('refuses a cookie signed with a secret no longer listed', () => {
    expect(new CookieSigner([NEW]).unsign(new CookieSigner([OLD]).sign(id))).toBeUndefined();
  });

  it.each([
    ['no dot', 'abc'],
    ['an empty id', '.sig'],
    ['a short id', 'abc.' + 'A'.repeat(43)],
    ['a path in the id', '../../etc/passwd.' + 'A'.repeat(43)],
    ['a truncated signature', `${'A'.repeat(43)}.AAAA`],
  ])('refuses a cookie with %s', (_label, value) => {
    expect(new CookieSigner([NEW]).unsign(value)).toBeUndefined();
  });

  it('refuses any single-character change to the signature', () => {
    const signer = new CookieSigner([NEW]);
    const cookie = signer.sign(id);
    const tampered = cookie.slice(0, -3) + (cookie.at(-3) === 'a' ? 'b' : 'a') + cookie.slice(-2);
    expect(signer.unsign(tampered)).toBeUndefined();
  });
});
