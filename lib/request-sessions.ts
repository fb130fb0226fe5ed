import type { Session } from './core/session.js';
import type { SessionState } from './core/session-state.js';
import type { ResolvedSession } from './session-config.js';

export interface LoadedSession {
  readonly config: ResolvedSession;
  readonly state: SessionState;
  readonly session: Session<any, any>;
}

/** The request fields sessions read: its cookies and, for `secure: 'auto'`, whether it came over HTTPS. */
export interface PlatformRequest {
  headers: { cookie?: string | undefined };
  protocol?: string;
}

/** The sessions one request has loaded, kept on the request itself (never on anything requests share). */
export class RequestSessions {
  /** Loads still waiting for their store. */
  readonly loading = new Map<string, Promise<LoadedSession>>();
  /** In load order: a request loads one session or a few. */
  readonly loaded: LoadedSession[] = [];
  /** Set once the commit was planned (by the interceptor or a response hook), so it runs once. */
  committed = false;
  /** A response hook watches this request's Node response (on Fastify too, beside its onSend hook). */
  hooked = false;
  /** Runs before the commit is planned: the express-session view turns its property writes into operations. */
  readonly beforeCommit: (() => void)[] = [];

  constructor(
    /** The platform's request (Express `req`, Fastify `request`), whose `protocol` honours trust-proxy settings. */
    public platformRequest: PlatformRequest,
    /** One WebSocket message, whose request is the connection's handshake: no cookie can be set, nothing is kept on it. */
    readonly socket = false,
  ) {}

  named(name: string): LoadedSession | undefined {
    for (const loaded of this.loaded) if (loaded.config.name === name) return loaded;
    return undefined;
  }
}

const SESSIONS: unique symbol = Symbol.for('nest-sessions.request-sessions');

interface WithSessions {
  [SESSIONS]?: RequestSessions;
  raw?: object;
}

/** Node's request under the platform's (Fastify wraps it; Express extends it): middleware sees only that one. */
export function nodeRequestOf(request: object): object {
  const raw = (request as WithSessions).raw;
  return typeof raw === 'object' && raw !== null ? raw : request;
}

/** The sessions the request has loaded, or undefined if it loaded none. */
export function requestSessionsIfAny(request: object): RequestSessions | undefined {
  return (nodeRequestOf(request) as WithSessions)[SESSIONS];
}

/** The request's sessions, created on first use; a platform request seen later replaces Node's own for `protocol`. */
export function requestSessions(request: PlatformRequest): RequestSessions {
  const node = nodeRequestOf(request) as WithSessions;
  const existing = node[SESSIONS];
  if (existing) {
    if (request !== node) existing.platformRequest = request;
    return existing;
  }
  return (node[SESSIONS] = new RequestSessions(request));
}

