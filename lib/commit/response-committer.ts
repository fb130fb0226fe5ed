import { ServiceUnavailableException, type Logger } from '@nestjs/common';
import { SessionStoreUnavailableError } from '../errors/session-store-unavailable.error.js';
import { SessionTooLargeError } from '../errors/session-too-large.error.js';
import { isHttps, type SessionRequest } from '../http/http-exchange.js';
import type { CommitHeaders } from '../http/response-headers.js';
import type { CommitFailure, CommitOutcome } from '../http/commit-outcome.js';
import { requestSessions } from '../request-sessions.js';
import { planCommit, recordAfter, type CommitPlan } from './commit-plan.js';
import { KeyedLock } from './keyed-lock.js';
import { persistCommit } from './persist-commit.js';

/** The headers of a commit that sends no cookie (most reads): shared, never changed. */
const VARY_ONLY: CommitHeaders = Object.freeze({ setCookies: Object.freeze([]) as readonly string[], vary: true });

/** Browsers keep at most this much of one Set-Cookie line (name, value and attributes). */
const MAX_COOKIE_BYTES = 4096;

/** The 503 a store outage becomes, at load and at commit alike. */
export function storeUnavailable(cause: unknown): ServiceUnavailableException {
  return new ServiceUnavailableException('The session store is unavailable; try again shortly.', { cause });
}

/**
 * Commits the sessions one request loaded, for the response hook: plans them
 * for the status the response carries, persists them, and says which
 * headers the response gets, or what it must answer instead.
 */
export class ResponseCommitter {
  /** Queues commits of one session in this app, so its parallel requests do not race each other. */
  private readonly commits = new KeyedLock();

  constructor(
    private readonly maxCommitAttempts: number,
    private readonly logger: Logger,
  ) {}

  private plan(request: SessionRequest, status: number): CommitPlan[] | undefined {
    const sessions = requestSessions(request);
    if (sessions.committed) return undefined;
    sessions.committed = true;
    const now = Date.now();
    const plans: CommitPlan[] = [];
    for (const { config, state } of sessions.loaded) {
      const plan = planCommit(config, state, status, now);
      if (plan) plans.push(plan);
    }
    return plans.length ? plans : undefined;
  }

  /**
   * The response hook's commit, planned for the status the response carries.
   * Most commits need no store call (a read, a sealed cookie): their headers
   * come back at once, without a promise. Store work comes back pending, and
   * its headers are worked out once it has settled (a session destroyed
   * meanwhile gets an expired cookie); a failure comes back as the answer to
   * send instead.
   */
  commit(request: SessionRequest, status: number): CommitOutcome {
    const plans = this.plan(request, status);
    if (!plans) return undefined;
    const outcomes: (boolean | Promise<boolean>)[] = [];
    let waiting = false;
    try {
      for (const plan of plans) {
        const outcome = persistCommit(plan, this.maxCommitAttempts, this.commits);
        outcomes.push(outcome);
        if (outcome instanceof Promise) waiting = true;
      }
      if (!waiting) return this.headersFor(request, plans, outcomes as boolean[]);
    } catch (error) {
      // Saves of other sessions already under way still settle; their failures are logged, the answer is this one.
      for (const outcome of outcomes) if (outcome instanceof Promise) outcome.catch((other: unknown) => void this.failure(other));
      return this.failure(error);
    }
    const settled = Promise.all(outcomes).then(
      (kept) => {
        try {
          return this.headersFor(request, plans, kept);
        } catch (error) {
          return this.failure(error);
        }
      },
      (error: unknown) => this.failure(error),
    );
    // For a stream whose head cannot wait: cookies as if the saves succeed (a failure is still logged).
    return { settled, headersNow: () => this.headersFor(request, plans, plans.map(() => true)) };
  }

  private headersFor(request: SessionRequest, plans: readonly CommitPlan[], kept: readonly boolean[]): CommitHeaders {
    let setCookies: string[] | undefined;
    for (let i = 0; i < plans.length; i++) {
      const line = this.cookieLine(request, plans[i]!, kept[i]!);
      if (line !== undefined) (setCookies ??= []).push(line);
    }
    return setCookies ? { setCookies, vary: true } : VARY_ONLY;
  }

  /** Logs why the commit failed; the client gets a 503 for a store outage (as for a load), else a 500. Nothing was saved. */
  private failure(error: unknown): CommitFailure {
    const unavailable = error instanceof SessionStoreUnavailableError;
    this.logger.error((error as Error)?.message ?? String(error), (error as Error)?.stack);
    // The 503 body is Nest's own for the exception a failed load throws; the 500 is its default filter's.
    const failure = unavailable
      ? { status: 503, body: storeUnavailable(error).getResponse() as Record<string, unknown> }
      : { status: 500, body: { statusCode: 500, message: 'Internal server error' } };
    return { failure };
  }

  /** Asked only for a cookie line: Express's `req.protocol` is a getter that consults trust-proxy settings. */
  private secure(request: SessionRequest, { session }: CommitPlan): boolean {
    return session.secure === 'auto' ? isHttps(request) : session.secure;
  }

  /** The session's `Set-Cookie` line, if the response needs one. */
  private cookieLine(request: SessionRequest, plan: CommitPlan, exists: boolean): string | undefined {
    const { session, state } = plan;
    if (plan.cookie === 'expire' || (!exists && state.hadCookie && plan.cookie === 'set')) {
      return session.setCookie.line('', this.secure(request, plan), 0);
    }
    if (plan.cookie === 'keep' || !exists) return undefined;
    const expires = session.expireOnClose ? undefined : state.expiresAt;
    const value = session.sealer ? session.sealer.seal(state.id, recordAfter(plan)) : session.signer.sign(state.id);
    const line = session.setCookie.line(value, this.secure(request, plan), expires);
    if (line.length > MAX_COOKIE_BYTES) throw SessionTooLargeError.forCookie(session.cookieName, line.length, MAX_COOKIE_BYTES);
    return line;
  }
}
