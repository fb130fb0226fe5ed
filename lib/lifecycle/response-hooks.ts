import { Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ServerResponse } from 'node:http';
import type { RequestSessions } from '../request-sessions.js';
import { hookExpressResponse } from './platform/express-response-hook.js';
import { registerFastifyHooks, type FastifyInstanceLike } from './platform/fastify-hooks.js';
import { SessionCommitter } from './session-committer.js';

/**
 * Where the interceptor cannot commit (a guard that loaded and refused,
 * middleware, `@Res()` handlers, views), the response commits as it leaves:
 * by wrapping that one Node response, and on Fastify first through its
 * `onSend` hook, registered once at start-up, so a failure there reaches
 * Nest's exception layer. Nothing requests or responses share is patched.
 */
@Injectable()
export class ResponseHooks implements OnModuleInit {
  private readonly logger = new Logger('SessionModule');

  constructor(
    private readonly committer: SessionCommitter,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    registerFastifyHooks(
      adapter.getInstance<FastifyInstanceLike>(),
      (sessions, status) => this.committer.commit(sessions, status),
      (error) => this.logger.error(`A response could not be completed: ${(error as Error)?.message ?? error}`, (error as Error)?.stack),
    );
  }

  /**
   * Makes sure the response commits the request's sessions even if the
   * interceptor does not, however it is written: this one Node response is
   * wrapped (on Fastify, `reply.raw`, for what reaches it without
   * `reply.send()`: `@Sse()`, middleware that answers itself, `reply.raw`
   * writes; the `onSend` hook commits the rest first).
   */
  watch(sessions: RequestSessions, response: object): void {
    if (sessions.hooked) return;
    const res = response instanceof ServerResponse ? response : (response as { raw?: unknown }).raw;
    if (!(res instanceof ServerResponse)) return;
    sessions.hooked = true;
    hookExpressResponse(res, (status) => this.committer.commit(sessions, status), this.logger);
  }
}
