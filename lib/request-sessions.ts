import type { Session } from './core/session.js';
import type { SessionState } from './core/session-state.js';
import { ObjectSlot } from './http/object-slot.js';
import type { ResolvedSession } from './session-config.js';

export interface LoadedSession {
  readonly config: ResolvedSession;
  readonly state: SessionState;
  readonly session: Session<any, any>;
}

/** The sessions one request has loaded. */
export class RequestSessions {
  /** Loads still waiting for their store (made for the first one: most loads answer at once). */
  loading: Map<string, Promise<Session<any, any>>> | undefined;
  /** In load order. A list, not a Map: a request loads one session or a few, and a Map costs more to make. */
  readonly loaded: LoadedSession[] = [];
  /** Set once the response hook started the commit, so it runs only once. */
  committed = false;
  /** What `request.session` reads on requests whose prototype answers for it (see exposeSessionOn). */
  sessionProperty: unknown;
  /** The response hook's state, for responses of a hooked prototype (see hookResponsesOf). */
  responseHook: unknown;
}

const sessionsSlot = new ObjectSlot<RequestSessions>('nest-sessions.request');

/** The session `name` the request has loaded, if it has. */
export function loadedNamed(sessions: RequestSessions, name: string): LoadedSession | undefined {
  for (const loaded of sessions.loaded) if (loaded.config.name === name) return loaded;
  return undefined;
}

/** The sessions the request has loaded, or undefined if it loaded none. */
export function requestSessionsIfAny(request: object): RequestSessions | undefined {
  return sessionsSlot.get(request);
}

export function requestSessions(request: object): RequestSessions {
  let sessions = sessionsSlot.get(request);
  if (sessions === undefined) sessionsSlot.set(request, (sessions = new RequestSessions()));
  return sessions;
}

/** Request prototypes that answer `request.session` themselves. */
const exposingPrototypes = new WeakSet<object>();

/**
 * Gives every request of a prototype a platform shares among them (Express's
 * `app.request`) a `request.session` that reads and writes like a plain
 * property, kept in the request's slot rather than added to each request.
 */
export function exposeSessionOn(prototype: object): void {
  if (exposingPrototypes.has(prototype)) return;
  exposingPrototypes.add(prototype);
  Object.defineProperty(prototype, 'session', {
    configurable: true,
    get(this: object) {
      return requestSessionsIfAny(this)?.sessionProperty;
    },
    set(this: object, value: unknown) {
      requestSessions(this).sessionProperty = value;
    },
  });
}

/** `request.session = session`, without adding a property where the prototype answers for it. */
export function setRequestSession(request: { session?: unknown }, sessions: RequestSessions, session: Session<any, any>): void {
  if (exposingPrototypes.has(Object.getPrototypeOf(request) as object)) sessions.sessionProperty = session;
  else request.session = session;
}
