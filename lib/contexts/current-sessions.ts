import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestSessions } from '../request-sessions.js';

/**
 * The sessions of the request (GraphQL operation, socket message) being
 * served, for code deep in its call stack: `sessionManager.current()`. The
 * interceptor enters it around the handler, as nestjs-cls's interceptor mode
 * does; Nest carries it through the handler's promises and observables.
 */
// One storage for the ESM and CommonJS builds of the package, should an app load both.
const storage: AsyncLocalStorage<RequestSessions> = ((globalThis as Record<symbol, unknown>)[Symbol.for('nest-sessions.current-sessions')] ??= new AsyncLocalStorage<RequestSessions>()) as AsyncLocalStorage<RequestSessions>;

/** Runs `serve` (the handler's `next.handle()`) with `sessions` as the current ones. */
export function runWithSessions<T>(sessions: RequestSessions, serve: () => T): T {
  return storage.run(sessions, serve);
}

/** The sessions of the request being served, or undefined outside one (start-up, timers, guards, middleware). */
export function currentSessions(): RequestSessions | undefined {
  return storage.getStore();
}
