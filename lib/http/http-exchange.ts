import type { ArgumentsHost } from '@nestjs/common';
import { ServerResponse, type IncomingHttpHeaders } from 'node:http';

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

/** Fastify's reply: only the Node response under it is used. */
interface FastifyReplyLike {
  raw: ServerResponse;
}

export type SessionResponse = ServerResponse | FastifyReplyLike;

/*
 * An HTTP context's request and response, read by position: Nest's
 * `switchToHttp()` assigns three new closures onto the context on every call,
 * and the guard and each `@Session()` parameter would call it per request.
 */
export function httpRequestOf(context: ArgumentsHost): SessionRequest {
  return context.getArgByIndex<SessionRequest>(0);
}

export function httpResponseOf(context: ArgumentsHost): SessionResponse {
  return context.getArgByIndex<SessionResponse>(1);
}

/** Node's response under the platform's: `instanceof`, because asking an Express response for `raw` misses V8's caches. */
export function rawResponse(res: SessionResponse): ServerResponse {
  return res instanceof ServerResponse ? res : res.raw;
}

export function isHttps(req: SessionRequest): boolean {
  return req.protocol === 'https';
}
