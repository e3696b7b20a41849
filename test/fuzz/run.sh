#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time and fails on any crash, leak,
# sanitizer report or timeout.
#   test/fuzz/run.sh [SECONDS] [TARGET...]   SECONDS per target (default 15)
# Needs the fuzz build: CXX=clang++ meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
# (FUZZ_BUILD overrides the build dir). Each target starts from its seeds in
# test/fuzz/corpus/<target>/ (crash-* files there are earlier findings, kept as
# regressions); what it discovers goes to a scratch corpus, never into the repo.
# A crashing input is left in $FUZZ_OUT (default build-fuzz/fuzz-out/<target>/).
# Prints one line per target with its executions; the last line is the total.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-15}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
out=${FUZZ_OUT:-$build/fuzz-out}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in test/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

failed=0
total=0
for t in "${targets[@]}"; do
  bin="$build/test/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "$t: not built ($bin missing)"
    failed=$((failed + 1))
    continue
  fi
  work="$out/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory per input run.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$work/" "$work/corpus" "test/fuzz/corpus/$t" >"$work/log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -oE '[0-9]+$' || echo 0)
  total=$((total + ${execs:-0}))
  if [ $rc -ne 0 ]; then
    failed=$((failed + 1))
    echo "$t: FAILED (exit $rc) after ${execs:-0} executions; log $work/log"
    grep -E 'ERROR: |SUMMARY: |Test unit written to' "$work/log" | head -5 | sed 's/^/  /'
  else
    echo "$t: ok, ${execs:-0} executions in ${seconds}s"
  fi
done
echo "fuzz: ${#targets[@]} targets, $failed failed, $total executions"
[ $failed -eq 0 ]
