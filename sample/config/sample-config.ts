import { resolve } from 'node:path';

export const STORE_KINDS = ['sqlite', 'memory', 'file', 'cookie', 'redis', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/**
 * Printed in the log and shown in the page footer whenever it is in use.
 * The library never invents a secret: this is the sample's own choice, so
 * that `npm start` works with no set-up.
 */
export const DEVELOPMENT_SECRET = 'nest-sessions-sample-DEVELOPMENT-ONLY-secret-change-me';

/** Everything the sample reads from the environment, read once at start-up. */
export interface SampleConfig {
  /** `SESSION_STORE`: where the default session lives. @default 'sqlite' */
  store: StoreKind;
  /** `SESSION_SECRET` (32+ characters), else the development secret. */
  secret: string;
  /** True when `SESSION_SECRET` was not set. */
  developmentSecret: boolean;
  /** `REDIS_URL` for `SESSION_STORE=redis`. @default 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** `DATABASE_URL` for `SESSION_STORE=postgres`: `postgres://user:password@host:5432/db`. */
  databaseUrl: string | undefined;
  /** `SAMPLE_DATA_DIR`: holds the SQLite file and the FileStore directory. @default 'sample/data' */
  dataDir: string;
}

export function readSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const store = (env.SESSION_STORE || 'sqlite').toLowerCase();
  if (!(STORE_KINDS as readonly string[]).includes(store)) {
    throw new Error(`SESSION_STORE=${env.SESSION_STORE} is not one of ${STORE_KINDS.join(', ')}.`);
  }
  return {
    store: store as StoreKind,
    secret: env.SESSION_SECRET || DEVELOPMENT_SECRET,
    developmentSecret: !env.SESSION_SECRET,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: env.DATABASE_URL || undefined,
    // npm runs scripts from the package root, so this is <repo>/sample/data for `npm start`.
    dataDir: resolve(env.SAMPLE_DATA_DIR || 'sample/data'),
  };
}
