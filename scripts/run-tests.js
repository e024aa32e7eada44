#!/usr/bin/env node
// Runs the test suite with Jest (jest.config.js), in a Node started with --expose-gc: some tests
// check that native memory is released once its JS owners are collected. Jest's workers inherit
// the flag. Arguments are passed on to Jest (a path pattern, -t "name", --verbose=false, ...).
// A full run (no arguments) then runs the AI command tests again on nodes whose data lives in a
// real redis-server (--store; test/helpers/servers.ts), as the Redis-backed store must pass them too.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const args = process.argv.slice(2);
const jestRun = (extra, env) => spawnSync(process.execPath, ['--expose-gc', jest, ...extra], { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } }).status ?? 1;

// The command tests that are about AI commands (and the Redis commands scripts use), not about
// what only the embedded store has (its expiry, MEMORY USAGE, WATCH, DUMP of AI types, INFO keyspace).
const ON_REDIS_STORE = ['tensorset', 'models', 'dag', 'scripts', 'onnx', 'tf', 'tflite', 'sklearn', 'batching', 'infoModules', 'numberParsing', 'monitor']
  .map((name) => `test/commands/${name}\\.test\\.ts$`);

let status = jestRun(args, {});
if (status === 0 && args.length === 0) {
  process.stdout.write('\nThe AI command tests again, on the Redis-backed store (--store redis://):\n');
  status = jestRun(ON_REDIS_STORE, { STORMBREAKER_TEST_STORE: 'redis' });
}
process.exit(status);
