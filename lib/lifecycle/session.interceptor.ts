import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { runWithSessions } from '../contexts/current-sessions.js';
import { withCookie, type CommitHeaders } from '../http/response-headers.js';
import { requestSessions, requestSessionsIfAny, type PlatformRequest, type RequestSessions } from '../request-sessions.js';
import { SessionManager } from '../session-manager.js';
import { DEFAULT_SESSION_NAME } from '../session.options.js';
import { exposeToViews } from '../views/view-locals.js';
import { afterLoading, onAnswer } from './answer-observables.js';
import { readHandlerFacts, type HandlerFacts } from './handler-facts.js';
import { MessageSessions } from './message-sessions.js';
import { ResolverSessions } from './resolver-sessions.js';
import { ResponseHooks } from './response-hooks.js';
import { SessionCommitter } from './session-committer.js';

/** The response fields the interceptor reads: Express's `res` and Fastify's `reply` both have them. */
interface PlatformResponse {
  statusCode: number;
  getHeader(name: string): unknown;
}

/**
 * Mounted globally by SessionModule (`APP_INTERCEPTOR`). Before the handler
 * it loads the sessions the handler uses; once the handler has answered, and
 * before Nest writes anything, it commits them: the store is awaited, cookies
 * are set through the platform adapter, and a failure is thrown into Nest's
 * exception layer (503 for a store outage), where the app's filters shape it.
 * A route that uses no session passes straight through. GraphQL resolvers
 * and gateway handlers have rules of their own (ResolverSessions,
 * MessageSessions). With `asyncContext`, the handler runs with its sessions
 * as the current ones, for `SessionManager.current()`.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  private readonly factsByHandler = new WeakMap<Function, HandlerFacts>();

  constructor(
    private readonly manager: SessionManager,
    private readonly committer: SessionCommitter,
    private readonly hooks: ResponseHooks,
    private readonly adapterHost: HttpAdapterHost,
    private readonly resolvers: ResolverSessions,
    private readonly messages: MessageSessions,
  ) {}

  /** Loads what the handler uses, runs it, and commits before Nest writes its answer. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Types as strings: @nestjs/graphql and @nestjs/websockets stay optional. Microservices ('rpc') carry no cookies.
    const type = context.getType<string>();
    if (type !== 'http') {
      if (type === 'graphql') return this.resolvers.intercept(context, next, this.factsFor(context));
      if (type === 'ws') return this.messages.intercept(context, next, this.factsFor(context));
      return next.handle();
    }
    const request = context.getArgByIndex<PlatformRequest>(0);
    const facts = this.factsFor(context);
    if (facts.names.length === 0 && !requestSessionsIfAny(request)) return next.handle();
    const response = context.getArgByIndex<PlatformResponse>(1);
    const sessions = requestSessions(request);
    const loads = facts.names.map((name) => this.manager.loadInto(sessions, name));
    const waiting = loads.length === 1 ? loads[0] : loads.some((load) => load instanceof Promise) ? Promise.all(loads) : undefined;
    if (waiting instanceof Promise) return afterLoading(waiting, () => this.handle(facts, sessions, response, next));
    return this.handle(facts, sessions, response, next);
  }

  private handle(facts: HandlerFacts, sessions: RequestSessions, response: PlatformResponse, handler: CallHandler): Observable<unknown> {
    const next = this.manager.asyncContext ? { handle: () => runWithSessions(sessions, () => handler.handle()) } : handler;
    if (facts.render && this.manager.viewLocals) exposeToViews(response, sessions.named(DEFAULT_SESSION_NAME)!.session, this.manager.viewLocals);
    // The response commits, whichever way it is written: a view reads the session after the handler, Nest sends an
    // event stream's head on a timer of its own, a handler with @Res() writes when it likes (maybe to Node's response).
    if (facts.render || facts.sse || facts.writesOwnResponse) {
      this.hooks.watch(sessions, response);
      return next.handle();
    }
    return onAnswer(next.handle(), {
      beforeAnswer: () => this.commit(sessions, response, response.statusCode),
      failed: (error) => this.afterError(sessions, response, error),
    });
  }

  /** Commits for a handler that threw: an HttpException below 500 is answered as it is, so it commits for its status. */
  private async afterError(sessions: RequestSessions, response: PlatformResponse, error: unknown): Promise<never> {
    if (!sessions.committed) {
      if (error instanceof HttpException && error.getStatus() < 500) {
        await this.commit(sessions, response, error.getStatus());
      } else {
        // A filter may answer this error with any status: the response commits for the one it sends.
        this.hooks.watch(sessions, response);
      }
    }
    throw error;
  }

  /** A promise only when the store has work to do (most reads need none). */
  private commit(sessions: RequestSessions, response: PlatformResponse, status: number): Promise<void> | undefined {
    const commit = this.committer.commit(sessions, status);
    if (!commit) return undefined;
    const { headers } = commit;
    if (headers instanceof Promise) return headers.then((added) => this.setHeaders(response, added));
    this.setHeaders(response, headers);
    return undefined;
  }

  /** Through the platform adapter, as Nest's own `@Header()` does. */
  private setHeaders(response: PlatformResponse, { setCookies, vary }: CommitHeaders): void {
    const adapter = this.adapterHost.httpAdapter;
    for (const line of setCookies) adapter.appendHeader(response, 'Set-Cookie', line);
    if (vary) adapter.setHeader(response, 'Vary', withCookie(response.getHeader('vary')));
  }

  private factsFor(context: ExecutionContext): HandlerFacts {
    const handler = context.getHandler();
    let facts = this.factsByHandler.get(handler);
    if (!facts) this.factsByHandler.set(handler, (facts = readHandlerFacts(context)));
    return facts;
  }
}
