import { HttpException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

type Method = (...args: unknown[]) => unknown;

/** Headers that describe the answer the failure replaces (its body, a redirect's target), or a session it did not save. */
export const REPLACED_HEADERS = ['location', 'content-type', 'content-length', 'content-encoding', 'content-disposition', 'content-range', 'transfer-encoding', 'etag', 'last-modified', 'set-cookie'];

/**
 * A commit failed before anything left, on a path Nest's exception layer no
 * longer covers (the app already ended its response): answer the failure as
 * Nest's default filter would (a 503 for a store outage), keeping the
 * headers unrelated to the body (CORS, helmet).
 */
export function sendCommitFailure(res: ServerResponse, exception: unknown, originals: { writeHead: Method; end: Method }): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = exception instanceof HttpException ? exception.getStatus() : 500;
  const response = exception instanceof HttpException ? exception.getResponse() : { statusCode: 500, message: 'Internal server error' };
  const body = typeof response === 'string' ? JSON.stringify({ statusCode: status, message: response }) : JSON.stringify(response);
  for (const name of REPLACED_HEADERS) res.removeHeader(name);
  res.statusCode = status;
  originals.writeHead.call(res, status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  originals.end.call(res, body);
}
