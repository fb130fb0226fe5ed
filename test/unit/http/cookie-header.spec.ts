import { readCookieValues, SetCookieTemplate, type SetCookieAttributes } from '../../../lib/http/cookie-header.js';

/** One line from a template built for these attributes, as a session kind's commit writes it. */
function serializeSetCookie(name: string, value: string, attrs: SetCookieAttributes): string {
  return new SetCookieTemplate(name, attrs).line(value, attrs.secure, attrs.expires);
}

describe('reading cookies', () => {
  it('finds every value under a name, in order, ignoring other cookies', () => {
    expect(readCookieValues('a=1; sid=x; b=2;sid=y', 'sid')).toEqual(['x', 'y']);
  });

  it('does not match names that merely contain the name', () => {
    expect(readCookieValues('xsid=1; sidx=2; sid.prefs=3', 'sid')).toEqual([]);
  });

  it('strips quotes and surrounding spaces', () => {
    expect(readCookieValues(' sid = "v" ', 'sid')).toEqual(['v']);
  });

  it('strips tabs and spaces around a name and a value, and keeps what is between them', () => {
    expect(readCookieValues('a=1;\tsid\t=\tx.y=z \t; sid=;  sid  =  "q"', 'sid')).toEqual(['x.y=z', '', 'q']);
  });

  it('handles a missing or empty header', () => {
    expect(readCookieValues(undefined, 'sid')).toEqual([]);
    expect(readCookieValues('', 'sid')).toEqual([]);
    expect(readCookieValues(';;;=;', 'sid')).toEqual([]);
  });
});

describe('writing Set-Cookie', () => {
  const base = { path: '/', httpOnly: true, secure: false, partitioned: false } as const;

  it('writes every attribute that is set', () => {
    const line = serializeSetCookie('sid', 'v', { ...base, domain: 'example.test', secure: true, sameSite: 'Lax', partitioned: true, priority: 'High', expires: Date.now() + 10_000 });
    expect(line).toMatch(/^sid=v; Path=\/; Max-Age=10; Expires=.+ GMT; Domain=example\.test; HttpOnly; Secure; SameSite=Lax; Partitioned; Priority=High$/);
  });

  it('writes a browser-session cookie when there is no expiry', () => {
    expect(serializeSetCookie('sid', 'v', base)).toBe('sid=v; Path=/; HttpOnly');
  });

  it('rounds Max-Age up, so a cookie with under a second left is not deleted', () => {
    expect(serializeSetCookie('sid', 'v', { ...base, expires: Date.now() + 400 })).toContain('Max-Age=1');
  });

  it('adds Secure per line, so one template serves HTTP and HTTPS requests', () => {
    const template = new SetCookieTemplate('sid', { ...base, sameSite: 'Lax' });
    expect(template.line('v', true, undefined)).toBe('sid=v; Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(template.line('v', false, undefined)).toBe('sid=v; Path=/; HttpOnly; SameSite=Lax');
  });

  it('expires a cookie with Max-Age=0 and a date in 1970', () => {
    expect(serializeSetCookie('sid', '', { ...base, expires: 0 })).toContain('Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  });
});
