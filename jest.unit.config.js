/**
 * The fast tier, `npm run test:unit`: the suites that need no service (no
 * Redis, no PostgreSQL, no browser), so no global setup starts or installs
 * anything. Seconds, for day-to-day work; `npm test` runs everything.
 */
import base from './jest.config.js';

const { globalSetup: _setup, globalTeardown: _teardown, ...config } = base;

export default {
  ...config,
  testMatch: [
    '<rootDir>/test/unit/**/*.spec.ts',
    // The store conformance suite on the stores that live in this process or on disk.
    '<rootDir>/test/stores/memory.store.spec.ts',
    '<rootDir>/test/stores/file.store.spec.ts',
    '<rootDir>/test/stores/file-tag-entries.spec.ts',
  ],
};
