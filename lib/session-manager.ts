import { Inject, Injectable, Logger, type ExecutionContext, type OnModuleDestroy } from '@nestjs/common';
import { expiryAt } from './core/expiry.js';
import { callStore } from './commit/call-store.js';
import { isLive } from './commit/live-record.js';
import { Session } from './core/session.js';
import { SessionState } from './core/session-state.js';
import { SessionConfigError } from './errors/session-config.error.js';
import { SessionStoreUnavailableError } from './errors/session-store-unavailable.error.js';
import { readCookieValues } from './http/cookie-header.js';
import { newSessionId } from './http/session-id.js';
import { storeUnavailable } from './lifecycle/session-committer.js';
import { ResponseHooks } from './lifecycle/response-hooks.js';
import { exposeExpressSession } from './compat/express-session-view.js';
import { nodeRequestOf, RequestSessions, requestSessions, requestSessionsIfAny, type LoadedSession, type PlatformRequest } from './request-sessions.js';
import { currentSessions } from './contexts/current-sessions.js';
import { graphqlExchange } from './contexts/graphql-request.js';
import { handshakeOf } from './contexts/ws-handshake.js';
import { SessionContextError } from './errors/session-context.error.js';
import type { ResolvedConfig, ResolvedSession } from './session-config.js';
import { SESSION_CONFIG } from './session.constants.js';
import type { StoredSession } from './stores/session-store.js';
import { DEFAULT_SESSION_NAME, DEFAULTS } from './session.options.js';

/**
 * Loads a request's sessions, once each. The module's interceptor uses it for
 * handlers; inject it to reach the session elsewhere: `await manager.load(context)`
 * in a guard, `manager.current()` in a service the handler calls. Whatever
 * loads a session first, the request has one object for it and one store read.
 */
@Injectable()
export class SessionManager implements OnModuleDestroy {
  private readonly logger = new Logger('SessionModule');

  constructor(
    @Inject(SESSION_CONFIG) private readonly config: ResolvedConfig,
    private readonly hooks: ResponseHooks,
  ) {}

  /** The names `@Render` views see the default session and flash under, or false. */
  get viewLocals(): ResolvedConfig['viewLocals'] {
    return this.config.viewLocals;
  }

  /** @internal Whether handlers run in AsyncLocalStorage, for `current()` (module option `asyncContext`). */
  get asyncContext(): boolean {
    return this.config.asyncContext;
  }

  /** The names of every configured session, `'default'` first. */
  get names(): string[] {
    return [...this.config.sessions.keys()];
  }

  /**
   * The request's session `name`, loaded from its store once per request, for
   * guards and other code that runs before (or without) the interceptor. Its
   * response commits it even if no handler runs. A failing store rejects with
   * a 503 `ServiceUnavailableException`. In a resolver's guard it is the
   * operation's HTTP request's session. In a gateway's guard it is the
   * handshake's session as the store has it now, and changes made there are
   * not saved (the handler's `@Session()` is loaded for its message).
   */
  load<T extends object = any, F extends object = any>(context: ExecutionContext, name = DEFAULT_SESSION_NAME): Promise<Session<T, F>> {
    const type = context.getType<string>();
    if (type === 'graphql') {
      const { request, response } = graphqlExchange(context);
      return this.loadFor(request, response, name);
    }
    if (type === 'ws') return this.loadForMessage(context.getArgByIndex(0), name);
    return this.loadFor(context.getArgByIndex(0), context.getArgByIndex(1), name);
  }

  /** Same as `load`, for code that holds the platform's request and response (middleware, `@Req()`/`@Res()`). */
  async loadFor<T extends object = any, F extends object = any>(request: PlatformRequest, response: object | undefined, name = DEFAULT_SESSION_NAME): Promise<Session<T, F>> {
    const sessions = requestSessions(request);
    if (response) this.hooks.watch(sessions, response);
    return (await this.loadInto(sessions, name)).session;
  }

  /**
   * The session `name` (default: `'default'`) of the request being served,
   * from anywhere in its handler's call stack (a service called by a
   * controller, a resolver or a gateway handler), or undefined outside one or
   * when the handler loaded no such session. Needs the module option
   * `asyncContext: true` (gateway handlers have it regardless). With a
   * request: the session that request has loaded.
   */
  current<T extends object = any, F extends object = any>(name?: string): Session<T, F> | undefined;
  current<T extends object = any, F extends object = any>(request: object, name?: string): Session<T, F> | undefined;
  current(requestOrName?: object | string, name = DEFAULT_SESSION_NAME): Session | undefined {
    if (requestOrName === undefined || typeof requestOrName === 'string') {
      const sessions = currentSessions();
      if (!sessions && !this.config.asyncContext) {
        throw new SessionConfigError(
          'sessionManager.current() without a request needs SessionModule.forRoot({ asyncContext: true }), which runs handlers in AsyncLocalStorage (off by default: before Node 24 it costs every promise a hook). Or pass the request: current(request, name).',
        );
      }
      return sessions?.named(requestOrName ?? DEFAULT_SESSION_NAME)?.session;
    }
    return requestSessionsIfAny(requestOrName)?.named(name)?.session;
  }

  /**
   * A look at the session the request's cookie names, as the store has it
   * now, for requests no response will commit: a WebSocket's upgrade request
   * (graphql-ws's `onConnect`, a gateway's `handleConnection`). Nothing done
   * to it is saved; its flash is not consumed. A new, empty session when the
   * cookie names none.
   */
  async peek<T extends object = any, F extends object = any>(request: PlatformRequest, name = DEFAULT_SESSION_NAME): Promise<Session<T, F>> {
    return (await this.loadInto(new RequestSessions(request, true), name)).session;
  }

  /** Inside a gateway handler, the message's own session (saved with it); before it, in a guard, a look. */
  private async loadForMessage(client: unknown, name: string): Promise<Session<any, any>> {
    const message = currentSessions();
    if (message?.socket) return (await this.loadInto(message, name)).session;
    const handshake = handshakeOf(client);
    if (!handshake) throw SessionContextError.socketWithoutHandshake();
    return this.peek(handshake, name);
  }

  /** @internal The interceptor's load: no response hook (the interceptor commits itself). */
  loadInto(sessions: RequestSessions, name: string): LoadedSession | Promise<LoadedSession> {
    const loaded = sessions.named(name);
    if (loaded) return loaded;
    const pending = sessions.loading.get(name);
    if (pending) return pending;
    const config = this.config.sessions.get(name);
    if (!config) {
      throw new SessionConfigError(`No session named "${name}" is configured; add it under SessionModule.forRoot({ sessions: { ${name}: { store } } }) or use one of: ${this.names.join(', ')}.`);
    }
    const read = this.read(sessions.platformRequest, config, sessions.socket);
    if (!(read instanceof Promise)) return this.adopt(sessions, read);
    const loading = read.then(
      (later) => {
        sessions.loading.delete(name);
        return this.adopt(sessions, later);
      },
      (error: unknown) => {
        sessions.loading.delete(name);
        throw this.unavailable(error);
      },
    );
    sessions.loading.set(name, loading);
    return loading;
  }

  /** Closes every configured store once (`app.close()`, `enableShutdownHooks()`). */
  async onModuleDestroy(): Promise<void> {
    const stores = new Set([...this.config.sessions.values()].map((s) => s.store));
    await Promise.all([...stores].map((store) => store.close?.()));
  }

  private adopt(sessions: RequestSessions, loaded: LoadedSession): LoadedSession {
    sessions.loaded.push(loaded);
    if (loaded.config.name === DEFAULT_SESSION_NAME && !sessions.socket) {
      // On Node's request, which middleware sees; Fastify's own reads it from there.
      sessions.beforeCommit.push(exposeExpressSession(nodeRequestOf(sessions.platformRequest), loaded));
    }
    return loaded;
  }

  /** The request's session from its cookie; a promise only when the store must be asked. */
  private read(request: PlatformRequest, config: ResolvedSession, socket: boolean): LoadedSession | Promise<LoadedSession> {
    const now = Date.now();
    // Duplicates beyond a few are hostile: each costs an HMAC per secret (or an AES-GCM open), so only the first few count.
    const cookies = readCookieValues(request.headers.cookie, config.cookieName, DEFAULTS.maxCookieValues);
    for (const value of cookies) {
      if (config.sealer) {
        const opened = config.sealer.open(value);
        if (opened && isLive(opened.record, now, config)) {
          return this.wrap(config, new SessionState(opened.id, opened.record, now, opened.record.expiresAt, opened.stale, true), socket);
        }
        continue; // tampered, foreign or expired: look at the next value, then start fresh
      }
      const unsigned = config.signer.unsign(value);
      if (!unsigned) continue;
      const adopt = (record: StoredSession | undefined): LoadedSession =>
        isLive(record, now, config) && record.movedTo === undefined // a marker left by regenerate() reads as missing
          ? this.wrap(config, new SessionState(unsigned.id, record, now, record.expiresAt, unsigned.stale, true), socket)
          : this.fresh(config, now, true); // a valid signature for an id the store does not know: never adopt it
      return callStore(config, 'get', () => config.store.get(unsigned.id)).then(adopt);
    }
    return this.fresh(config, now, cookies.length > 0);
  }

  private fresh(config: ResolvedSession, now: number, hadCookie: boolean): LoadedSession {
    return this.wrap(config, new SessionState(newSessionId(), undefined, now, expiryAt(now, now, config), false, hadCookie));
  }

  private wrap(config: ResolvedSession, state: SessionState, socket = false): LoadedSession {
    // A socket message is not a page view: flash stays readable and waits for the next HTTP request.
    if (socket) state.keepIncomingFlash();
    return { config, state, session: new Session(state, config) };
  }

  /** Logs a store failure once with its cause and turns it into the 503 the client sees. */
  private unavailable(error: unknown): unknown {
    if (!(error instanceof SessionStoreUnavailableError)) return error;
    this.logger.error(error.message, error.stack);
    return storeUnavailable(error);
  }
}
