import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { SessionManager } from '../session-manager.js';
import type { PlatformRequest } from '../request-sessions.js';

/**
 * For apps whose middleware needs the session (passport, connect-flash,
 * csrf-sync): `app.use(app.get(SessionMiddleware).use)` where express-session's
 * `app.use(session({...}))` would go, on Express and on Fastify. It loads the
 * default session and sets express-session's `req.session` and
 * `req.sessionID`; handlers, guards and the interceptor reuse what it loaded
 * (one store read per request), and the response commits it.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly logger = new Logger('SessionModule');

  constructor(private readonly manager: SessionManager) {}

  /** Bound, so it can be handed to `app.use` as it is. A store outage goes to `next(error)`: a 503. */
  readonly use = (request: PlatformRequest, response: object, next: (error?: unknown) => void): void => {
    this.manager
      .loadFor(request, response)
      .then(
        () => next(),
        (error: unknown) => next(error),
      )
      .catch((error: unknown) => this.logger.error(`Middleware after SessionMiddleware threw: ${(error as Error)?.message ?? error}`, (error as Error)?.stack));
  };
}
