#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh clone: npm packages, deps/, the native
# addon and the compiled TypeScript. Each step is skipped when already current.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# onnxruntime-node's own postinstall would download from a host we cannot reach; we never run it.
export ONNXRUNTIME_NODE_INSTALL=skip

bash ./get_deps.sh "$@"
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm install --no-audit --no-fund   # its `install` script builds the addon
fi
node scripts/build-native.js
npx tsc -p .
