import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { httpRequestOf, httpResponseOf, type SessionRequest, type SessionResponse } from './http/http-exchange.js';
import { SessionManager } from './session-manager.js';
import { NEST_RENDER_METADATA, SESSION_NAMES_METADATA } from './session.constants.js';
import { DEFAULT_SESSION_NAME } from './session.options.js';
import { exposeToViews } from './views/view-locals.js';

/** What loading needs to know about a handler, read from metadata once. */
interface HandlerFacts {
  readonly names: readonly string[];
  readonly render: boolean;
}

/**
 * Mounted globally by SessionModule (`APP_GUARD`); it never refuses a
 * request. Before the handler it loads the sessions the handler uses: its
 * `@Session()`/`@Flash()` parameters, `@UseSession()`, or the default one for
 * `@Render` views. The response hook installed by the first load commits
 * them as the response leaves.
 *
 * A guard rather than an interceptor: in Nest 12 any global interceptor puts
 * every route of the app through an rxjs pipeline (a ReplaySubject, deferred
 * observables, async scopes), which costs a bare Fastify route about a
 * quarter of its throughput. A guard that answers `true` at once costs
 * nothing measurable, and routes that use no session never wait for a promise.
 */
@Injectable()
export class SessionLoadGuard implements CanActivate {
  private readonly factsByHandler = new WeakMap<Function, HandlerFacts>();

  constructor(private readonly manager: SessionManager) {}

  canActivate(context: ExecutionContext): true | Promise<true> {
    if (context.getType() !== 'http') return true;
    const facts = this.factsFor(context);
    if (facts.names.length === 0) return true;
    const request = httpRequestOf(context);
    const response = httpResponseOf(context);
    let waits: Promise<unknown>[] | undefined;
    try {
      for (const name of facts.names) {
        const session = this.manager.loadNow(request, response, name);
        // Sealed cookies, first visits and stores that answer at once load synchronously: nothing for Nest to wait on.
        if (session instanceof Promise) (waits ??= []).push(session);
      }
    } catch (error) {
      // This request fails with the first error; loads already under way were logged if they fail too.
      for (const wait of waits ?? []) wait.catch(() => undefined);
      throw error;
    }
    if (!waits) return this.loaded(facts, request, response);
    return (waits.length === 1 ? waits[0]! : Promise.all(waits)).then(() => this.loaded(facts, request, response));
  }

  /** Every session is in: a `@Render` view gets the default one. */
  private loaded(facts: HandlerFacts, request: SessionRequest, response: SessionResponse): true {
    const viewNames = facts.render ? this.manager.viewLocals : false;
    if (viewNames) exposeToViews(response, this.manager.current(request)!, viewNames);
    return true;
  }

  private factsFor(context: ExecutionContext): HandlerFacts {
    const handler = context.getHandler();
    let facts = this.factsByHandler.get(handler);
    if (!facts) {
      const used = new Set<string>([
        ...((Reflect.getMetadata(SESSION_NAMES_METADATA, context.getClass()) as string[] | undefined) ?? []),
        ...((Reflect.getMetadata(SESSION_NAMES_METADATA, handler) as string[] | undefined) ?? []),
      ]);
      const render = Reflect.getMetadata(NEST_RENDER_METADATA, handler) !== undefined;
      if (render) used.add(DEFAULT_SESSION_NAME);
      facts = { names: [...used], render };
      this.factsByHandler.set(handler, facts);
    }
    return facts;
  }
}
