import type { ServerResponse } from 'node:http';
import { withCookie, type CommitHeaders } from '../../http/response-headers.js';
import { requestSessions, requestSessionsIfAny, type PlatformRequest, type RequestSessions } from '../../request-sessions.js';
import type { Commit } from '../session-committer.js';
import { REPLACED_HEADERS } from './commit-failure-response.js';

/** The little of Fastify's request, reply and instance the hooks use (Fastify stays an optional peer). */
interface FastifyReplyLike {
  statusCode: number;
  raw: ServerResponse;
  getHeader(name: string): unknown;
  getHeaders(): Record<string, unknown>;
  header(name: string, value: unknown): unknown;
  removeHeader(name: string): unknown;
}
type Done = (error?: unknown, payload?: unknown) => void;
export interface FastifyInstanceLike {
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, accessors: { getter(this: { raw: Record<string, unknown> }): unknown; setter(this: { raw: Record<string, unknown> }, value: unknown): void }): unknown;
  addHook(name: 'onSend', hook: (request: PlatformRequest, reply: FastifyReplyLike, payload: unknown, done: Done) => void): unknown;
}

type Begin = (sessions: RequestSessions, status: number) => Commit | undefined;
type Report = (error: unknown) => void;

/**
 * Fastify's documented reply hooks, registered once, as @fastify/session does:
 * `onSend` (awaited before anything is written) commits what the interceptor
 * did not (`@Res()` handlers, a guard that refused, middleware, views); a
 * failure goes to Fastify's error handler, which is Nest's exception layer.
 * While one answer waits for the store, any later `send()` for the same
 * request (a throw after `reply.send()` answered by a filter, a second send)
 * is dropped: the client gets the answer that was committed. What reaches
 * Node's response without `reply.send()` is committed there (ResponseHooks).
 */
export function registerFastifyHooks(fastify: FastifyInstanceLike, begin: Begin, report: Report): void {
  const answering = new WeakSet<RequestSessions>();

  // Middleware (passport, connect-flash) sees Node's request: Fastify's reads the same `session` and `sessionID`.
  for (const name of ['session', 'sessionID']) {
    if (fastify.hasRequestDecorator(name)) continue; // @fastify/session or another plugin owns it
    fastify.decorateRequest(name, {
      getter() {
        return this.raw[name];
      },
      setter(value) {
        this.raw[name] = value;
      },
    });
  }

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const sessions = requestSessionsIfAny(request);
    if (!sessions || sessions.loaded.length === 0) return done(null, payload);
    if (answering.has(sessions) || reply.raw.headersSent) return; // a first answer is on its way: this one is dropped
    const commit = sessions.committed ? undefined : begin(requestSessions(request), reply.statusCode);
    if (!commit) return done(null, payload);
    const { headers } = commit;
    if (!(headers instanceof Promise)) return settle(reply, headers, payload, done);
    answering.add(sessions);
    const status = reply.statusCode;
    const sent = { ...reply.getHeaders() };
    headers.then(
      (added) =>
        guarded(report, () => {
          restore(reply, status, sent); // a dropped later answer may have changed them meanwhile
          settle(reply, added, payload, done);
        }),
      (error: unknown) => {
        answering.delete(sessions); // the error's own answer must go out
        guarded(report, () => {
          for (const name of REPLACED_HEADERS) reply.removeHeader(name); // they belong to the answer the error replaces
          done(error);
        });
      },
    );
  });
}

function restore(reply: FastifyReplyLike, status: number, headers: Record<string, unknown>): void {
  reply.statusCode = status;
  for (const name of Object.keys(reply.getHeaders())) if (!(name in headers)) reply.removeHeader(name);
  for (const [name, value] of Object.entries(headers)) if (reply.getHeader(name) !== value) {
    reply.removeHeader(name);
    if (value !== undefined) reply.header(name, value);
  }
}

function settle(reply: FastifyReplyLike, added: CommitHeaders, payload: unknown, done: Done): void {
  try {
    for (const line of added.setCookies) reply.header('set-cookie', line); // Fastify appends Set-Cookie lines
    if (added.vary) reply.header('vary', withCookie(reply.getHeader('vary')));
  } catch (error) {
    return done(error);
  }
  done(null, payload);
}

/** Fastify writes inside `done`: called from a promise, a throw there must not become an unhandled rejection. */
function guarded(report: Report, step: () => void): void {
  try {
    step();
  } catch (error) {
    report(error);
  }
}
