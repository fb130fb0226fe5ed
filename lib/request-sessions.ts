import type { Session } from './core/session.js';
import type { SessionState } from './core/session-state.js';
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

/**
 * A request's sessions live under a symbol-keyed property of its own. Measured
 * against a WeakMap beside the requests, on Express 5 too (whose requests each
 * end up with a hidden class of their own, so the property builds a new one):
 * the property still wins, by 5–20% of throughput, because WeakMap entries for
 * short-lived keys cost the garbage collector more than the maps cost. The
 * property is read and written right here, not through a shared helper, so
 * V8's caches at these lines see only request objects (on Fastify, one
 * shape or two) instead of going megamorphic over every kind of object a
 * helper would be handed.
 */
const SESSIONS: unique symbol = Symbol('nest-sessions.request');

interface WithSessions {
  [SESSIONS]?: RequestSessions;
}

/** The session `name` the request has loaded, if it has. */
export function loadedNamed(sessions: RequestSessions, name: string): LoadedSession | undefined {
  for (const loaded of sessions.loaded) if (loaded.config.name === name) return loaded;
  return undefined;
}

/** The sessions the request has loaded, or undefined if it loaded none. */
export function requestSessionsIfAny(request: object): RequestSessions | undefined {
  return (request as WithSessions)[SESSIONS];
}

export function requestSessions(request: object): RequestSessions {
  return ((request as WithSessions)[SESSIONS] ??= new RequestSessions());
}

/** Request prototypes that answer `request.session` themselves. */
const exposingPrototypes = new WeakSet<object>();
/** None does, on Fastify: its requests skip the lookup. */
let anyPrototypeExposes = false;

/**
 * Gives every request of a prototype a platform shares among them (Express's
 * `app.request`) a `request.session` that reads and writes like a plain
 * property, kept in the request's slot rather than added to each request.
 */
export function exposeSessionOn(prototype: object): void {
  if (exposingPrototypes.has(prototype)) return;
  exposingPrototypes.add(prototype);
  anyPrototypeExposes = true;
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
  if (anyPrototypeExposes && exposingPrototypes.has(Object.getPrototypeOf(request) as object)) sessions.sessionProperty = session;
  else request.session = session;
}
