/** Root jest config: the conformance suite and the core-binding specs. The Nest specs have their own config. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/__tests__/nest/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/__tests__/tsconfig.json' }] },
  setupFiles: ['<rootDir>/__tests__/quiet-logs.js'],
  testTimeout: 60000,
};
