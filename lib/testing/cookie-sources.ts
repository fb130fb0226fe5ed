import { readCookieValues } from '../http/cookie-header.js';

/**
 * A response as HTTP test clients hand it over: a fetch `Response` (its
 * `Headers` answer `getSetCookie()`), a supertest/superagent response, a
 * Fastify `inject()` (light-my-request) response or a Node `IncomingMessage`
 * (their `headers['set-cookie']` is a list of lines).
 */
export interface ResponseLike {
  /** fetch's `Headers`, or a record of header values (`set-cookie` as a list). */
  readonly headers: { getSetCookie(): string[] } | { readonly [name: string]: unknown };
}

/**
 * Where `readSession` finds a session's cookie: a response (its `Set-Cookie`
 * lines), a list of `Set-Cookie` lines, or one string: a `Cookie` header
 * such as `sessionCookie` returns, or a single `Set-Cookie` line.
 */
export type CookieSource = ResponseLike | readonly string[] | string;

/**
 * The values of cookie `name` the client holds after `source`, as a browser
 * would: a `Set-Cookie` for it wins (an emptied one means the session was
 * destroyed: `['']`, which verifies as nothing); otherwise the cookie the
 * request sent, `sent` or, for clients whose response carries its request
 * (supertest, Fastify's inject), the request's own `Cookie` header. Most
 * specific first, as the module reads them.
 */
export function cookieValues(source: CookieSource, name: string, sent?: string): string[] {
  if (typeof source === 'string') {
    // One string reads the same whether it is a Cookie header or a Set-Cookie line: `name=value` pairs split by ';'.
    const values = readCookieValues(source, name);
    return values.length ? values : readCookieValues(sent, name);
  }
  const lines = isLineList(source) ? source : setCookieLines(source);
  const set = lastSetCookie(lines, name);
  if (set !== undefined) return [set];
  return readCookieValues(sent ?? (isLineList(source) ? undefined : requestCookie(source)), name);
}

function isLineList(source: ResponseLike | readonly string[]): source is readonly string[] {
  return Array.isArray(source);
}

/** The response's Set-Cookie lines, one per cookie (never joined: Expires dates hold commas). */
function setCookieLines(response: ResponseLike): readonly string[] {
  const headers = response.headers as { getSetCookie?: () => string[]; [name: string]: unknown };
  if (typeof headers?.getSetCookie === 'function') return headers.getSetCookie();
  const lines = headers?.['set-cookie'];
  return typeof lines === 'string' ? [lines] : Array.isArray(lines) ? lines.map(String) : [];
}

/** The value the last `Set-Cookie` line for `name` gives it; undefined when no line names it. */
function lastSetCookie(lines: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (const line of lines) {
    // Only the first pair of a line is the cookie; the rest are attributes (Path=/, Max-Age=0, …).
    const pair = line.split(';', 1)[0]!;
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    const raw = pair.slice(eq + 1).trim();
    value = raw.length > 1 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  }
  return value;
}

/**
 * The Cookie header of the request that produced `response`, where the
 * client keeps it: superagent's `res.req` is Node's `ClientRequest`;
 * light-my-request's `res.raw.req` is the injected request. fetch keeps none.
 */
function requestCookie(response: ResponseLike): string | undefined {
  const carried = response as { req?: { getHeader?: (name: string) => unknown; headers?: Record<string, unknown> }; raw?: { req?: { headers?: Record<string, unknown> } } };
  const header = carried.req?.getHeader?.('cookie') ?? carried.req?.headers?.cookie ?? carried.raw?.req?.headers?.cookie;
  if (typeof header === 'string') return header;
  return Array.isArray(header) ? header.join('; ') : undefined;
}
