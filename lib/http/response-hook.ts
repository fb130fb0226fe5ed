import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { withCookie } from './http-exchange.js';

/** The headers a commit adds to the response. */
export interface CommitHeaders {
  readonly setCookies: readonly string[];
  readonly vary: boolean;
}

/** What the client gets instead of the handler's response when the commit failed: nothing was saved. */
export interface CommitFailure {
  readonly failure: { readonly status: number; readonly body: Record<string, unknown> };
}

/** A commit that waits for the store; the response is held until it settles. */
export interface PendingCommit {
  /** Never rejects: a failure resolves to the answer to send instead. */
  readonly settled: Promise<CommitHeaders | CommitFailure>;
  /** The headers to send at once, for a response that must start before the store answered (a stream). */
  headersNow(): CommitHeaders;
}

export type CommitOutcome = CommitHeaders | CommitFailure | PendingCommit | undefined;

/** Plans the commit for the status the response carries; runs once per response. */
export type ResponseCommitter = (status: number) => CommitOutcome;

type Method = (...args: unknown[]) => unknown;

interface HookState {
  readonly commit: ResponseCommitter;
  readonly writeHead: Method;
  readonly write: Method;
  readonly end: Method;
  fired: boolean;
  /** A commit still waiting for its store. */
  pending: PendingCommit | undefined;
  /** `writeHead` arguments held back while the store works (the headers object may still change). */
  heldHead: unknown[] | undefined;
  /** The failure answer was sent in place of the response: what the platform still writes is dropped. */
  replaced: boolean;
}

const kHook = Symbol('nest-sessions.response-hook');

type HookedResponse = ServerResponse & { [kHook]?: HookState };

/**
 * Commits the request's sessions just before its response leaves, whoever
 * sends it: a returned value, `@Redirect`, `@Res()` code, an exception
 * filter. Each response that loaded a session gets three thin wrappers (no
 * closures: the state lives under a symbol). The cookies must be in the
 * headers, so `writeHead` (or `end`, which writes them implicitly) plans the
 * commit; when the store has work to do, the head and the body wait for it,
 * so a failed save can still become a 503 (or a 500) instead of a response
 * that claims success. A response that streams before the store answered
 * sends its head at once and holds only `end()`.
 */
export function hookResponse(res: ServerResponse, commit: ResponseCommitter): void {
  const target = res as HookedResponse;
  if (target[kHook]) return;
  target[kHook] = { commit, writeHead: res.writeHead as Method, write: res.write as Method, end: res.end as Method, fired: false, pending: undefined, heldHead: undefined, replaced: false };
  res.writeHead = hookedWriteHead as ServerResponse['writeHead'];
  res.write = hookedWrite as ServerResponse['write'];
  res.end = hookedEnd as ServerResponse['end'];
}

function hookedWriteHead(this: HookedResponse, status: number, ...rest: unknown[]): ServerResponse {
  const state = this[kHook]!;
  if (state.fired) return state.writeHead.call(this, status, ...rest) as ServerResponse;
  state.fired = true;
  const args = [status, ...rest];
  const outcome = state.commit(status);
  if (outcome && 'settled' in outcome) {
    state.pending = outcome;
    state.heldHead = args; // sent by end() (or the first write) once the store answered
    return this;
  }
  if (outcome && 'failure' in outcome) {
    answerFailure(this, state, outcome);
    return this;
  }
  if (outcome) addHeaders(this, headersArgument(args), outcome);
  return state.writeHead.apply(this, args) as ServerResponse;
}

function hookedWrite(this: HookedResponse, ...args: unknown[]): boolean {
  const state = this[kHook]!;
  if (state.replaced) return true;
  if (!state.fired && !this.headersSent) this.writeHead(this.statusCode); // what Node's implicit header does
  if (state.heldHead) sendHeldHeadNow(this, state);
  return state.write.apply(this, args) as boolean;
}

function hookedEnd(this: HookedResponse, ...args: unknown[]): ServerResponse {
  const state = this[kHook]!;
  if (state.replaced) return this;
  if (!state.fired && !this.headersSent) {
    state.fired = true;
    const outcome = state.commit(this.statusCode);
    if (outcome && 'failure' in outcome) {
      answerFailure(this, state, outcome);
      return this;
    }
    if (outcome && 'settled' in outcome) state.pending = outcome;
    else if (outcome) addHeaders(this, undefined, outcome);
  }
  const pending = state.pending;
  if (!pending) return state.end.apply(this, args) as ServerResponse;
  state.pending = undefined;
  void pending.settled.then((outcome) => {
    if (!state.heldHead && this.headersSent) return void state.end.apply(this, args); // streamed: the head left already
    if ('failure' in outcome) return answerFailure(this, state, outcome);
    const head = state.heldHead;
    state.heldHead = undefined;
    addHeaders(this, head && headersArgument(head), outcome);
    if (head) state.writeHead.apply(this, head);
    state.end.apply(this, args);
  });
  return this;
}

/** The body started before the store answered: the head goes now, with cookies for a save assumed to succeed. */
function sendHeldHeadNow(res: HookedResponse, state: HookState): void {
  const head = state.heldHead!;
  state.heldHead = undefined;
  addHeaders(res, headersArgument(head), state.pending!.headersNow());
  state.writeHead.apply(res, head);
}

/**
 * The commit failed before anything left: the client gets the failure (a
 * 503 for a store outage, as Nest would answer it), not a response that
 * claims a change that was never saved, and none of the handler's headers.
 */
function answerFailure(res: HookedResponse, state: HookState, { failure }: CommitFailure): void {
  state.heldHead = undefined;
  state.replaced = true;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const body = JSON.stringify(failure.body);
  state.writeHead.call(res, failure.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  state.end.call(res, body);
}

/** The headers object or raw array handed to `writeHead(status, [message], headers)`, if any. */
function headersArgument(args: readonly unknown[]): unknown {
  for (let i = 1; i < args.length; i++) if (typeof args[i] === 'object' && args[i] !== null) return args[i];
  return undefined;
}

/**
 * Headers handed to `writeHead(status, headers)` win over `setHeader` ones of
 * the same name (Fastify passes all of its headers that way), so merge into
 * that object when there is one.
 */
function addHeaders(res: ServerResponse, headers: unknown, added: CommitHeaders): void {
  if (Array.isArray(headers)) {
    for (const line of added.setCookies) headers.push('Set-Cookie', line);
    if (added.vary) headers.push('Vary', 'Cookie');
    return;
  }
  if (headers) {
    const object = headers as OutgoingHttpHeaders;
    if (added.setCookies.length) {
      const key = Object.keys(object).find((k) => k.toLowerCase() === 'set-cookie') ?? 'set-cookie';
      const existing = object[key];
      const lines = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
      object[key] = [...lines, ...added.setCookies];
    }
    if (added.vary) {
      const varyKey = Object.keys(object).find((k) => k.toLowerCase() === 'vary') ?? 'vary';
      object[varyKey] = withCookie(object[varyKey] ?? res.getHeader('vary'));
    }
    return;
  }
  for (const line of added.setCookies) res.appendHeader('Set-Cookie', line);
  if (added.vary) res.setHeader('Vary', withCookie(res.getHeader('Vary')));
}
