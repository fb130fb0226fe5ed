import { Inject, Injectable, Logger, ServiceUnavailableException, type ExecutionContext, type OnModuleDestroy } from '@nestjs/common';
import { KeyedLock } from './commit/keyed-lock.js';
import { persistCommit } from './commit/persist-commit.js';
import { expiryFrom, planCommit, recordAfter, type CommitPlan } from './commit/commit-plan.js';
import { callStore } from './commit/call-store.js';
import { isLive } from './commit/live-record.js';
import { Session } from './core/session.js';
import { SessionState } from './core/session-state.js';
import { SessionConfigError } from './errors/session-config.error.js';
import { SessionStoreUnavailableError } from './errors/session-store-unavailable.error.js';
import { SessionTooLargeError } from './errors/session-too-large.error.js';
import { readCookieValues, serializeSetCookie } from './http/cookie-header.js';
import { addSessionHeaders, isHttps, rawResponse, type SessionRequest, type SessionResponse } from './http/http-exchange.js';
import { hookResponse, type LateCommit } from './http/response-hook.js';
import { newSessionId } from './http/session-id.js';
import { requestSessions, type LoadedSession } from './request-sessions.js';
import type { ResolvedConfig, ResolvedSession } from './session-config.js';
import { SESSION_CONFIG } from './session.constants.js';
import { DEFAULT_SESSION_NAME, DEFAULTS } from './session.options.js';

/** Browsers keep at most this much of one Set-Cookie line (name, value and attributes). */
const MAX_COOKIE_BYTES = 4096;

/**
 * Loads and commits sessions. The interceptor uses it for controllers; inject
 * it to reach the session from a guard (`await manager.load(context)`): the
 * handler then sees the same object.
 */
@Injectable()
export class SessionManager implements OnModuleDestroy {
  private readonly logger = new Logger('SessionModule');
  /** Queues commits of one session in this app, so its parallel requests do not race each other. */
  private readonly commits = new KeyedLock();

  constructor(@Inject(SESSION_CONFIG) private readonly config: ResolvedConfig) {}

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
    const http = context.switchToHttp();
    return this.loadFor(http.getRequest(), http.getResponse(), name);
  }

  /** Same as `load`, for code that holds the platform's request and response objects. */
  loadFor<T extends object = any, F extends object = any>(request: SessionRequest, response: SessionResponse, name = DEFAULT_SESSION_NAME): Promise<Session<T, F>> {
    const sessions = requestSessions(request);
    const pending = sessions.loading.get(name);
    if (pending) return pending;
    const config = this.config.sessions.get(name);
    if (!config) {
      return Promise.reject(new SessionConfigError(`No session named "${name}" is configured; add it under SessionModule.forRoot({ sessions: { ${name}: { store } } }) or use one of: ${this.names.join(', ')}.`));
    }
    if (sessions.loading.size === 0) {
      hookResponse(rawResponse(response), (status) => this.commitLate(request, status));
    }
    const loading = this.read(request, config).then(
      (loaded) => {
        sessions.loaded.set(name, loaded);
        if (name === DEFAULT_SESSION_NAME) request.session = loaded.session;
        return loaded.session;
      },
      (error: unknown) => {
        sessions.loading.delete(name);
        throw this.unavailable(error);
      },
    );
    sessions.loading.set(name, loading);
    return loading;
  }

  /** The already loaded session `name`, or undefined. */
  current<T extends object = any, F extends object = any>(request: object, name = DEFAULT_SESSION_NAME): Session<T, F> | undefined {
    return requestSessions(request).loaded.get(name)?.session;
  }

  /**
   * Persists every session the request loaded and adds their headers. Runs
   * once; `status` decides (5xx: nothing is kept). Store failures reject
   * with a 503 `ServiceUnavailableException`.
   */
  async commit(request: SessionRequest, response: SessionResponse, status: number): Promise<void> {
    const plans = this.plan(request, status);
    if (!plans) return;
    try {
      const outcomes = plans.map((plan) => persistCommit(plan, this.config.maxCommitAttempts, this.commits));
      // Most commits need no store call (a read, a sealed cookie): no promise to wait for then.
      const kept = outcomes.every((outcome) => typeof outcome === 'boolean') ? (outcomes as boolean[]) : await Promise.all(outcomes);
      addSessionHeaders(response, plans.flatMap((plan, i) => this.cookieLines(request, plan, kept[i])), true);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  async onModuleDestroy(): Promise<void> {
    const stores = new Set([...this.config.sessions.values()].map((s) => s.store));
    await Promise.all([...stores].map((store) => store.close?.()));
  }

  private async read(request: SessionRequest, config: ResolvedSession): Promise<LoadedSession> {
    const now = Date.now();
    // Duplicates beyond a few are hostile: each costs an HMAC per secret (or an AES-GCM open), so only the first few count.
    const cookies = readCookieValues(request.headers.cookie, config.cookieName).slice(0, DEFAULTS.maxCookieValues);
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
      const record = await callStore(config, 'get', () => config.store.get(unsigned.id));
      if (isLive(record, now, config)) {
        return this.wrap(config, new SessionState(unsigned.id, record, now, record.expiresAt, unsigned.stale, true));
      }
      break; // a valid signature for an id the store does not know: never adopt it
    }
    const fresh = new SessionState(newSessionId(), undefined, now, expiryFrom(now, now, config), false, cookies.length > 0);
    return this.wrap(config, fresh);
  }

  private wrap(config: ResolvedSession, state: SessionState): LoadedSession {
    const issue = () => {
      const now = Date.now();
      return { id: newSessionId(), now, expiresAt: expiryFrom(now, now, config) };
    };
    return { config, state, session: new Session(state, issue) };
  }

  private plan(request: SessionRequest, status: number): CommitPlan[] | undefined {
    const sessions = requestSessions(request);
    if (sessions.committed) return undefined;
    sessions.committed = true;
    const now = Date.now();
    const plans: CommitPlan[] = [];
    for (const { config, state } of sessions.loaded.values()) {
      const plan = planCommit(config, state, status, now);
      if (plan) plans.push(plan);
    }
    return plans.length ? plans : undefined;
  }

  /** The response hook's commit: cookies now (headers are leaving), store writes before `end()`. */
  private commitLate(request: SessionRequest, status: number): LateCommit | undefined {
    const plans = this.plan(request, status);
    if (!plans) return undefined;
    let setCookies: string[];
    try {
      setCookies = plans.flatMap((plan) => this.cookieLines(request, plan, true));
    } catch (error) {
      // The headers are leaving already: the best left is to save nothing and say why.
      this.logger.error((error as Error).message, (error as Error).stack);
      return undefined;
    }
    // Settled through a promise even when nothing is stored: a sealed session that is too large must be logged, not thrown here.
    const persisted = Promise.resolve()
      .then(() => Promise.all(plans.map((plan) => persistCommit(plan, this.config.maxCommitAttempts, this.commits))))
      .catch((error: unknown) => {
        const reported = this.unavailable(error); // logged; the response already left with its own status
        if (reported === error) this.logger.error((error as Error).message, (error as Error).stack);
      });
    return { setCookies, vary: true, persisted };
  }

  private cookieLines(request: SessionRequest, plan: CommitPlan, exists: boolean): string[] {
    const { session, state } = plan;
    const secure = session.secure === 'auto' ? isHttps(request) : session.secure;
    if (plan.cookie === 'expire' || (!exists && state.hadCookie && plan.cookie === 'set')) {
      return [serializeSetCookie(session.cookieName, '', { ...session.cookie, secure, expires: 0 })];
    }
    if (plan.cookie === 'keep' || !exists) return [];
    const expires = session.expireOnClose ? undefined : state.expiresAt;
    const value = session.sealer ? session.sealer.seal(state.id, recordAfter(plan)) : session.signer.sign(state.id);
    const line = serializeSetCookie(session.cookieName, value, { ...session.cookie, secure, expires });
    if (line.length > MAX_COOKIE_BYTES) throw SessionTooLargeError.forCookie(session.cookieName, line.length, MAX_COOKIE_BYTES);
    return [line];
  }

  /** Logs a store failure once with its cause and turns it into the 503 the client sees. */
  private unavailable(error: unknown): unknown {
    if (!(error instanceof SessionStoreUnavailableError)) return error;
    this.logger.error(error.message, error.stack);
    return new ServiceUnavailableException('The session store is unavailable; try again shortly.', { cause: error });
  }
}
