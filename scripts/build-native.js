#!/usr/bin/env node
// Builds the native addon with cmake-js when no usable build or prebuild exists (or with --force).
// Runs as the package's `install` script and from scripts/prepare.sh; a fresh build is skipped.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const force = process.argv.includes('--force');
// --asan: a second build with AddressSanitizer in build-asan/ (scripts/test-asan.sh uses it).
const asan = process.argv.includes('--asan');
const buildDir = asan ? 'build-asan' : 'build';
const output = path.join(root, buildDir, 'Release', 'stormbreaker.node');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function upToDate() {
  if (!fs.existsSync(output)) return false;
  const sources = Math.max(newestSource(path.join(root, 'native')), fs.statSync(path.join(root, 'CMakeLists.txt')).mtimeMs);
  return fs.statSync(output).mtimeMs >= sources;
}

function hasPrebuild() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.node'));
}

if (!force && (upToDate() || (!asan && !fs.existsSync(path.join(root, 'native')) && hasPrebuild()))) process.exit(0);

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (!fs.existsSync(path.join(root, 'deps', 'dlpack', 'include', 'dlpack', 'dlpack.h'))) {
  run('bash', [path.join(root, 'get_deps.sh')]);
}
// What get_deps.sh found (deps/paths.env) becomes CMake cache settings.
const defines = [];
const pathsFile = path.join(root, 'deps', 'paths.env');
if (fs.existsSync(pathsFile)) {
  for (const line of fs.readFileSync(pathsFile, 'utf8').split('\n')) {
    const [name, value] = line.split('=', 2);
    if (name === 'LIBTORCH_DIR' && value) defines.push(`--CDLIBTORCH_DIR=${value}`);
    if (name === 'ONNXRUNTIME_DIR' && value) defines.push(`--CDONNXRUNTIME_DIR=${value}`);
    if (name === 'TENSORFLOW_DIR' && value) defines.push(`--CDTENSORFLOW_DIR=${value}`);
    if (name === 'TFLITE_DIR' && value) defines.push(`--CDTFLITE_DIR=${value}`);
  }
}
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
if (asan) defines.push('--CDSTORMBREAKER_ASAN=ON', '--out', buildDir);
const configured = fs.existsSync(path.join(root, buildDir, 'CMakeCache.txt'));
run(process.execPath, [cmakeJs, configured && !force ? 'compile' : 'rebuild', '--log-level', 'warn', ...defines]);
