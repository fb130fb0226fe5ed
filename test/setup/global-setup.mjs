import { startServices } from './services.mjs';

/**
 * Starts the real backends the suites talk to (Redis, a Redis Cluster,
 * PostgreSQL) on free loopback ports and publishes their addresses through
 * environment variables, which the in-band test run inherits.
 */
export default async function globalSetup() {
  await startServices();
}
