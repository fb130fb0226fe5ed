import { provision } from './provision.mjs';
import { startServices } from './services.mjs';

/**
 * Installs what the suites need if it is missing (redis-server, PostgreSQL,
 * Chromium: apt-get as root, else a stop with the command that does it), then
 * starts the real backends the suites talk to (Redis, a Redis Cluster,
 * PostgreSQL) on free loopback ports and publishes their addresses through
 * environment variables, which the in-band test run inherits.
 */
export default async function globalSetup() {
  await provision();
  await startServices();
}
