import { Inject, Injectable, Logger, Optional, type ExecutionContext, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { expiryFrom } from './commit/commit-plan.js';
import { ResponseCommitter, storeUnavailable } from './commit/response-committer.js';
import { callStore, callStoreNow } from './commit/call-store.js';
import { isLive } from './commit/live-record.js';
import { Session } from './core/session.js';
import { SessionState } from './core/session-state.js';
import { SessionConfigError } from './errors/session-config.error.js';
import { SessionStoreUnavailableError } from './errors/session-store-unavailable.error.js';
import { readCookieValues } from './http/cookie-header.js';
import { httpRequestOf, httpResponseOf, rawResponse, type SessionRequest, type SessionResponse } from './http/http-exchange.js';
import { prepareExpressPrototypes } from './http/express-prototypes.js';
import { hookResponse } from './http/response-hook.js';
import { newSessionId } from './http/session-id.js';
import { loadedNamed, requestSessions, requestSessionsIfAny, setRequestSession, type LoadedSession, type RequestSessions } from './request-sessions.js';
import type { ResolvedConfig, ResolvedSession } from './session-config.js';
import { SESSION_CONFIG } from './session.constants.js';
import type { StoredSession } from './stores/session-store.js';
import { DEFAULT_SESSION_NAME, DEFAULTS } from './session.options.js';

/**
 * Loads sessions (the response hook it installs commits them, through
 * ResponseCommitter). The module's guard uses it for controllers; inject
 * it to reach the session from a guard (`await manager.load(context)`): the
 * handler then sees the same object.
 */
@Injectable()
export class SessionManager implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SessionModule');
  private readonly committer: ResponseCommitter;

  constructor(
    @Inject(SESSION_CONFIG) private readonly config: ResolvedConfig,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.committer = new ResponseCommitter(config.maxCommitAttempts, this.logger);
  }

  /** Before the first request: on Express, see prepareExpressPrototypes. */
  onModuleInit(): void {
    prepareExpressPrototypes(this.adapterHost);
  }

  /** The names `@Render` views see the default session and flash under, or false. */
  get viewLocals(): ResolvedConfig['viewLocals'] {
    return this.config.viewLocals;
  }

  /** The names of every configured session, `'default'` first. */
  get names(): string[] {
    return [...this.config.sessions.keys()];
  }

  /**
   * The request's session `name`, loaded from its store once per request.
   * A failing store rejects with a 503 `ServiceUnavailableException`.
   */
  load<T extends object = any, F extends object = any>(context: ExecutionContext, name = DEFAULT_SESSION_NAME): Promise<Session<T, F>> {
    return this.loadFor(httpRequestOf(context), httpResponseOf(context), name);
  }

  /** Same as `load`, for code that holds the platform's request and response objects. */
  loadFor<T extends object = any, F extends object = any>(request: SessionRequest, response: SessionResponse, name = DEFAULT_SESSION_NAME): Promise<Session<T, F>> {
    try {
      const session = this.loadNow<T, F>(request, response, name);
      return session instanceof Promise ? session : Promise.resolve(session);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * @internal The module's guard: `loadFor` without the promise when the
   * session is there at once (a sealed cookie, a first visit, a store that
   * answers synchronously). Throws what `loadFor` rejects with.
   */
  loadNow<T extends object = any, F extends object = any>(request: SessionRequest, response: SessionResponse, name: string): Session<T, F> | Promise<Session<T, F>> {
    const sessions = requestSessions(request);
    const loaded = loadedNamed(sessions, name);
    if (loaded) return loaded.session;
    const pending = sessions.loading?.get(name);
    if (pending) return pending;
    const config = this.config.sessions.get(name);
    if (!config) {
      throw new SessionConfigError(`No session named "${name}" is configured; add it under SessionModule.forRoot({ sessions: { ${name}: { store } } }) or use one of: ${this.names.join(', ')}.`);
    }
    if (sessions.loaded.length === 0 && !sessions.loading?.size) {
      hookResponse(rawResponse(response), (status) => this.committer.commit(request, status), sessions);
    }
    let read: LoadedSession | Promise<LoadedSession>;
    try {
      read = this.read(request, config);
    } catch (error) {
      throw this.unavailable(error);
    }
    if (!(read instanceof Promise)) return this.adopt(request, sessions, name, read);
    const loading = read.then(
      (later) => this.adopt<T, F>(request, sessions, name, later),
      (error: unknown) => {
        sessions.loading!.delete(name);
        throw this.unavailable(error);
      },
    );
    (sessions.loading ??= new Map()).set(name, loading);
    return loading;
  }

  /** The already loaded session `name`, or undefined. */
  current<T extends object = any, F extends object = any>(request: object, name = DEFAULT_SESSION_NAME): Session<T, F> | undefined {
    const sessions = requestSessionsIfAny(request);
    return sessions && loadedNamed(sessions, name)?.session;
  }

  async onModuleDestroy(): Promise<void> {
    const stores = new Set([...this.config.sessions.values()].map((s) => s.store));
    await Promise.all([...stores].map((store) => store.close?.()));
  }

  private adopt<T extends object, F extends object>(request: SessionRequest, sessions: RequestSessions, name: string, loaded: LoadedSession): Session<T, F> {
    sessions.loaded.push(loaded);
    if (name === DEFAULT_SESSION_NAME) setRequestSession(request, sessions, loaded.session);
    return loaded.session;
  }

  /** The request's session from its cookie; a promise only when the store must be asked. */
  private read(request: SessionRequest, config: ResolvedSession): LoadedSession | Promise<LoadedSession> {
    const now = Date.now();
    // Duplicates beyond a few are hostile: each costs an HMAC per secret (or an AES-GCM open), so only the first few count.
    const cookies = readCookieValues(request.headers.cookie, config.cookieName, DEFAULTS.maxCookieValues);
    for (const value of cookies) {
      if (config.sealer) {
        const opened = config.sealer.open(value);
        if (opened && isLive(opened.record, now, config)) {
          return this.wrap(config, new SessionState(opened.id, opened.record, now, opened.record.expiresAt, opened.stale, true));
        }
        continue; // tampered, foreign or expired: look at the next value, then start fresh
      }
      const unsigned = config.signer.unsign(value);
      if (!unsigned) continue;
      const adopt = (record: StoredSession | undefined): LoadedSession =>
        isLive(record, now, config)
          ? this.wrap(config, new SessionState(unsigned.id, record, now, record.expiresAt, unsigned.stale, true))
          : this.fresh(config, now, true); // a valid signature for an id the store does not know: never adopt it
      const sync = config.syncStore;
      return sync ? adopt(callStoreNow(config, 'get', () => sync.getSync(unsigned.id, now))) : callStore(config, 'get', () => config.store.get(unsigned.id)).then(adopt);
    }
    return this.fresh(config, now, cookies.length > 0);
  }

  private fresh(config: ResolvedSession, now: number, hadCookie: boolean): LoadedSession {
    return this.wrap(config, new SessionState(newSessionId(), undefined, now, expiryFrom(now, now, config), false, hadCookie));
  }

  private wrap(config: ResolvedSession, state: SessionState): LoadedSession {
    return { config, state, session: new Session(state, config.issueId) };
  }

  /** Logs a store failure once with its cause and turns it into the 503 the client sees. */
  private unavailable(error: unknown): unknown {
    if (!(error instanceof SessionStoreUnavailableError)) return error;
    this.logger.error(error.message, error.stack);
    return storeUnavailable(error);
  }
}
