// Jest runs the TypeScript tests in test/ directly (ts-jest, transpile only: `tsc -p .` in
// scripts/prepare.sh type-checks them). scripts/run-tests.js starts it with --expose-gc.
'use strict';

/** @type {import('jest').Config} */
module.exports = {
  // The native addon is loaded once per worker process, in Node's main context, so the arrays and
  // errors it makes belong to that context. Jest's default environment runs each test file in a vm
  // context of its own, where such values fail instanceof and deepStrictEqual's prototype checks;
  // this environment runs test files in the main context instead.
  testEnvironment: 'jest-environment-node-single-context',
  // Each test file runs in a fresh worker process, as each server runs in its own: native state
  // (device queues and their counters, the buffer pool, loaded backends) starts clean. Jest
  // recycles a worker whose memory is over this limit after each file, so a tiny limit means always.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1KB',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/jestSetup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
  // No test may hang: each has this long, then fails (a few start servers or build models in Python).
  testTimeout: 120_000,
  verbose: true,
};
