import type { Session } from './core/session.js';
import type { SessionState } from './core/session-state.js';
import type { ResolvedSession } from './session-config.js';

export interface LoadedSession {
  readonly config: ResolvedSession;
  readonly state: SessionState;
  readonly session: Session<any, any>;
}

/** The sessions one request has loaded, kept on the request object under a private symbol. */
export class RequestSessions {
  readonly loading = new Map<string, Promise<Session<any, any>>>();
  readonly loaded = new Map<string, LoadedSession>();
  /** Set once the response hook started the commit, so it runs only once. */
  committed = false;
}

const kSessions = Symbol('nest-sessions.request');

export function requestSessions(request: object): RequestSessions {
  const holder = request as { [kSessions]?: RequestSessions };
  return (holder[kSessions] ??= new RequestSessions());
}

export function peekRequestSessions(request: object): RequestSessions | undefined {
  return (request as { [kSessions]?: RequestSessions })[kSessions];
}
