import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, concatMap, from, map, mergeMap, type Observable } from 'rxjs';
import type { SessionRequest, SessionResponse } from './http/http-exchange.js';
import { peekRequestSessions } from './request-sessions.js';
import { SessionManager } from './session-manager.js';
import { NEST_HTTP_CODE_METADATA, NEST_RENDER_METADATA, SESSION_NAMES_METADATA } from './session.constants.js';
import { DEFAULT_SESSION_NAME } from './session.options.js';
import { mergeViewLocals, viewLocals } from './views/view-locals.js';

const NONE: readonly string[] = [];

/**
 * Mounted globally by SessionModule. Before the handler: loads the sessions
 * it uses (its `@Session()`/`@Flash()` parameters, `@UseSession()`, or the
 * default one for `@Render` views). After it, and before any header leaves:
 * commits them, with the status the response will carry.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  private readonly namesByHandler = new WeakMap<Function, readonly string[]>();

  constructor(private readonly manager: SessionManager) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<SessionResponse>();
    const names = this.namesFor(context);
    // A route that uses no session never touches a store (unless a guard already loaded one).
    if (names.length === 0 && !peekRequestSessions(request)) return next.handle();

    const commit = (status: number) => from(this.manager.commit(request, response, status));
    return from(Promise.all(names.map((name) => this.manager.loadFor(request, response, name)))).pipe(
      concatMap(() =>
        next.handle().pipe(
          catchError((error: unknown) =>
            commit(statusOf(error)).pipe(
              mergeMap(() => {
                throw error;
              }),
            ),
          ),
        ),
      ),
      map((value) => this.withViewLocals(context, request, value)),
      concatMap((value) => commit(successStatus(context, response)).pipe(mergeMap(() => [value]))),
    );
  }

  /** `@Render` handlers: views get `session` and `flash` (DESIGN: templates show flash). */
  private withViewLocals(context: ExecutionContext, request: SessionRequest, value: unknown): unknown {
    const names = this.manager.viewLocals;
    if (!names || Reflect.getMetadata(NEST_RENDER_METADATA, context.getHandler()) === undefined) return value;
    const session = this.manager.current(request);
    return session ? mergeViewLocals(value, viewLocals(session, names)) : value;
  }

  private namesFor(context: ExecutionContext): readonly string[] {
    const handler = context.getHandler();
    let names = this.namesByHandler.get(handler);
    if (!names) {
      const used = new Set<string>([
        ...((Reflect.getMetadata(SESSION_NAMES_METADATA, context.getClass()) as string[] | undefined) ?? []),
        ...((Reflect.getMetadata(SESSION_NAMES_METADATA, handler) as string[] | undefined) ?? []),
      ]);
      if (Reflect.getMetadata(NEST_RENDER_METADATA, handler) !== undefined) used.add(DEFAULT_SESSION_NAME);
      names = used.size ? [...used] : NONE;
      this.namesByHandler.set(handler, names);
    }
    return names;
  }
}

/** The status Nest will send for a returned value: `@HttpCode`, else what the handler set, else 200. */
function successStatus(context: ExecutionContext, response: SessionResponse): number {
  const code = Reflect.getMetadata(NEST_HTTP_CODE_METADATA, context.getHandler()) as number | undefined;
  return code ?? (response as { statusCode?: number }).statusCode ?? 200;
}

/** The status an error becomes: HttpExceptions say so; platform errors carry `status`; anything else is a 500. */
function statusOf(error: unknown): number {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
