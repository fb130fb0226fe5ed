import type { ExecutionContext } from '@nestjs/common';
import { requestSessionsIfAny, type RequestSessions } from '../request-sessions.js';
import { currentSessions } from './current-sessions.js';
import { graphqlExchange } from './graphql-request.js';

/**
 * Where a handler's loaded sessions are, by context type (read as a string:
 * @nestjs/graphql and @nestjs/websockets stay optional): on the HTTP request
 * for controllers and resolvers; for a socket message, which has no request
 * of its own, in the message's async context.
 */
export function sessionsOf(context: ExecutionContext): RequestSessions | undefined {
  switch (context.getType<string>()) {
    case 'http':
      return requestSessionsIfAny(context.getArgByIndex<object>(0));
    case 'graphql':
      return requestSessionsIfAny(graphqlExchange(context).request);
    default:
      return currentSessions();
  }
}
