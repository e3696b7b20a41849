#!/usr/bin/env bash
# Installs what is missing, builds, and starts silt on 127.0.0.1:9000 with its
# data in ./data. Extra arguments go to `silt server`, e.g. --address 0.0.0.0:9000.
# Without SILT_ROOT_USER / SILT_ROOT_PASSWORD silt uses the development pair
# siltadmin / siltadmin-secret (loopback only) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# -g1: line tables and symbols (backtraces, perf) without variables' locations, a quarter less
# compile time than -g; the code is the same -O2 code. scripts/test.sh sets up with the full -g
# when it creates build/ (docs/performance.md, "Build time"); `meson configure build -Dcpp_args=`
# turns a run.sh-made build/ into that.
[ -f build/build.ninja ] || meson setup build -Dcpp_args=-g1
# Only the server: the unit tests, fuzzers and benches are scripts/test.sh's and
# bench/run.sh's to build (docs/performance.md, "Build time").
ninja -C build -j "${SILT_JOBS:-2}" silt

has_address=0
for a in "$@"; do case "$a" in --address|--address=*) has_address=1 ;; esac; done
if [ $has_address -eq 0 ]; then
  set -- --address 127.0.0.1:9000 "$@"
fi
exec build/silt server --data ./data "$@"
