import { Injectable, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import { runWithSessions } from '../contexts/current-sessions.js';
import { graphqlExchange, graphqlExchangeIfAny } from '../contexts/graphql-request.js';
import { isServerError } from '../contexts/resolver-errors.js';
import { requestSessions, requestSessionsIfAny, type RequestSessions } from '../request-sessions.js';
import { SessionManager } from '../session-manager.js';
import type { HandlerFacts } from './handler-facts.js';
import { ResponseHooks } from './response-hooks.js';
import { SessionCommitter } from './session-committer.js';

/**
 * Sessions in GraphQL resolvers: the session is the one of the HTTP request
 * behind the operation, loaded when a resolver first uses it. The
 * interceptor cannot commit per resolver (the resolvers of one operation, or
 * of a batch, share it), so the response commits it as it leaves, through
 * the same hooks as `@Res()` handlers. A resolver that fails with a server
 * error rolls the request back, as a 5xx does for a controller: GraphQL
 * answers it with HTTP 200, so the status cannot say so.
 */
@Injectable()
export class ResolverSessions {
  constructor(
    private readonly manager: SessionManager,
    private readonly committer: SessionCommitter,
    private readonly hooks: ResponseHooks,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler, facts: HandlerFacts): Observable<unknown> {
    if (facts.names.length === 0) {
      // A service may still ask for sessions another resolver (or a guard) of this request loaded.
      const exchange = graphqlExchangeIfAny(context);
      const sessions = exchange && requestSessionsIfAny(exchange.request);
      return sessions ? this.rollBackOnServerError(sessions, this.serve(sessions, next)) : next.handle();
    }
    const { request, response } = graphqlExchange(context);
    const sessions = requestSessions(request);
    if (response) this.hooks.watch(sessions, response);
    const loads = facts.names.map((name) => this.manager.loadInto(sessions, name));
    const served = loads.some((load) => load instanceof Promise)
      ? from(Promise.all(loads)).pipe(mergeMap(() => this.serve(sessions, next)))
      : this.serve(sessions, next);
    return this.rollBackOnServerError(sessions, served);
  }

  private serve(sessions: RequestSessions, next: CallHandler): Observable<unknown> {
    return this.manager.asyncContext ? runWithSessions(sessions, () => next.handle()) : next.handle();
  }

  private rollBackOnServerError(sessions: RequestSessions, served: Observable<unknown>): Observable<unknown> {
    return served.pipe(
      catchError((error: unknown) => {
        // Planning at a 5xx saves nothing and marks the request committed: its response will not save it either.
        if (isServerError(error)) this.committer.commit(sessions, 500);
        throw error;
      }),
    );
  }
}
