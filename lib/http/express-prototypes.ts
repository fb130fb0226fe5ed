import type { HttpAdapterHost } from '@nestjs/core';
import { IncomingMessage, ServerResponse } from 'node:http';
import { exposeSessionOn, requestSessionsIfAny } from '../request-sessions.js';
import { hookResponsesOf } from './response-hook.js';

/**
 * On Express, prepares the app's own request and response prototypes
 * (`app.request`, `app.response`) once, before the first request: the
 * response hook on `app.response` and `request.session` on `app.request`.
 * Express 5 gives each of its requests and responses a hidden class of its
 * own, so every property added to one builds a new class (about 4 µs here):
 * loading a session then adds just one symbol-keyed slot to the request,
 * and nothing to the response (not its three wrappers, not the hook's state,
 * which the request's sessions hold), nor `request.session`. Fastify's
 * objects share their classes and take the hook one by one; other platforms
 * are left alone.
 */
export function prepareExpressPrototypes(adapterHost: HttpAdapterHost | undefined): void {
  const adapter = adapterHost?.httpAdapter;
  if (adapter?.getType() !== 'express') return;
  const app = adapter.getInstance() as { request?: unknown; response?: unknown };
  // Node and Express both give a response its request as `res.req`: the hook's state lives in the request's sessions.
  if (app.response instanceof ServerResponse) hookResponsesOf(app.response, (res) => res.req && requestSessionsIfAny(res.req));
  if (app.request instanceof IncomingMessage) exposeSessionOn(app.request);
}
