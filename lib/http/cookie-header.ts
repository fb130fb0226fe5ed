/**
 * The two cookie jobs a session needs: find one cookie's values in a request
 * header, and write a `Set-Cookie` line. Hand-written because both are hot
 * and narrow: we never decode values we did not write.
 */

/** The values sent under `name` (browsers may send duplicates for different paths), most specific first; at most `limit`. */
export function readCookieValues(header: string | undefined, name: string, limit = Infinity): string[] {
  const values: string[] = [];
  if (!header) return values;
  let start = 0;
  while (start < header.length && values.length < limit) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && isNameAt(header, start, eq, name)) values.push(unquote(trimmedSlice(header, eq + 1, end)));
    start = end + 1;
  }
  return values;
}

/**
 * Whether `header[from, to)`, trimmed, is `name`: compared in place, since
 * every other cookie's name would otherwise be sliced out and trimmed into
 * two new strings on every request.
 */
function isNameAt(header: string, from: number, to: number, name: string): boolean {
  const start = afterSpaces(header, from, to);
  return beforeSpaces(header, start, to) - start === name.length && header.startsWith(name, start);
}

/** `header.slice(from, to).trim()`, slicing once. */
function trimmedSlice(header: string, from: number, to: number): string {
  const start = afterSpaces(header, from, to);
  return header.slice(start, beforeSpaces(header, start, to));
}

/** The first index in [from, to) that is not a space, or `to`. */
function afterSpaces(header: string, from: number, to: number): number {
  while (from < to && isSpace(header.charCodeAt(from))) from++;
  return from;
}

/** One past the last index in [from, to) that is not a space, or `from`. */
function beforeSpaces(header: string, from: number, to: number): number {
  while (to > from && isSpace(header.charCodeAt(to - 1))) to--;
  return to;
}

/** What `String.prototype.trim` strips among the Latin-1 characters Node decodes header text to. */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160;
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

/**
 * One session kind's `Set-Cookie` lines (values we write are base64url and
 * dots, or sealed base64url, so no encoding is needed): the attributes that never change
 * are joined once, so a response pays for the value and the expiry only
 * (an object spread and a dozen concatenations per line were measurable).
 */
export class SetCookieTemplate {
  private readonly head: string;
  private readonly path: string;
  private readonly plain: string;
  private readonly secure: string;

  constructor(name: string, attrs: Omit<SetCookieAttributes, 'secure' | 'expires'>) {
    this.head = `${name}=`;
    this.plain = fixedAttributes(attrs, false);
    this.secure = fixedAttributes(attrs, true);
    this.path = `; Path=${attrs.path}`;
  }

  line(value: string, secure: boolean, expires: number | undefined): string {
    return this.head + value + this.path + expiryAttributes(expires) + (secure ? this.secure : this.plain);
  }
}

/** `Max-Age` and `Expires` for an epoch-ms expiry; nothing for a browser-session cookie. */
function expiryAttributes(expires: number | undefined): string {
  if (expires === undefined) return '';
  const maxAge = Math.max(0, Math.ceil((expires - Date.now()) / 1000)); // ceil: 0 would delete the cookie
  return `; Max-Age=${maxAge}; Expires=${httpDate(expires)}`;
}

function fixedAttributes(attrs: Omit<SetCookieAttributes, 'secure' | 'expires'>, secure: boolean): string {
  let text = '';
  if (attrs.domain) text += `; Domain=${attrs.domain}`;
  if (attrs.httpOnly) text += '; HttpOnly';
  if (secure) text += '; Secure';
  if (attrs.sameSite) text += `; SameSite=${attrs.sameSite}`;
  if (attrs.partitioned) text += '; Partitioned';
  if (attrs.priority) text += `; Priority=${attrs.priority}`;
  return text;
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
