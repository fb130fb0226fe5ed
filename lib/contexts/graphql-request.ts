import type { ExecutionContext } from '@nestjs/common';
import { SessionContextError } from '../errors/session-context.error.js';
import type { PlatformRequest } from '../request-sessions.js';

/** The GraphQL context fields drivers put the HTTP exchange under: Apollo `{ req, res }`, Mercurius `{ reply }` (Nest adds `req`). */
interface GraphqlContextLike {
  req?: PlatformRequest & { res?: object };
  request?: PlatformRequest;
  res?: object;
  reply?: { request?: PlatformRequest };
}

/** The HTTP request behind a GraphQL operation and its response. */
export interface GraphqlExchange {
  readonly request: PlatformRequest;
  /** Undefined only on Fastify without a reply in the context, where the response commits through hooks registered once. */
  readonly response: object | undefined;
}

// Resolver arguments by position (root, args, context, info), as GqlExecutionContext reads them: @nestjs/graphql stays optional.
const CONTEXT_ARG = 2;
const INFO_ARG = 3;

/** Whether the resolver runs for a subscription, which is served over a WebSocket with no HTTP response. */
export function isSubscription(context: ExecutionContext): boolean {
  const info = context.getArgByIndex<{ operation?: { operation?: string } } | undefined>(INFO_ARG);
  return info?.operation?.operation === 'subscription';
}

/** The HTTP request and response a resolver's operation came with, or a clear error when the context has none. */
export function graphqlExchange(context: ExecutionContext): GraphqlExchange {
  const exchange = graphqlExchangeIfAny(context);
  if (!exchange) throw isSubscription(context) ? SessionContextError.subscription() : SessionContextError.graphqlWithoutRequest();
  return exchange;
}

export function graphqlExchangeIfAny(context: ExecutionContext): GraphqlExchange | undefined {
  if (isSubscription(context)) return undefined;
  const gql = context.getArgByIndex<GraphqlContextLike | undefined>(CONTEXT_ARG);
  if (!gql || typeof gql !== 'object') return undefined;
  const request = [gql.req, gql.request, gql.reply?.request].find(isHttpRequest);
  if (!request) return undefined;
  // Express sets `req.res`; Mercurius always puts the reply in the context.
  return { request, response: gql.res ?? gql.reply ?? (request as { res?: object }).res };
}

function isHttpRequest(value: unknown): value is PlatformRequest {
  const headers = (value as { headers?: unknown } | undefined)?.headers;
  return typeof headers === 'object' && headers !== null;
}
