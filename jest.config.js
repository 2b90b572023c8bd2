// Two projects, as the README promises: `unit` needs no server and runs in seconds;
// `integration` starts the real stack through the same code `reelstream stack up` runs.
// Type checking is `npm run typecheck`'s job; tests only transpile (isolatedModules in tsconfig).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
// Workers inherit this: test output stays readable unless a developer asks for more.
process.env.REELSTREAM_LOG_LEVEL ??= 'warn';
const sourceRoots = [
  'core',
  'cli',
  'runtime',
  'processors',
  'topologies',
  'schemas',
  'sinks',
  'replay',
  'cache',
  'infra',
  'simulator',
];

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests hold real client sockets. Tests close what they open (also after a failure),
  // but one library socket left behind must not turn a finished run into a CI timeout: jest exits
  // when the tests are done. (It then always prints "Force exiting Jest"; to hunt a leak, run one
  // suite with --forceExit=false --detectOpenHandles.)
  forceExit: true,
  // With --coverage (npm test): V8 coverage of the test processes; test/coverage/report.ts merges
  // it with the coverage of the `reelstream` child processes (test/helpers/child-coverage.ts),
  // prints it and checks the floor (see docs/testing.md).
  coverageProvider: 'v8',
  coverageDirectory: '<rootDir>/.reelstream/coverage/jest',
  coverageReporters: ['json'],
  collectCoverageFrom: [
    ...sourceRoots.map((root) => `<rootDir>/${root}/**/*.ts`),
    '!**/*.test.ts',
    '!**/testing/**',
    '!<rootDir>/schemas/types.generated.ts',
  ],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: sourceRoots.map((root) => `<rootDir>/${root}/**/*.test.ts`),
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup-timeout.ts'],
    },
    {
      // Stack smoke tests: they exercise a server of the stack with its client alone, no reelstream code.
      displayName: 'smoke',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/smoke/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup-timeout.ts'],
    },
  ],
};
