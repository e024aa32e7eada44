#!/usr/bin/env bash
# npm run test:asan: builds the addon and backends with AddressSanitizer (build-asan/, beside the
# normal build), then runs the native, hardening, command and real-model tests and the fuzzers against it, with
# libasan preloaded into Node (which is not itself instrumented). A memory error stops the process
# that made it with ASan's report on stderr, which fails its test. Leak checking is off: Node and
# the backends' libraries keep memory until exit on purpose.
# Extra arguments go to the test runner, e.g. `npm run test:asan -- test/native`.
# Too slow for CI (the build alone is a minute, runs are 2-3x slower); run it before resolving
# hardening work. TF is loaded without RTLD_DEEPBIND here (ASan refuses it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/prepare.sh --with-test-tools
node scripts/build-native.js --asan

export STORMBREAKER_ADDON="$root/build-asan/Release/stormbreaker.node"
LD_PRELOAD="$(c++ -print-file-name=libasan.so)"
export LD_PRELOAD
# abort_on_error: the process dies at once (SIGABRT), so no test can read a damaged server as fine.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
if [ "$#" -eq 0 ]; then set -- 'test/native|test/e2e/(hardening|fuzz|execution|persistence)|test/commands|test/models'; fi
exec node scripts/run-tests.js "$@"
