#!/usr/bin/env node
// The package's `install` script. In a clone of the repository it builds the addon (as
// scripts/prepare.sh does). In an installed package it fetches and builds nothing unless asked
// (STORMBREAKER_FETCH_DEPS=1): it says whether the prebuilt addon fits this machine, which
// backends can run, and what `npx stormbreaker-deps` would download for the rest.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { describeInstall, fetchDeps } = require('./stormbreaker-deps');

const root = path.resolve(__dirname, '..');
const inClone = fs.existsSync(path.join(root, 'scripts', 'prepare.sh'));

if (inClone) {
  execFileSync(process.execPath, [path.join(__dirname, 'build-native.js')], { stdio: 'inherit' });
} else if (process.env.STORMBREAKER_FETCH_DEPS === '1') {
  fetchDeps([]);
} else {
  describeInstall();
}
