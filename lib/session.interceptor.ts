import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, mergeMap, type Observable } from 'rxjs';
import type { SessionRequest, SessionResponse } from './http/http-exchange.js';
import { peekRequestSessions } from './request-sessions.js';
import { SessionManager } from './session-manager.js';
import { NEST_HTTP_CODE_METADATA, NEST_RENDER_METADATA, NEST_SSE_METADATA, SESSION_NAMES_METADATA } from './session.constants.js';
import { DEFAULT_SESSION_NAME } from './session.options.js';
import { mergeViewLocals, viewLocals } from './views/view-locals.js';

/** What the interceptor needs to know about a handler, read from metadata once. */
interface HandlerFacts {
  readonly names: readonly string[];
  readonly render: boolean;
  readonly sse: boolean;
  readonly httpCode: number | undefined;
}

/**
 * Mounted globally by SessionModule. Before the handler: loads the sessions
 * it uses (its `@Session()`/`@Flash()` parameters, `@UseSession()`, or the
 * default one for `@Render` views). After it, and before any header leaves:
 * commits them, with the status the response will carry.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  private readonly factsByHandler = new WeakMap<Function, HandlerFacts>();

  constructor(private readonly manager: SessionManager) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const facts = this.factsFor(context);
    // A route that uses no session never touches a store (unless a guard already loaded one).
    if (facts.names.length === 0 && !peekRequestSessions(request)) return next.handle();
    const response = http.getResponse<SessionResponse>();
    // A stream's headers leave with its first event: the response hook commits then.
    if (facts.sse) return from(this.load(request, response, facts.names)).pipe(mergeMap(() => next.handle()));
    // One promise instead of an operator chain: Nest takes the last value of a handler anyway.
    return from(this.handle(request, response, facts, next));
  }

  private async handle(request: SessionRequest, response: SessionResponse, facts: HandlerFacts, next: CallHandler): Promise<unknown> {
    await this.load(request, response, facts.names);
    let value: unknown;
    try {
      value = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.manager.commit(request, response, statusOf(error));
      throw error;
    }
    if (facts.render) value = this.withViewLocals(request, value);
    const status = facts.httpCode ?? (response as { statusCode?: number }).statusCode ?? 200;
    await this.manager.commit(request, response, status);
    return value;
  }

  private async load(request: SessionRequest, response: SessionResponse, names: readonly string[]): Promise<void> {
    if (names.length === 1) await this.manager.loadFor(request, response, names[0]);
    else if (names.length > 1) await Promise.all(names.map((name) => this.manager.loadFor(request, response, name)));
  }

  /** `@Render` handlers: views get `session` and `flash` (DESIGN: templates show flash). */
  private withViewLocals(request: SessionRequest, value: unknown): unknown {
    const names = this.manager.viewLocals;
    const session = names ? this.manager.current(request) : undefined;
    return session && names ? mergeViewLocals(value, viewLocals(session, names)) : value;
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
      facts = {
        names: [...used],
        render,
        sse: Reflect.getMetadata(NEST_SSE_METADATA, handler) === true,
        httpCode: Reflect.getMetadata(NEST_HTTP_CODE_METADATA, handler) as number | undefined,
      };
      this.factsByHandler.set(handler, facts);
    }
    return facts;
  }
}

/** The status an error becomes: HttpExceptions say so; platform errors carry `status`; anything else is a 500. */
function statusOf(error: unknown): number {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
