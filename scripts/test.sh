#!/usr/bin/env bash
# Builds silt and runs every test: the Catch2 unit tests (meson test) and the
# integration suite (pytest, test/integration) against a real silt with real
# clients (aws cli, boto3, rclone, s3cmd, curl).
#   scripts/test.sh           everything except the slow tests (build, then ~2 min of tests)
#   scripts/test.sh --slow    also the 1 GiB transfers and the 60 s load test (test_load.py)
# Extra arguments after the flags go to pytest, e.g. scripts/test.sh -k keys
# The libFuzzer targets (test/fuzz) run last, SILT_FUZZ_SECONDS (default 15) each, in build-fuzz/.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--slow" ]; then
  export SILT_SLOW=1
  shift
fi

status=0
step() { echo; echo "=== $*"; }

step "dependencies"
scripts/install-deps.sh --test || exit 1

step "build"
if [ ! -f build/build.ninja ]; then
  meson setup build || exit 1
fi
# A build/ made by scripts/run.sh compiles in unity chunks and without rados/; the tests build
# each file on its own, and rados/ when librados is installed (docs/performance.md, "Build time").
meson configure build -Dunity=off -Drados=auto >/dev/null || exit 1
ninja -C build -j "${SILT_JOBS:-2}" || exit 1

step "layer check (scripts/check_layers.py: each folder includes only what its arrows allow)"
layers_fail=0
{ scripts/check_layers.py --self-test && scripts/check_layers.py; } 2>&1 | tee build/layers.log
[ "${PIPESTATUS[0]}" -ne 0 ] && layers_fail=1 && status=1

step "unit tests (meson test)"
meson test -C build --print-errorlogs 2>&1 | tee build/meson-test.log
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1

step "docker-compose file"
if docker-compose -f docker/docker-compose.yml config -q; then
  echo "docker/docker-compose.yml: valid"
else
  status=1
fi

step "integration tests (pytest)"
# Debian's interpreter carries boto3/pytest; the pyenv python3 on PATH does not.
SILT_BIN="$PWD/build/silt" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/integration "$@" \
  2>&1 | tee build/pytest.log
rc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && status=1

# --- fuzzing (test/fuzz): each libFuzzer target for a bounded time, in its own clang build dir.
step "fuzz targets (${SILT_FUZZ_SECONDS:-15} s each)"
: >build/fuzz.log
if { [ -f build-fuzz/build.ninja ] || CXX=clang++ meson setup build-fuzz -Dfuzz=true >build/fuzz-setup.log 2>&1; } &&
  ninja -C build-fuzz -j "${SILT_JOBS:-2}" >build/fuzz-build.log 2>&1; then
  test/fuzz/run.sh "${SILT_FUZZ_SECONDS:-15}" 2>&1 | tee build/fuzz.log
  [ "${PIPESTATUS[0]}" -ne 0 ] && status=1
else
  echo "fuzz build failed: see build/fuzz-setup.log and build/fuzz-build.log"
  echo "fuzz: 1 targets, 1 failed, 0 executions" >build/fuzz.log
  status=1
fi

# --- the README's first command builds silt otherwise (unity chunks, no rados/): a name two
# files of one library both keep file-local compiles here but not there, so build it that way too.
step "first-start build (scripts/run.sh --build-only build-run)"
first_start_fail=0
if ! scripts/run.sh --build-only build-run >build/first-start-build.log 2>&1; then
  tail -30 build/first-start-build.log
  echo "the first start's unity build failed: see build/first-start-build.log"
  first_start_fail=1
  status=1
else
  echo "build-run/silt: built"
fi

# One closing line over both runners: unit test executables plus pytest cases.
count() {  # count LOG REGEX -> the number captured by REGEX's first group, or 0
  local n
  n=$(grep -oE "$2" "$1" 2>/dev/null | tail -1 | grep -oE '[0-9]+' | head -1)
  echo "${n:-0}"
}
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error)' build/pytest.log | tail -1)
py_passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
py_failed=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
py_errors=$(echo "$summary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || true)
py_skipped=$(echo "$summary" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || true)
unit_ok=$(count build/meson-test.log '^Ok: +[0-9]+')
unit_fail=$(( $(count build/meson-test.log '^Fail: +[0-9]+') + $(count build/meson-test.log '^Timeout: +[0-9]+') ))
fuzz_targets=$(count build/fuzz.log '^fuzz: [0-9]+ targets')
fuzz_fail=$(count build/fuzz.log '[0-9]+ failed, [0-9]+ executions$')
passed=$(( ${py_passed:-0} + unit_ok + fuzz_targets - fuzz_fail ))
failed=$(( ${py_failed:-0} + ${py_errors:-0} + unit_fail + fuzz_fail + layers_fail + first_start_fail ))
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then failed=1; fi  # e.g. compose file or pytest crash
echo
echo "=== summary"
echo "pytest: ${summary:-no summary (see build/pytest.log)}"
echo "unit test executables: ${unit_ok} ok, ${unit_fail} failed"
echo "fuzz targets: $(( fuzz_targets - fuzz_fail )) ok, ${fuzz_fail} failed"
echo "layer check: $([ $layers_fail -eq 0 ] && echo ok || echo "failed (see build/layers.log)")"
echo "first-start build: $([ $first_start_fail -eq 0 ] && echo ok || echo "failed (see build/first-start-build.log)")"
echo "total: ${passed} passed, ${failed} failed, ${py_skipped:-0} skipped"
exit $status
