#!/usr/bin/env bash
# The GPU check in one command. On a machine with an NVIDIA GPU and a CUDA build of PyTorch
# (its torch/ folder holds libtorch's headers and libraries), it builds the addon and the TORCH
# backend against that libtorch into build-gpu/, then runs dist/scripts/gpu-check.js: a model and a
# script on GPU:0 against CPU, autobatching on the GPU, a DAG with one op on CPU and one on the
# GPU, 32 clients, and the classifier on CPU vs GPU (batch 1 and batched) in the same run. Without
# a GPU it runs the same checks on CPU and says why the GPU part was skipped. The log goes to
# gpu-check.log (and to $OUT/gpu-check.log when $OUT is set, as on the device machine).
#
#   bash scripts/gpu-check.sh --pack   # here, first: compiles dist/ and packs Node and the npm
#                                      # headers the build needs into .gpu-carry/ (the GPU machine
#                                      # has no Node and no registry)
#   bash scripts/gpu-check.sh          # there (or here: the CPU half)
#
# What must travel to the GPU machine with the checkout: .gpu-carry, dist, and
# deps/models/efficientnet-lite0.pt for the benchmark (the device tool's `carry`).
# LIBTORCH overrides the libtorch used (a libtorch folder or a PyTorch installation's torch/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CARRY=$ROOT/.gpu-carry

if [ "${1:-}" = --pack ]; then
  mkdir -p "$CARRY/node_modules"
  npx tsc -p .
  xz -T0 -6 -c "$(command -v node)" > "$CARRY/node.xz"
  # The build's headers, the addon loader, and what the library loads at run time, with their dependencies.
  rm -rf "$CARRY/node_modules" && mkdir -p "$CARRY/node_modules"
  node -e '
    const path = require("path");
    const seen = new Set(), todo = process.argv.slice(1);
    while (todo.length) {
      const name = todo.pop();
      if (seen.has(name)) continue;
      seen.add(name);
      todo.push(...Object.keys(require(path.resolve("node_modules", name, "package.json")).dependencies || {}));
    }
    console.log([...seen].join("\n"));' node-addon-api node-api-headers node-gyp-build prom-client |
  while read -r pkg; do
    mkdir -p "$(dirname "$CARRY/node_modules/$pkg")" && cp -r "node_modules/$pkg" "$CARRY/node_modules/$pkg"
  done
  rm -rf "$CARRY/dlpack" && cp -r deps/dlpack "$CARRY/dlpack"
  du -sh "$CARRY" dist deps/models/efficientnet-lite0.pt 2>/dev/null || true
  echo "packed: carry .gpu-carry, dist and deps/models/efficientnet-lite0.pt; then run: bash scripts/gpu-check.sh"
  exit 0
fi

LOG=$ROOT/gpu-check.log
exec > >(tee "$LOG") 2>&1
echo "gpu-check: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(nproc) cores"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: none"

# Node: this machine's, or the one packed with --pack.
if ! command -v node > /dev/null; then
  [ -f "$CARRY/node.xz" ] || { echo "gpu-check: no node here and no $CARRY/node.xz: run 'bash scripts/gpu-check.sh --pack' first"; exit 1; }
  mkdir -p /tmp/gpu-check-node && xz -dc "$CARRY/node.xz" > /tmp/gpu-check-node/node && chmod +x /tmp/gpu-check-node/node
  export PATH=/tmp/gpu-check-node:$PATH
fi
echo "node $(node --version)"
# The npm packages the build and the addon loader need: the checkout's, or the packed ones.
[ -d node_modules/node-addon-api ] || export NODE_PATH=$CARRY/node_modules
modules=$([ -d node_modules/node-addon-api ] && echo "$ROOT/node_modules" || echo "$CARRY/node_modules")
dlpack=$([ -f deps/dlpack/include/dlpack/dlpack.h ] && echo "$ROOT/deps/dlpack/include" || echo "$CARRY/dlpack/include")
[ -f dist/scripts/gpu-check.js ] || { echo "gpu-check: dist/ is not built: run 'bash scripts/gpu-check.sh --pack' (or npx tsc -p .) first"; exit 1; }

# libtorch: LIBTORCH, else the torch/ folder of this machine's PyTorch (CUDA build on a GPU machine).
if [ -z "${LIBTORCH:-}" ]; then
  torch_dir=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null || true)
  if [ -n "$torch_dir" ] && [ -d "$torch_dir/share/cmake/Torch" ]; then LIBTORCH=$torch_dir; fi
fi
if [ -z "${LIBTORCH:-}" ] && [ -f deps/paths.env ]; then LIBTORCH=$(sed -n 's/^LIBTORCH_DIR=//p' deps/paths.env); fi
[ -n "${LIBTORCH:-}" ] || { echo "gpu-check: no libtorch: set LIBTORCH, or install PyTorch"; exit 1; }
echo "libtorch: $LIBTORCH $(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "available:", torch.cuda.is_available())' 2>/dev/null || true)"

# Built with CMake itself: cmake-js needs its own npm dependencies; an N-API addon needs only the headers.
generator=$(command -v ninja > /dev/null && echo Ninja || echo "Unix Makefiles")
cmake -S . -B build-gpu -G "$generator" -DCMAKE_BUILD_TYPE=Release -DLIBTORCH_DIR="$LIBTORCH" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$ROOT/build-gpu/Release" \
  -DCMAKE_JS_INC="$modules/node-api-headers/include" -DDLPACK_INCLUDE_DIR="$dlpack" > build-gpu.log 2>&1 || { tail -30 build-gpu.log; exit 1; }
grep "TORCH backend" build-gpu.log || true
# The addon and the TORCH backend are all the check needs.
cmake --build build-gpu -j "$(nproc)" --target stormbreaker stormbreaker_torch >> build-gpu.log 2>&1 || { tail -30 build-gpu.log; exit 1; }
ls build-gpu/Release/

# libtorch's own libraries (a PyTorch installation's torch/lib) must be found when the backend loads.
export LD_LIBRARY_PATH=$LIBTORCH/lib:${LD_LIBRARY_PATH:-}
status=0
STORMBREAKER_ADDON=$ROOT/build-gpu/Release/stormbreaker.node node dist/scripts/gpu-check.js "$@" || status=$?
if [ -n "${OUT:-}" ]; then cp "$LOG" build-gpu.log "$OUT/" 2>/dev/null || true; fi
exit $status
