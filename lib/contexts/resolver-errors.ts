import { HttpException } from '@nestjs/common';

interface GraphqlErrorLike {
  extensions?: { code?: unknown; http?: { status?: unknown } };
  statusCode?: unknown;
}

/**
 * Whether a resolver's error is the server's fault, as a 5xx is for a
 * controller. GraphQL answers such errors with HTTP 200 and an `errors`
 * entry (Nest's Apollo driver resets the status to 200), so the response's
 * status cannot tell; the error can. Errors meant for the client (an
 * HttpException below 500, a GraphQLError with a code of its own) are not.
 */
export function isServerError(error: unknown): boolean {
  if (error instanceof HttpException) return error.getStatus() >= 500;
  if (typeof error !== 'object' || error === null) return true;
  const { extensions, statusCode } = error as GraphqlErrorLike;
  if (typeof statusCode === 'number') return statusCode >= 500; // Mercurius's ErrorWithProps
  if (typeof extensions !== 'object' || extensions === null) return true; // a plain Error: INTERNAL_SERVER_ERROR
  const status = extensions.http?.status;
  if (typeof status === 'number') return status >= 500;
  return extensions.code === 'INTERNAL_SERVER_ERROR';
}
