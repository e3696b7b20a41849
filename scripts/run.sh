#!/usr/bin/env bash
# Installs what is missing, builds, and starts silt on 127.0.0.1:9000 with its
# data in ./data. Extra arguments go to `silt server`, e.g. --address 0.0.0.0:9000.
#   scripts/run.sh --build-only DIR   only the build below, in DIR (scripts/test.sh checks
#                                     with it that the first start still compiles)
# Without SILT_ROOT_USER / SILT_ROOT_PASSWORD silt uses the development pair
# siltadmin / siltadmin-secret (loopback only) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
build_only=0
if [ "${1:-}" = "--build-only" ]; then
  build_dir=${2:?usage: scripts/run.sh --build-only DIR}
  build_only=1
fi

scripts/install-deps.sh
# The first start's build (docs/performance.md, "Build time"), the same -O2 code as any build:
#  -g1               line tables and symbols (backtraces, perf) without variables' locations,
#                    a quarter less compile time than -g;
#  -Dunity=on        each library compiled in chunks of four files, parsing and instantiating
#                    Boost, json and the standard library once per chunk instead of per file;
#  -Drados=disabled  no RADOS backend: rados/ and librados, which the default erasure-coded
#                    store does not use (`meson configure build -Drados=auto` adds it).
# scripts/test.sh turns unity off and rados back to auto in the build/ it finds; `meson configure
# build -Dcpp_args=` gives a run.sh-made build/ the full -g.
[ -f "$build_dir/build.ninja" ] || meson setup "$build_dir" -Dcpp_args=-g1 -Dunity=on -Drados=disabled
# Only the server: the unit tests, fuzzers and benches are scripts/test.sh's and
# bench/run.sh's to build (docs/performance.md, "Build time").
ninja -C "$build_dir" -j "${SILT_JOBS:-2}" silt
[ $build_only -eq 1 ] && exit 0

has_address=0
for a in "$@"; do case "$a" in --address|--address=*) has_address=1 ;; esac; done
if [ $has_address -eq 0 ]; then
  set -- --address 127.0.0.1:9000 "$@"
fi
exec build/silt server --data ./data "$@"
