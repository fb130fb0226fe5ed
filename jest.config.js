/** Native ESM Jest (NestJS 12 is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
    // Mercurius requires @fastify/static, which requires content-disposition 3 (ESM only). Jest loads a require()d
    // ES module itself only from Node 24.9; below that this package is compiled to CommonJS.
    '/node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, diagnostics: false }],
  },
  transformIgnorePatterns: ['^(?!.*/node_modules/content-disposition/).*/node_modules/'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // test/consumers/ holds apps with tests of their own, run against the packed package by test/consumers/run.mjs.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
  modulePathIgnorePatterns: ['<rootDir>/test/consumers/'],
  setupFiles: ['<rootDir>/test/setup/reflect-metadata.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
  testTimeout: 30_000,
};
