import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Merging a commit's `Set-Cookie` lines and `Vary: Cookie` into what a
 * response sends, whichever way its platform passes headers to `writeHead`.
 */

/** The headers a commit adds to the response. */
export interface CommitHeaders {
  readonly setCookies: readonly string[];
  readonly vary: boolean;
}

/** The headers object or raw array handed to `writeHead(status, [message], headers)`, if any. */
export function headersArgument(args: readonly unknown[]): unknown {
  for (let i = 1; i < args.length; i++) if (typeof args[i] === 'object' && args[i] !== null) return args[i];
  return undefined;
}

/**
 * Headers handed to `writeHead(status, headers)` win over `setHeader` ones of
 * the same name (Fastify passes all of its headers that way), so merge into
 * that object when there is one.
 */
export function addHeaders(res: ServerResponse, headers: unknown, added: CommitHeaders): void {
  if (Array.isArray(headers)) {
    for (const line of added.setCookies) headers.push('Set-Cookie', line);
    if (added.vary) headers.push('Vary', 'Cookie');
    return;
  }
  if (headers) {
    const object = headers as OutgoingHttpHeaders;
    if (added.setCookies.length) {
      const key = headerKey(object, 'set-cookie');
      const existing = object[key];
      const lines = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
      object[key] = [...lines, ...added.setCookies];
    }
    if (added.vary) {
      const varyKey = headerKey(object, 'vary');
      object[varyKey] = withCookie(object[varyKey] ?? res.getHeader('vary'));
    }
    return;
  }
  for (const line of added.setCookies) res.appendHeader('Set-Cookie', line);
  if (added.vary) res.setHeader('Vary', withCookie(res.getHeader('Vary')));
}

/** The key header `name` (lower case) has in a headers object, whatever its case; `name` itself when absent. */
function headerKey(object: OutgoingHttpHeaders, name: string): string {
  if (name in object) return name;
  for (const key in object) if (key.length === name.length && key.toLowerCase() === name) return key;
  return name;
}

/** `Vary` with `Cookie` added once; `*` already covers everything. */
export function withCookie(current: unknown): string {
  const text = Array.isArray(current) ? current.join(', ') : current == null ? '' : String(current);
  if (text === '') return 'Cookie';
  const parts = text.split(',').map((p) => p.trim().toLowerCase());
  return parts.includes('cookie') || parts.includes('*') ? text : `${text}, Cookie`;
}
