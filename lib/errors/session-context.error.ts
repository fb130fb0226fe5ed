import { SessionError } from './session.error.js';

/** A session was asked for where the library cannot find the HTTP request (or handshake) that names it. */
export class SessionContextError extends SessionError {
  /** The GraphQL context holds no HTTP request. */
  static graphqlWithoutRequest(): SessionContextError {
    return new SessionContextError(
      'The GraphQL context carries no HTTP request, so there is no session cookie to read. Keep the request in the context: with Apollo, GraphQLModule.forRoot({ context: ({ req, res }) => ({ req, res }) }); with Mercurius, keep the default context or return { req } from yours.',
    );
  }

  /** A session was asked for in a GraphQL subscription. */
  static subscription(): SessionContextError {
    return new SessionContextError(
      '@Session() and @Flash() are not available in GraphQL subscriptions: a subscription lives on a WebSocket, with no HTTP response to save the session with, and outlives any one state of it. Read what it needs when the connection opens, with await sessionManager.peek(request) on the upgrade request (graphql-ws: onConnect\'s ctx.extra.request), or serve the data through queries.',
    );
  }

  /** A WebSocket client without its handshake request (`ws` without `keepHandshake`). */
  static socketWithoutHandshake(): SessionContextError {
    return new SessionContextError(
      'This WebSocket client has no handshake request to read the session cookie from. With @nestjs/platform-ws, keep it when the client connects: handleConnection(client, request) { keepHandshake(client, request); } in your gateway (socket.io keeps it by itself, as socket.request).',
    );
  }
}
