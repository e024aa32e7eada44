#!/usr/bin/env node
// `npx stormbreaker-deps`: fetches the libraries Stormbreaker's backends run on (and, when this
// machine has no prebuilt addon, what building it needs) through get_deps.sh, then builds the
// addon if no prebuild fits. Arguments go to get_deps.sh (--plan: only say what it would fetch).
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const BACKENDS = ['TORCH', 'ONNX', 'TF', 'TFLITE'];

function hasPrebuild() {
  return fs.existsSync(prebuildDir) && fs.readdirSync(prebuildDir).some((f) => f.endsWith('.node'));
}

/** The addon loads here (a prebuild or a build): checked in a child so a crash cannot take us down. */
function addonLoads() {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(root, 'dist', 'src', 'native.js'))})`], { encoding: 'utf8' });
  return r.status === 0;
}

/** For each backend library beside the addon: the shared libraries it needs that this machine lacks. */
function missingLibraries(folder) {
  const out = {};
  for (const backend of BACKENDS) {
    const file = path.join(folder, `libstormbreaker_${backend.toLowerCase()}.so`);
    if (!fs.existsSync(file)) { out[backend] = ['(not built)']; continue; }
    const r = spawnSync('ldd', [file], { encoding: 'utf8' });
    out[backend] = r.status === 0 ? [...r.stdout.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]) : ['(ldd failed)'];
  }
  return out;
}

/** What an install without fetching says: what runs now, and what `npx stormbreaker-deps` would download. */
function describeInstall() {
  const log = (line) => console.log(`stormbreaker: ${line}`);
  if (!hasPrebuild()) {
    log(`no prebuilt addon for ${process.platform}-${process.arch}; to build one here (needs g++ and cmake): npx stormbreaker-deps`);
  } else if (!addonLoads()) {
    log(`the prebuilt addon for ${process.platform}-${process.arch} does not load on this machine; to build one here: npx stormbreaker-deps`);
  } else {
    const missing = missingLibraries(prebuildDir);
    const ready = BACKENDS.filter((b) => missing[b].length === 0);
    log(`prebuilt addon for ${process.platform}-${process.arch} loaded; backends ready: ${ready.length ? ready.join(', ') : 'none'}`);
    for (const b of BACKENDS.filter((x) => missing[x].length > 0)) log(`  ${b} needs ${missing[b].join(', ')}`);
    if (ready.length === BACKENDS.length) return;
  }
  log('nothing was downloaded. `npx stormbreaker-deps` (or installing with STORMBREAKER_FETCH_DEPS=1) would fetch:');
  spawnSync('bash', [path.join(root, 'get_deps.sh'), '--plan', ...(hasPrebuild() ? ['--runtime-only'] : [])], { stdio: 'inherit', cwd: root });
}

/** Fetches what get_deps.sh finds missing, then builds the addon if no prebuild loads. */
function fetchDeps(args) {
  const prebuilt = hasPrebuild() && addonLoads();
  execFileSync('bash', [path.join(root, 'get_deps.sh'), ...(prebuilt ? ['--runtime-only'] : []), ...args], { stdio: 'inherit', cwd: root });
  if (args.includes('--plan')) return;
  if (!prebuilt) execFileSync(process.execPath, [path.join(__dirname, 'build-native.js'), '--force'], { stdio: 'inherit', cwd: root });
}

module.exports = { describeInstall, fetchDeps };

if (require.main === module) {
  try {
    fetchDeps(process.argv.slice(2));
  } catch (err) {
    console.error(`stormbreaker-deps: ${err.message}`);
    process.exit(1);
  }
}
