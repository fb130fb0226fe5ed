import type { ServerResponse } from 'node:http';
import type { ResponseCommitter } from './commit-outcome.js';
import { hookedEnd, hookedWrite, hookedWriteHead, newHookState, type HookState, type Method, type Originals } from './hooked-response.js';

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
    holder.responseHook ??= newHookState(shared.originals, commit);
    return;
  }
  if ((res as HookedResponse)[HOOK] !== undefined) return;
  (res as HookedResponse)[HOOK] = newHookState({ writeHead: res.writeHead as Method, write: res.write as Method, end: res.end as Method }, commit);
  res.writeHead = instanceWriteHead as ServerResponse['writeHead'];
  res.write = instanceWrite as ServerResponse['write'];
  res.end = instanceEnd as ServerResponse['end'];
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
