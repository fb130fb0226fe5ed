import type { Logger } from '@nestjs/common';
import type { OutgoingHttpHeader, ServerResponse } from 'node:http';
import { addHeaders, headersArgument } from '../../http/response-headers.js';
import type { Commit } from '../session-committer.js';
import { sendCommitFailure } from './commit-failure-response.js';

type Method = (...args: unknown[]) => unknown;

/**
 * Commits a request's sessions as its response leaves, for what the
 * interceptor cannot see (`@Res()` handlers, views, a guard that loaded and
 * refused, middleware). Per response, as express-session and on-headers do:
 * only this response's own `writeHead`, `write` and `end` are wrapped.
 *
 * - `end()` before any head (`res.send()`, `res.json()`, redirects, exception
 *   filters): the whole response waits for the store, so a failed save is
 *   answered as a 503/500 instead of a success. What the app does to the
 *   response meanwhile (a throw after `send()` answered by a filter) is
 *   dropped: the client gets exactly the response that was committed.
 * - a head first (`writeHead`, streams, `flushHeaders`): the head leaves at
 *   once with the cookies of a save assumed to succeed, and only `end()`
 *   waits; a save that fails then aborts the response at once, so the
 *   client never receives a complete success for something not saved.
 *
 * Nothing here throws into the caller: failures are logged and answered.
 */
export function hookExpressResponse(res: ServerResponse, begin: (status: number) => Commit | undefined, logger: Logger): void {
  const writeHead = res.writeHead as Method;
  const write = res.write as Method;
  const end = res.end as Method;
  let started = false;
  /** `end()` is waiting for the store: anything the app writes meanwhile is dropped. */
  let holding = false;
  /** The store work a head that already left is waiting on; rejects when it failed. */
  let afterHead: Promise<unknown> | undefined;

  const fail = (error: unknown) => logger.error(`A response could not be completed: ${(error as Error)?.message ?? error}`, (error as Error)?.stack);

  res.writeHead = function hookedWriteHead(this: ServerResponse, ...args: unknown[]) {
    if (holding) return this;
    if (!started && !this.headersSent) {
      started = true;
      try {
        const commit = begin(typeof args[0] === 'number' ? args[0] : this.statusCode);
        if (commit) {
          addHeaders(this, headersArgument(args), commit.headersNow());
          if (commit.headers instanceof Promise) {
            afterHead = commit.headers;
            // The head claimed success: a failed save cuts the response off now, not only when it ends (an endless stream).
            afterHead.then(undefined, () => res.destroy());
          }
        }
      } catch (error) {
        fail(error);
      }
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];

  res.write = function hookedWrite(this: ServerResponse, ...args: unknown[]) {
    return holding ? true : write.apply(this, args);
  } as ServerResponse['write'];

  res.end = function hookedEnd(this: ServerResponse, ...args: unknown[]) {
    if (holding) return this;
    if (afterHead) {
      holding = true;
      const waited = afterHead;
      afterHead = undefined;
      waited.then(
        () => finish(() => end.apply(res, args)),
        () => finish(() => res.destroy()), // the head claimed success: the client must not get a complete response
      );
      return this;
    }
    if (started || this.headersSent) return end.apply(this, args);
    started = true;
    let commit: Commit | undefined;
    try {
      commit = begin(this.statusCode);
    } catch (error) {
      fail(error);
    }
    if (!commit) return end.apply(this, args);
    if (!(commit.headers instanceof Promise)) {
      try {
        addHeaders(this, undefined, commit.headers);
      } catch (error) {
        fail(error);
      }
      return end.apply(this, args);
    }
    holding = true;
    const status = this.statusCode;
    const headers = { ...this.getHeaders() };
    commit.headers.then(
      (added) =>
        finish(() => {
          restore(res, status, headers);
          addHeaders(res, undefined, added);
          end.apply(res, args);
        }),
      (exception: unknown) => finish(() => sendCommitFailure(res, exception, { writeHead, end })),
    );
    return this;
  } as ServerResponse['end'];

  function finish(step: () => void): void {
    holding = false;
    try {
      if (!res.destroyed) step();
    } catch (error) {
      fail(error);
      res.destroy();
    }
  }
}

/** Puts back the status and headers the response had when it was ended. */
function restore(res: ServerResponse, status: number, headers: Record<string, OutgoingHttpHeader | undefined>): void {
  if (res.headersSent) return;
  res.statusCode = status;
  for (const name of res.getHeaderNames()) if (!(name in headers)) res.removeHeader(name);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
}
