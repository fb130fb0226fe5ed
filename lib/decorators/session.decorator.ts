import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Session as SessionObject } from '../core/session.js';
import type { SessionData } from '../core/session-paths.js';
import { SessionNotLoadedError } from '../errors/session-not-loaded.error.js';
import { sessionsOf } from '../contexts/context-sessions.js';
import { DEFAULT_SESSION_NAME } from '../session.options.js';
import { markSessionUse } from './session-names.js';

/**
 * The loaded session `name` of the current request (the module's interceptor
 * loaded it before the handler): a controller's, the HTTP request's behind a
 * resolver, or a gateway handler's message's.
 */
export function loadedSession(context: ExecutionContext, name: string): SessionObject<any, any> {
  const session = sessionsOf(context)?.named(name)?.session;
  if (!session) throw new SessionNotLoadedError(name);
  return session;
}

const sessionParam = createParamDecorator((name: string, context: ExecutionContext) => loadedSession(context, name));

/**
 * The request's typed session: `@Session() session: Session<AppSession>`, or a
 * named one: `@Session('prefs')`. Import it from 'nest-sessions', not '@nestjs/common'.
 */
export function Session(name: string = DEFAULT_SESSION_NAME): ParameterDecorator {
  return (target, key, index) => {
    sessionParam(name)(target, key, index);
    if (key !== undefined) markSessionUse((target as Record<string | symbol, object>)[key], name);
  };
}

/** The session object handed to `@Session()` parameters, typed by its data `T` and flash `F`. */
export type Session<T extends object = SessionData, F extends object = Record<string, any>> = SessionObject<T, F>;
