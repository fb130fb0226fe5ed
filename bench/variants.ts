export type Adapter = 'express' | 'fastify';

/** One app the harness measures: a library and store on one Nest adapter. */
export interface Variant {
  /** Stable id, used by `--only` and in the JSON. */
  readonly id: string;
  /** Shown in the table. */
  readonly name: string;
  readonly adapter: Adapter;
  /** The app file under bench/apps/ (without extension). */
  readonly app: string;
  /** BENCH_STORE for apps that take one. */
  readonly store?: string;
  /** Needs the harness's redis-server. */
  readonly redis?: boolean;
  /** The baseline the other variants on this adapter are compared with. */
  readonly bare?: boolean;
  /** Keeps no sessions: no cookies are captured or sent. */
  readonly sessionless?: boolean;
}

const nestSessions = (adapter: Adapter): Variant[] =>
  (['memory', 'cookie', 'redis', 'sqlite'] as const).map((store) => ({
    id: `nest-sessions-${store}-${adapter}`,
    name: `nest-sessions ${store}`,
    adapter,
    app: 'nest-sessions',
    store,
    redis: store === 'redis',
  }));

/** Every variant, baselines first on each adapter. */
export const VARIANTS: readonly Variant[] = [
  { id: 'bare-express', name: 'bare', adapter: 'express', app: 'bare', bare: true, sessionless: true },
  { id: 'interceptor-express', name: 'bare + no-op interceptor', adapter: 'express', app: 'bare', store: 'interceptor', sessionless: true },
  { id: 'express-session-memory', name: 'express-session memory', adapter: 'express', app: 'express-session', store: 'memory' },
  { id: 'express-session-redis', name: 'express-session connect-redis', adapter: 'express', app: 'express-session', store: 'redis', redis: true },
  { id: 'cookie-session', name: 'cookie-session', adapter: 'express', app: 'cookie-session' },
  ...nestSessions('express'),
  { id: 'bare-fastify', name: 'bare', adapter: 'fastify', app: 'bare', bare: true, sessionless: true },
  { id: 'interceptor-fastify', name: 'bare + no-op interceptor', adapter: 'fastify', app: 'bare', store: 'interceptor', sessionless: true },
  { id: 'fastify-session', name: '@fastify/session memory', adapter: 'fastify', app: 'fastify-session' },
  { id: 'fastify-secure-session', name: '@fastify/secure-session', adapter: 'fastify', app: 'fastify-secure-session' },
  ...nestSessions('fastify'),
];
