/**
 * `nest-sessions/testing`: helpers for an app's own e2e tests. Start a
 * request with a given session (`sessionCookie`), read what a request stored
 * (`readSession`), and look into the store (`TestSessionStore`).
 *
 * A separate entry point: the main one never imports it, so apps that do not
 * import 'nest-sessions/testing' never load it. It needs nothing beyond the
 * package's own peers (no @nestjs/testing, no supertest): it works with
 * whatever HTTP client the tests use.
 */
export { sessionCookie, type SessionCookieInit } from './testing/session-cookie.js';
export { readSession, type ReadSessionOptions } from './testing/read-session.js';
export type { CookieSource, ResponseLike } from './testing/cookie-sources.js';
export type { SessionSnapshot } from './testing/session-snapshot.js';
export type { SessionApp } from './testing/app-sessions.js';
export { TestSessionStore, type StoreCall } from './testing/test-session-store.js';
