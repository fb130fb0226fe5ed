import type { ServerResponse } from 'node:http';
import type { CommitFailure, PendingCommit, ResponseCommitter } from './commit-outcome.js';
import { addHeaders, headersArgument } from './response-headers.js';

type Method = (...args: unknown[]) => unknown;

/** The response's own `writeHead`, `write` and `end`, which the hooked ones call through to. */
interface Originals {
  readonly writeHead: Method;
  readonly write: Method;
  readonly end: Method;
}

interface HookState extends Originals {
  readonly commit: ResponseCommitter;
  fired: boolean;
  /** A commit still waiting for its store. */
  pending: PendingCommit | undefined;
  /** `writeHead` arguments held back while the store works (the headers object may still change). */
  heldHead: unknown[] | undefined;
  /** The failure answer was sent in place of the response: what the platform still writes is dropped. */
  replaced: boolean;
}

/** A response's own hook state, for responses hooked one by one; read and written at each use, so V8's caches there see responses only. */
const HOOK: unique symbol = Symbol('nest-sessions.response-hook');

interface HookedResponse extends ServerResponse {
  [HOOK]?: HookState;
}

/**
 * A per-request object that holds its response's hook state in a field it
 * has from construction, for responses of a hooked prototype: adding even
 * one property to an Express 5 response builds it a new hidden class.
 */
export interface ResponseHookHolder {
  responseHook: unknown;
}

/** Finds a response's holder (through its request): `undefined` when it loaded no session. */
export type ResponseHookHolderOf = (res: ServerResponse) => ResponseHookHolder | undefined;

interface HookedPrototype {
  readonly originals: Originals;
  readonly holderOf: ResponseHookHolderOf;
}

/** Response prototypes whose methods were hooked once, for all their responses, with what they replaced. */
const hookedPrototypes = new WeakMap<object, HookedPrototype>();
/** None is, on Fastify: its responses skip the lookup. */
let anyPrototypeHooked = false;

/**
 * Commits the request's sessions just before its response leaves, whoever
 * sends it: a returned value, `@Redirect`, `@Res()` code, an exception
 * filter. The cookies must be in the headers, so `writeHead` (or `end`,
 * which writes them implicitly) plans the commit; when the store has work to
 * do, the head and the body wait for it, so a failed save can still become a
 * 503 (or a 500) instead of a response that claims success. A response that
 * streams before the store answered sends its head at once and holds only
 * `end()`.
 *
 * A response whose prototype was hooked (`hookResponsesOf`) and that leads
 * to `holder` only gets its state recorded there; any other gets its state in
 * a slot of its own and three thin wrappers.
 */
export function hookResponse(res: ServerResponse, commit: ResponseCommitter, holder: ResponseHookHolder): void {
  const shared = anyPrototypeHooked ? hookedPrototypes.get(Object.getPrototypeOf(res) as object) : undefined;
  if (shared && shared.holderOf(res) === holder) {
    holder.responseHook ??= newState(shared.originals, commit);
    return;
  }
  if ((res as HookedResponse)[HOOK] !== undefined) return;
  (res as HookedResponse)[HOOK] = newState({ writeHead: res.writeHead as Method, write: res.write as Method, end: res.end as Method }, commit);
  res.writeHead = instanceWriteHead as ServerResponse['writeHead'];
  res.write = instanceWrite as ServerResponse['write'];
  res.end = instanceEnd as ServerResponse['end'];
}

function newState(originals: Originals, commit: ResponseCommitter): HookState {
  return { writeHead: originals.writeHead, write: originals.write, end: originals.end, commit, fired: false, pending: undefined, heldHead: undefined, replaced: false };
}

/**
 * Hooks `writeHead`, `write` and `end` once on a prototype that a platform
 * gives all of its responses (Express's `app.response`), so a request that
 * loads a session adds nothing to its response object: the hooked methods
 * find their state through `holderOf`. Responses that loaded no session pass
 * straight through. Call it before the first request, so that middleware
 * wrapping `res.end` per response wraps the hooked one.
 */
export function hookResponsesOf(prototype: ServerResponse, holderOf: ResponseHookHolderOf): void {
  if (hookedPrototypes.has(prototype)) return;
  const originals: Originals = { writeHead: prototype.writeHead as Method, write: prototype.write as Method, end: prototype.end as Method };
  hookedPrototypes.set(prototype, { originals, holderOf });
  anyPrototypeHooked = true;
  const stateOf = (res: ServerResponse) => holderOf(res)?.responseHook as HookState | undefined;
  prototype.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    const state = stateOf(this);
    return state === undefined ? originals.writeHead.apply(this, args) : hookedWriteHead(this, state, args);
  } as ServerResponse['writeHead'];
  prototype.write = function write(this: ServerResponse, ...args: unknown[]) {
    const state = stateOf(this);
    return state === undefined ? originals.write.apply(this, args) : hookedWrite(this, state, args);
  } as ServerResponse['write'];
  prototype.end = function end(this: ServerResponse, ...args: unknown[]) {
    const state = stateOf(this);
    return state === undefined ? originals.end.apply(this, args) : hookedEnd(this, state, args);
  } as ServerResponse['end'];
}

function instanceWriteHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
  return hookedWriteHead(this, (this as HookedResponse)[HOOK]!, args);
}

function instanceWrite(this: ServerResponse, ...args: unknown[]): boolean {
  return hookedWrite(this, (this as HookedResponse)[HOOK]!, args);
}

function instanceEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
  return hookedEnd(this, (this as HookedResponse)[HOOK]!, args);
}

function hookedWriteHead(res: ServerResponse, state: HookState, args: unknown[]): ServerResponse {
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

function hookedWrite(res: ServerResponse, state: HookState, args: unknown[]): boolean {
  if (state.replaced) return true;
  if (!state.fired && !res.headersSent) res.writeHead(res.statusCode); // what Node's implicit header does
  if (state.heldHead) sendHeldHeadNow(res, state);
  return state.write.apply(res, args) as boolean;
}

function hookedEnd(res: ServerResponse, state: HookState, args: unknown[]): ServerResponse {
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
