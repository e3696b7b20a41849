#!/usr/bin/env bash
# Installs what is missing, builds, and starts silt on 127.0.0.1:9000 with its
# data in ./data. Extra arguments go to `silt server`, e.g. --address 0.0.0.0:9000.
# Without SILT_ROOT_USER / SILT_ROOT_PASSWORD silt uses the development pair
# siltadmin / siltadmin-secret (loopback only) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
# Only the server: the unit tests, fuzzers and benches are scripts/test.sh's and
# bench/run.sh's to build (docs/performance.md, "Build time").
ninja -C build -j "${SILT_JOBS:-2}" silt

has_address=0
for a in "$@"; do case "$a" in --address|--address=*) has_address=1 ;; esac; done
if [ $has_address -eq 0 ]; then
  set -- --address 127.0.0.1:9000 "$@"
fi
exec build/silt server --data ./data "$@"
