import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/**
 * The little that sessions need from a request and a response, on Express
 * and on Fastify alike. Nest hands controllers Express's `req`/`res` or
 * Fastify's `request`/`reply`; both expose `headers` and `protocol`
 * (which honour each platform's trust-proxy setting).
 */
export interface SessionRequest {
  headers: IncomingHttpHeaders;
  protocol?: string;
  session?: unknown;
}

interface FastifyReplyLike {
  raw: ServerResponse;
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
}

export type SessionResponse = ServerResponse | FastifyReplyLike;

function isFastifyReply(res: SessionResponse): res is FastifyReplyLike {
  return typeof (res as FastifyReplyLike).raw === 'object' && typeof (res as FastifyReplyLike).header === 'function';
}

export function rawResponse(res: SessionResponse): ServerResponse {
  return isFastifyReply(res) ? res.raw : res;
}

export function isHttps(req: SessionRequest): boolean {
  return req.protocol === 'https';
}

/** `Vary` with `Cookie` added once; `*` already covers everything. */
export function withCookie(current: unknown): string {
  const text = Array.isArray(current) ? current.join(', ') : current == null ? '' : String(current);
  if (text === '') return 'Cookie';
  const parts = text.split(',').map((p) => p.trim().toLowerCase());
  return parts.includes('cookie') || parts.includes('*') ? text : `${text}, Cookie`;
}
