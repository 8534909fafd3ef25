// Jest config for the NestJS layer: runs the TypeScript sources of `stowage/nest` (no build of
// dist/ needed), with `stowage` mapped to the package entry, main.js.
// Run: npx jest -c __tests__/nest/jest.config.js
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__tests__/nest/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/__tests__/nest/tsconfig.json' }],
  },
  moduleNameMapper: {
    '^stowage$': '<rootDir>/main.js',
    '^stowage/nest$': '<rootDir>/nest/index.ts',
  },
  testTimeout: 60000,
};
