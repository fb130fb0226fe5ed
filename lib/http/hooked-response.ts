import type { ServerResponse } from 'node:http';
import type { CommitFailure, PendingCommit, ResponseCommitter } from './commit-outcome.js';
import { addHeaders, headersArgument } from './response-headers.js';

/**
 * What a hooked response does (response-hook.ts installs it): its first
 * `writeHead`, or an `end` without one, commits the request's sessions and
 * puts their headers in; while the store works, the head and `end()` wait,
 * so a failed save still becomes the failure answer instead of a response
 * that claims success.
 */

export type Method = (...args: unknown[]) => unknown;

/** The response's own `writeHead`, `write` and `end`, which the hooked ones call through to. */
export interface Originals {
  readonly writeHead: Method;
  readonly write: Method;
  readonly end: Method;
}

/** One response's hook: the methods it calls through to, the commit to run, and where that commit stands. */
export interface HookState extends Originals {
  readonly commit: ResponseCommitter;
  fired: boolean;
  /** A commit still waiting for its store. */
  pending: PendingCommit | undefined;
  /** `writeHead` arguments held back while the store works (the headers object may still change). */
  heldHead: unknown[] | undefined;
  /** The failure answer was sent in place of the response: what the platform still writes is dropped. */
  replaced: boolean;
}

/** A hook that has not fired yet. */
export function newHookState(originals: Originals, commit: ResponseCommitter): HookState {
  return { writeHead: originals.writeHead, write: originals.write, end: originals.end, commit, fired: false, pending: undefined, heldHead: undefined, replaced: false };
}

export function hookedWriteHead(res: ServerResponse, state: HookState, args: unknown[]): ServerResponse {
  if (state.fired) return state.writeHead.apply(res, args) as ServerResponse;
  state.fired = true;
  const outcome = state.commit(args[0] as number);
  if (outcome && 'settled' in outcome) {
    state.pending = outcome;
    state.heldHead = args; // sent by end() (or the first write) once the store answered
    return res;
  }
  if (outcome && 'failure' in outcome) {
    answerFailure(res, state, outcome);
    return res;
  }
  if (outcome) addHeaders(res, headersArgument(args), outcome);
  return state.writeHead.apply(res, args) as ServerResponse;
}

export function hookedWrite(res: ServerResponse, state: HookState, args: unknown[]): boolean {
  if (state.replaced) return true;
  if (!state.fired && !res.headersSent) res.writeHead(res.statusCode); // what Node's implicit header does
  if (state.heldHead) sendHeldHeadNow(res, state);
  return state.write.apply(res, args) as boolean;
}

export function hookedEnd(res: ServerResponse, state: HookState, args: unknown[]): ServerResponse {
  if (state.replaced) return res;
  if (!state.fired && !res.headersSent) {
    state.fired = true;
    const outcome = state.commit(res.statusCode);
    if (outcome && 'failure' in outcome) {
      answerFailure(res, state, outcome);
      return res;
    }
    if (outcome && 'settled' in outcome) state.pending = outcome;
    else if (outcome) addHeaders(res, undefined, outcome);
  }
  const pending = state.pending;
  if (!pending) return state.end.apply(res, args) as ServerResponse;
  state.pending = undefined;
  void pending.settled.then((outcome) => {
    if (!state.heldHead && res.headersSent) return void state.end.apply(res, args); // streamed: the head left already
    if ('failure' in outcome) return answerFailure(res, state, outcome);
    const head = state.heldHead;
    state.heldHead = undefined;
    addHeaders(res, head && headersArgument(head), outcome);
    if (head) state.writeHead.apply(res, head);
    state.end.apply(res, args);
  });
  return res;
}

/** The body started before the store answered: the head goes now, with cookies for a save assumed to succeed. */
function sendHeldHeadNow(res: ServerResponse, state: HookState): void {
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
function answerFailure(res: ServerResponse, state: HookState, { failure }: CommitFailure): void {
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
