#!/usr/bin/env node
// Makes the prebuild an npm package ships: prebuilds/<platform>-<arch>/ holding the addon
// (stormbreaker.napi.node, loaded by node-gyp-build) and the backends' shared objects beside it.
// The build itself is ours (cmake-js, through build-native.js); prebuildify then takes the built
// folder, strips it and names and places the files, as it does for node-gyp builds. The backends
// find their runtime libraries through RUNPATH $ORIGIN/../../deps/... (see CMakeLists.txt), that
// is in the installed package's deps/, where `npx stormbreaker-deps` puts them.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [path.join(__dirname, 'build-native.js')], { stdio: 'inherit' });

// prebuildify works on <cwd>/build/Release: a staging copy of ours, so our build stays in place.
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-prebuild-'));
try {
  const release = path.join(root, 'build', 'Release');
  const staged = path.join(stage, 'build', 'Release');
  fs.mkdirSync(staged, { recursive: true });
  for (const file of fs.readdirSync(release)) {
    if (file === 'stormbreaker.node' || /^libstormbreaker_\w+\.so$/.test(file)) fs.copyFileSync(path.join(release, file), path.join(staged, file));
  }
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: 'stormbreaker' }));
  fs.rmSync(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true, force: true });
  const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
  // --node-gyp true: the "build" step is a no-op, the files are already built.
  execFileSync(process.execPath, [prebuildify, '--napi', '--strip', '--cwd', stage, '--out', root, '--node-gyp', 'true'], { stdio: 'inherit' });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
const made = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
console.log(`prebuild: ${made}: ${fs.readdirSync(made).join(', ')}`);
