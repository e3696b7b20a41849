#!/usr/bin/env bash
# Installs what is missing, builds, and starts silt on 127.0.0.1:9000 with its
# data in ./data. Extra arguments go to `silt server`, e.g. --address 0.0.0.0:9000.
# Without SILT_ROOT_USER / SILT_ROOT_PASSWORD silt uses the development pair
# siltadmin / siltadmin-secret (loopback only) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

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
[ -f build/build.ninja ] || meson setup build -Dcpp_args=-g1 -Dunity=on -Drados=disabled
# Only the server: the unit tests, fuzzers and benches are scripts/test.sh's and
# bench/run.sh's to build (docs/performance.md, "Build time").
ninja -C build -j "${SILT_JOBS:-2}" silt

has_address=0
for a in "$@"; do case "$a" in --address|--address=*) has_address=1 ;; esac; done
if [ $has_address -eq 0 ]; then
  set -- --address 127.0.0.1:9000 "$@"
fi
exec build/silt server --data ./data "$@"
