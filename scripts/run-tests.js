#!/usr/bin/env node
// Runs the test suite with Jest (jest.config.js), in a Node started with --expose-gc: some tests
// check that native memory is released once its JS owners are collected. Jest's workers inherit
// the flag. Arguments are passed on to Jest (a path pattern, -t "name", --verbose=false, ...).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const result = spawnSync(process.execPath, ['--expose-gc', jest, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
