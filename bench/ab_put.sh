#!/bin/bash
# Two silt binaries side by side on the large-PUT path (docs/performance.md, "Signed
# uploads in a pipeline"): bench/run.sh's put-1g-chunked (1 GiB, one stream, signed
# aws-chunked in 64 KiB chunks) and put-64m-c16 (16 streams of 64 MiB), ROUNDS rounds
# (default 3), each round old, new and then single-core md5sum of a 1 GiB file in the
# page cache, so the machine's noise falls on all three. Each silt runs on its own
# fresh data dir with its default flags. Prints one line per round and server: the
# rates, silt's CPU (user + system, from /proc) per GiB, and the load average; take
# the medians.
#
#   bench/ab_put.sh OLD_SILT NEW_SILT [SILT_BENCH]
set -euo pipefail
OLD=${1:?old silt binary} NEW=${2:?new silt binary}
BENCH=${3:-$(dirname "$0")/../build/bench/silt-bench}
PORT=${PORT:-9591} AK=benchadmin SK=benchadmin-secret
. "$(dirname "$0")/ab_common.sh" ab-put
start_silt() {  # name binary port, then its bucket
  start_silt_process "$@"
  "$BENCH" put --size 1K -n 1 --objects 1 --prefix setup/ --setup --endpoint "${EP[$1]}" --access-key $AK \
    --secret-key $SK >/dev/null  # creates the bucket
}
start_silt old "$OLD" "$PORT"
start_silt new "$NEW" $((PORT + 1))
"$BENCH" put --size 1G --write-body "$work/md5.in"
ticks() { awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; }
hz=$(getconf CLK_TCK)
for r in $(seq "${ROUNDS:-3}"); do
  for s in old new; do
    common=(--endpoint "${EP[$s]}" --access-key $AK --secret-key $SK --json)
    sync
    t0=$(ticks $s)
    "$BENCH" put --size 1G -n 1 --objects 1 --prefix p1g/ --payload chunked "${common[@]}" >"$work/c.json"
    t1=$(ticks $s)
    sync
    t2=$(ticks $s)
    "$BENCH" put --size 64M -c 16 -n 16 --objects 16 --prefix p64m/ "${common[@]}" >"$work/m.json"
    t3=$(ticks $s)
    cpu=$(/usr/bin/python3 -c "import sys; a=[float(x) for x in sys.argv[1:]]; print('%.2f %.2f' % ((a[1]-a[0])/a[4], (a[3]-a[2])/a[4]))" "$t0" "$t1" "$t2" "$t3" "$hz")
    printf 'round %s %-3s put1g_chunked %5.1f MiB/s (%s CPU s/GiB)  put64m_c16 %5.1f MiB/s (%s CPU s/GiB)  load %s\n' \
      "$r" "$s" "$(field "$work/c.json" mib_s)" "${cpu% *}" "$(field "$work/m.json" mib_s)" "${cpu#* }" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
  t=$( { /usr/bin/time -f %e md5sum "$work/md5.in" >/dev/null; } 2>&1 )
  printf 'round %s md5sum 1 GiB (one core) %5.1f MiB/s  load %s\n' "$r" \
    "$(/usr/bin/python3 -c "import sys; print(1024 / float(sys.argv[1]))" "$t")" "$(cut -d' ' -f1 /proc/loadavg)"
done
