// NestJS 12 publishes ESM-only packages; Jest runs CommonJS. @swc/jest compiles the specs (legacy
// decorators + metadata, as Nest needs) and, through transformIgnorePatterns, the @nestjs
// packages in node_modules too. stowage itself is CommonJS and needs no transform.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/specs/**/*.spec.ts', '<rootDir>/guard/**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  testTimeout: 60000,
};
