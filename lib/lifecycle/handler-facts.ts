import type { ExecutionContext } from '@nestjs/common';
import { NEST_RENDER_METADATA, NEST_SSE_METADATA, SESSION_NAMES_METADATA } from '../session.constants.js';
import { DEFAULT_SESSION_NAME } from '../session.options.js';

/** Nest's own metadata keys and parameter types (behind a deep import Nest 12 refuses). */
const ROUTE_ARGS_METADATA = '__routeArguments__';
const RESPONSE_PASSTHROUGH_METADATA = '__responsePassthrough__';
const RESPONSE_PARAM = 1;
const NEXT_PARAM = 2;

/** What the interceptor needs to know about a handler, read from its metadata once. */
export interface HandlerFacts {
  /** Sessions to load before it runs: its `@Session()`/`@Flash()` parameters, `@UseSession()`, the default one for views. */
  readonly names: readonly string[];
  /** `@Render`: the view reads the session after the handler, so the response commits it. */
  readonly render: boolean;
  /** `@Sse()`: commit before the first event, which sends the head. */
  readonly sse: boolean;
  /** `@Res()` or `@Next()` without passthrough: the handler writes the response itself. */
  readonly writesOwnResponse: boolean;
}

export function readHandlerFacts(context: ExecutionContext): HandlerFacts {
  const handler = context.getHandler();
  const controller = context.getClass();
  const used = new Set<string>([
    ...((Reflect.getMetadata(SESSION_NAMES_METADATA, controller) as string[] | undefined) ?? []),
    ...((Reflect.getMetadata(SESSION_NAMES_METADATA, handler) as string[] | undefined) ?? []),
  ]);
  const render = Reflect.getMetadata(NEST_RENDER_METADATA, handler) !== undefined;
  if (render) used.add(DEFAULT_SESSION_NAME);
  return {
    names: [...used],
    render,
    sse: Reflect.getMetadata(NEST_SSE_METADATA, handler) !== undefined,
    writesOwnResponse: writesOwnResponse(controller, handler.name),
  };
}

function writesOwnResponse(controller: object, method: string): boolean {
  const params = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) as Record<string, unknown> | undefined) ?? {};
  const injectsResponse = Object.keys(params).some((key) => {
    const type = Number(key.split(':')[0]);
    return type === RESPONSE_PARAM || type === NEXT_PARAM;
  });
  return injectsResponse && !Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, controller, method);
}
