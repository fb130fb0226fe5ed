import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { withCookie } from './http-exchange.js';

/** What a late commit adds to the response, and the store work the response must wait for. */
export interface LateCommit {
  setCookies: readonly string[];
  vary: boolean;
  /** Store writes in flight; must never reject (failures are logged by the committer). */
  persisted: Promise<unknown>;
}

const kHooked = Symbol('nest-sessions.response-hook');

/**
 * The safety net for responses that leave without passing the interceptor's
 * commit: `@Res()` handlers, guards that throw, exception filters. Just
 * before the headers are written, `commit(status)` plans the commit
 * synchronously (cookies must be in those headers), and `end()` is held back
 * until the store writes finish, so the next request sees them.
 */
export function hookResponse(res: ServerResponse, commit: (status: number) => LateCommit | undefined): void {
  const target = res as ServerResponse & { [kHooked]?: true };
  if (target[kHooked]) return;
  target[kHooked] = true;
  const writeHead = res.writeHead;
  const end = res.end;
  let persisted: Promise<unknown> | undefined;
  let fired = false;

  const fire = (status: number, headers: unknown): void => {
    if (fired) return;
    fired = true;
    const late = commit(status);
    if (!late) return;
    persisted = late.persisted;
    addLateHeaders(res, headers, late);
  };

  res.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
    fire(statusCode, rest.find((arg) => typeof arg === 'object' && arg !== null));
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, statusCode, ...rest);
  } as ServerResponse['writeHead'];

  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) fire(this.statusCode, undefined);
    if (!persisted) return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    void persisted.then(() => (end as (...a: unknown[]) => ServerResponse).apply(this, args));
    return this;
  } as ServerResponse['end'];
}

/**
 * Headers handed to `writeHead(status, headers)` win over `setHeader` ones of
 * the same name (Fastify passes all of its headers that way), so merge into
 * that object when there is one.
 */
function addLateHeaders(res: ServerResponse, headers: unknown, late: LateCommit): void {
  if (Array.isArray(headers)) {
    for (const line of late.setCookies) headers.push('Set-Cookie', line);
    if (late.vary) headers.push('Vary', 'Cookie');
    return;
  }
  if (headers) {
    const object = headers as OutgoingHttpHeaders;
    const key = Object.keys(object).find((k) => k.toLowerCase() === 'set-cookie') ?? 'set-cookie';
    const existing = object[key];
    const lines = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    if (late.setCookies.length) object[key] = [...lines, ...late.setCookies];
    if (late.vary) {
      const varyKey = Object.keys(object).find((k) => k.toLowerCase() === 'vary') ?? 'vary';
      object[varyKey] = withCookie(object[varyKey] ?? res.getHeader('vary'));
    }
    return;
  }
  for (const line of late.setCookies) res.appendHeader('Set-Cookie', line);
  if (late.vary) res.setHeader('Vary', withCookie(res.getHeader('Vary')));
}
