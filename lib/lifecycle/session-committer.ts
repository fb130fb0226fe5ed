import { InternalServerErrorException, ServiceUnavailableException, type HttpException, type Logger } from '@nestjs/common';
import { expiresOnClose, planCommit, recordAfter, type CommitPlan } from '../commit/commit-plan.js';
import { KeyedLock } from '../commit/keyed-lock.js';
import { persistCommit, type CommitResult } from '../commit/persist-commit.js';
import { assertSize } from '../commit/record-size.js';
import { SessionStoreUnavailableError } from '../errors/session-store-unavailable.error.js';
import { SessionTooLargeError } from '../errors/session-too-large.error.js';
import type { CommitHeaders } from '../http/response-headers.js';
import type { RequestSessions } from '../request-sessions.js';
import { deviceOf } from '../users/device-capture.js';

/** Browsers keep at most this much of one Set-Cookie line (name, value and attributes). */
const MAX_COOKIE_BYTES = 4096;

const NO_HEADERS: CommitHeaders = Object.freeze({ setCookies: Object.freeze([]) as readonly string[], vary: false });
const VARY_ONLY: CommitHeaders = Object.freeze({ setCookies: Object.freeze([]) as readonly string[], vary: true });

/** The 503 a store outage becomes, at load and at commit alike. */
export function storeUnavailable(cause: unknown): ServiceUnavailableException {
  return new ServiceUnavailableException('The session store is unavailable; try again shortly.', { cause });
}

/**
 * A commit under way. `headers` are the response's cookies and `Vary`,
 * worked out once the store settled; `headersNow()` the same for a response
 * whose head cannot wait (it assumes the store work succeeds). Failures
 * reject with the HttpException the client should get, already logged.
 */
export interface Commit {
  readonly headers: CommitHeaders | Promise<CommitHeaders>;
  headersNow(): CommitHeaders;
}

/**
 * Commits the sessions one request loaded, once, for the status its response
 * carries: plans each by the commit rules, persists the plans, and says
 * which headers the response gets.
 */
export class SessionCommitter {
  /** Queues commits of one session in this app, so its parallel requests do not race each other. */
  private readonly locks = new KeyedLock();

  constructor(
    private readonly maxCommitAttempts: number,
    private readonly logger: Logger,
  ) {}

  /** Starts the commit; undefined when it already ran. Never throws: a failure is in `headers`. */
  commit(sessions: RequestSessions, status: number): Commit | undefined {
    if (sessions.committed) return undefined;
    sessions.committed = true;
    let plans: CommitPlan[];
    try {
      plans = this.plan(sessions, status);
    } catch (error) {
      return this.failed(error);
    }
    if (plans.length === 0) return { headers: NO_HEADERS, headersNow: () => NO_HEADERS };
    let sealedLines: (string | undefined)[];
    try {
      sealedLines = this.prepare(sessions, plans);
    } catch (error) {
      return this.failed(error);
    }
    const outcomes: (CommitResult | Promise<CommitResult>)[] = [];
    let waiting = false;
    for (const plan of plans) {
      const outcome = persistCommit(plan, this.maxCommitAttempts, this.locks);
      outcomes.push(outcome);
      if (outcome instanceof Promise) waiting = true;
    }
    const headersNow = () => this.headersFor(sessions, plans, plans.map(() => 'kept' as const), sealedLines);
    if (!waiting) {
      try {
        return { headers: this.headersFor(sessions, plans, outcomes as CommitResult[], sealedLines), headersNow };
      } catch (error) {
        return this.failed(error);
      }
    }
    const headers = Promise.all(outcomes).then(
      (kept) => this.headersFor(sessions, plans, kept, sealedLines),
    ).catch((error: unknown) => {
      throw this.report(error);
    });
    // Whoever reads it handles it, perhaps only when a stream ends: meanwhile its rejection is no crash.
    headers.catch(() => undefined);
    return { headers, headersNow };
  }

  private plan(sessions: RequestSessions, status: number): CommitPlan[] {
    for (const flush of sessions.beforeCommit) flush();
    const now = Date.now();
    const plans: CommitPlan[] = [];
    for (const { config, state } of sessions.loaded) {
      // "Captured at creation": a record about to be created (not moved by regenerate) keeps this request's client.
      if (config.captureDevice && state.accessed && state.storedId === undefined && !state.moveFrom && !state.device) {
        state.device = deviceOf(sessions.platformRequest, config.captureDevice);
      }
      const plan = planCommit(config, state, status, now);
      if (plan) plans.push(plan);
    }
    return plans;
  }

  /**
   * What can fail without a store fails before any store write starts, so a
   * 500 saves nothing of the request: each record's size, and each sealed
   * session's cookie (sealing it is that session's save). Returns the sealed
   * sessions' cookie lines, by plan.
   */
  private prepare(sessions: RequestSessions, plans: readonly CommitPlan[]): (string | undefined)[] {
    const sealedLines: (string | undefined)[] = [];
    for (const plan of plans) {
      if (plan.action.kind === 'save') assertSize(plan, plan.action.record);
      sealedLines.push(plan.session.sealer ? this.cookieLine(sessions, plan, persistCommit(plan, this.maxCommitAttempts, this.locks) as CommitResult) : undefined);
    }
    return sealedLines;
  }

  private failed(error: unknown): Commit {
    const exception = this.report(error);
    const headers = Promise.reject(exception);
    headers.catch(() => undefined); // whoever reads it handles it; nobody reading it is no crash
    return { headers, headersNow: () => NO_HEADERS };
  }

  /** Logs why a commit failed and turns it into what the client gets: 503 for a store outage, else 500. Nothing was saved. */
  report(error: unknown): HttpException {
    this.logger.error((error as Error)?.message ?? String(error), (error as Error)?.stack);
    if (error instanceof SessionStoreUnavailableError) return storeUnavailable(error);
    return new InternalServerErrorException('The session could not be saved.', { cause: error });
  }

  private headersFor(sessions: RequestSessions, plans: readonly CommitPlan[], kept: readonly CommitResult[], sealedLines: readonly (string | undefined)[]): CommitHeaders {
    let setCookies: string[] | undefined;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      const line = plan.session.sealer ? sealedLines[i] : this.cookieLine(sessions, plan, kept[i]!);
      if (line !== undefined) (setCookies ??= []).push(line);
    }
    return setCookies ? { setCookies, vary: true } : VARY_ONLY;
  }

  private secure(sessions: RequestSessions, { session }: CommitPlan): boolean {
    return session.secure === 'auto' ? sessions.platformRequest.protocol === 'https' : session.secure;
  }

  /** The session's `Set-Cookie` line, if the response needs one. */
  private cookieLine(sessions: RequestSessions, plan: CommitPlan, result: CommitResult): string | undefined {
    const { session, state } = plan;
    // Saved where a parallel regenerate moved the session: its new id is that response's to hand out, not this one's.
    if (result === 'moved') return undefined;
    if (plan.cookie === 'expire' || (result === 'gone' && state.hadCookie && plan.cookie === 'set')) {
      return session.setCookie.line('', this.secure(sessions, plan), 0);
    }
    if (plan.cookie === 'keep' || result === 'gone') return undefined;
    const expires = expiresOnClose(session, state) ? undefined : state.expiresAt;
    const value = session.sealer ? session.sealer.seal(state.id, recordAfter(plan)) : session.signer.sign(state.id);
    const line = session.setCookie.line(value, this.secure(sessions, plan), expires);
    if (line.length > MAX_COOKIE_BYTES) throw SessionTooLargeError.forCookie(session.cookieName, line.length, MAX_COOKIE_BYTES);
    return line;
  }
}
