/**
 * The PostgreSQL the Jest global setup started (test/setup/postgres-server.mjs),
 * as a connection URL.
 */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: the PostgreSQL test server did not start. Run the suites through Jest ' +
        '(its global setup starts PostgreSQL from /usr/lib/postgresql/<version>/bin or $PG_BIN; install it with ' +
        '`apt-get install -y postgresql`) and check the setup output.',
    );
  }
  return url;
}
