import type { HttpAdapterHost } from '@nestjs/core';
import { IncomingMessage, ServerResponse } from 'node:http';
import { exposeSessionOn } from '../request-sessions.js';
import { keepStateBeside } from './object-slot.js';
import { hookResponsesOf } from './response-hook.js';

/**
 * On Express, prepares the app's own request and response prototypes
 * (`app.request`, `app.response`) once, before the first request: the
 * response hook on `app.response`, `request.session` on `app.request`, and
 * the module's per-request state kept beside their objects (see
 * keepStateBeside), so loading a session adds no property to Express's
 * objects. Fastify's objects take them cheaply, one by one; other
 * platforms are left alone.
 */
export function prepareExpressPrototypes(adapterHost: HttpAdapterHost | undefined): void {
  const adapter = adapterHost?.httpAdapter;
  if (adapter?.getType() !== 'express') return;
  const app = adapter.getInstance() as { request?: unknown; response?: unknown };
  if (app.response instanceof ServerResponse) {
    keepStateBeside(app.response);
    hookResponsesOf(app.response);
  }
  if (app.request instanceof IncomingMessage) {
    keepStateBeside(app.request);
    exposeSessionOn(app.request);
  }
}
