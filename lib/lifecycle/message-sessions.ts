import { HttpException, Injectable, Logger, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { catchError, concat, concatMap, defer, from, ignoreElements, mergeMap, type Observable } from 'rxjs';
import { runWithSessions } from '../contexts/current-sessions.js';
import { assertSocketCanSave, changedBySocket } from '../contexts/socket-writes.js';
import { toWsException } from '../contexts/ws-client-error.js';
import { handshakeOf } from '../contexts/ws-handshake.js';
import { SessionContextError } from '../errors/session-context.error.js';
import { SessionError } from '../errors/session.error.js';
import { RequestSessions } from '../request-sessions.js';
import { SessionManager } from '../session-manager.js';
import type { HandlerFacts } from './handler-facts.js';
import { SessionCommitter } from './session-committer.js';

/** Where a handler that loads no session runs: nothing to read a cookie from. */
const NO_REQUEST = Object.freeze({ headers: Object.freeze({}) });

/**
 * Sessions in `@SubscribeMessage` handlers: the session the handshake's
 * cookie names, read from the store for each message (nothing is cached on
 * the connection, so a session destroyed or regenerated over HTTP is gone at
 * the next message), and saved after the handler with the same
 * compare-and-set as HTTP. What only a cookie can carry (a CookieStore
 * session, a new id, a new lifetime) is refused. Failures reach the client
 * as a `WsException`; nothing on this path throws into the process.
 */
@Injectable()
export class MessageSessions {
  private readonly logger = new Logger('SessionModule');

  constructor(
    private readonly manager: SessionManager,
    private readonly committer: SessionCommitter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler, facts: HandlerFacts): Observable<unknown> {
    // A handler that loads nothing still runs in the async context: a service's current() answers undefined there.
    if (facts.names.length === 0) return runWithSessions(new RequestSessions(NO_REQUEST, true), () => next.handle());
    return defer(() => this.load(context.getArgByIndex(0), facts.names)).pipe(mergeMap((sessions) => this.serve(sessions, next)));
  }

  /** A fresh read for every message: the handshake's cookie, the store as it is now. */
  private async load(client: unknown, names: readonly string[]): Promise<RequestSessions> {
    try {
      const handshake = handshakeOf(client);
      if (!handshake) throw SessionContextError.socketWithoutHandshake();
      const sessions = new RequestSessions(handshake, true);
      await Promise.all(names.map((name) => this.manager.loadInto(sessions, name)));
      return sessions;
    } catch (error) {
      throw await this.clientError(error);
    }
  }

  /** Saves before the handler's first answer leaves, or when it completes without one. */
  private serve(sessions: RequestSessions, next: CallHandler): Observable<unknown> {
    let saved = false;
    const save = (): Promise<void> | undefined => {
      if (saved) return undefined;
      saved = true;
      return this.save(sessions);
    };
    const answers = runWithSessions(sessions, () => next.handle()).pipe(
      concatMap((value) => {
        const saving = save();
        return saving ? from(saving.then(() => value)) : [value];
      }),
      catchError((error: unknown) => {
        // A WsException is the handler's answer, as a 4xx is a controller's: what it wrote is kept. Anything else rolls back.
        const saving = isWsException(error) ? save() : undefined;
        return from((saving ?? Promise.resolve()).then(() => Promise.reject(error)));
      }),
    );
    return concat(answers, defer(() => from(save() ?? Promise.resolve())).pipe(ignoreElements()));
  }

  private async save(sessions: RequestSessions): Promise<void> {
    try {
      const changed = sessions.loaded.filter(changedBySocket);
      if (changed.length === 0) return;
      for (const loaded of changed) assertSocketCanSave(loaded);
      // Only what the message changed: a read neither slides the expiry nor consumes flash.
      const saving = new RequestSessions(sessions.platformRequest, true);
      saving.loaded.push(...changed);
      sessions.committed = true;
      const commit = this.committer.commit(saving, 200);
      // The cookie lines are for an HTTP response; the browser's cookie keeps naming the same id.
      if (commit) await commit.headers;
    } catch (error) {
      throw await this.clientError(error);
    }
  }

  /** What the client sees; errors of ours are logged here (store failures were logged where they happened). */
  private clientError(error: unknown): Promise<unknown> {
    if (error instanceof SessionError) this.logger.error(error.message, error.stack);
    return error instanceof SessionError || error instanceof HttpException ? toWsException(error) : Promise.resolve(error);
  }
}

/** Nest's WsException or a subclass, by name (its class is in @nestjs/websockets, which is not imported up front). */
function isWsException(error: unknown): boolean {
  for (let proto = Object.getPrototypeOf(error ?? {}); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'WsException') return true;
  }
  return false;
}
