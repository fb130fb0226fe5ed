/**
 * The two cookie jobs a session needs: find one cookie's values in a request
 * header, and write a `Set-Cookie` line. Hand-written because both are hot
 * and narrow: we never decode values we did not write.
 */

/** Every value sent under `name` (browsers may send duplicates for different paths), most specific first. */
export function readCookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      values.push(unquote(header.slice(eq + 1, end).trim()));
    }
    start = end + 1;
  }
  return values;
}

function unquote(value: string): string {
  return value.length > 1 && value[0] === '"' && value[value.length - 1] === '"' ? value.slice(1, -1) : value;
}

export interface SetCookieAttributes {
  path: string;
  domain?: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: 'Lax' | 'Strict' | 'None';
  partitioned: boolean;
  priority?: 'Low' | 'Medium' | 'High';
  /** Epoch ms; absent: a browser-session cookie that ends when the browser closes. */
  expires?: number;
}

/** Values we write are base64url and dots (or sealed base64url), so no encoding is needed. */
export function serializeSetCookie(name: string, value: string, attrs: SetCookieAttributes): string {
  let line = `${name}=${value}; Path=${attrs.path}`;
  if (attrs.expires !== undefined) {
    const maxAge = Math.max(0, Math.ceil((attrs.expires - Date.now()) / 1000)); // ceil: 0 would delete the cookie
    line += `; Max-Age=${maxAge}; Expires=${httpDate(attrs.expires)}`;
  }
  if (attrs.domain) line += `; Domain=${attrs.domain}`;
  if (attrs.httpOnly) line += '; HttpOnly';
  if (attrs.secure) line += '; Secure';
  if (attrs.sameSite) line += `; SameSite=${attrs.sameSite}`;
  if (attrs.partitioned) line += '; Partitioned';
  if (attrs.priority) line += `; Priority=${attrs.priority}`;
  return line;
}

/** The last `Expires` text, by whole second: one date formatted per second, not one per response. */
let lastSecond = Number.NaN;
let lastText = '';

function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toUTCString();
  }
  return lastText;
}
