#!/bin/bash
# Two silt binaries side by side on 4 KiB PUTs at 16 and 64 connections (bench/run.sh's
# put-4k-c16 and put-4k-c64: silt-bench put --size 4K -c C -d 5), interleaved so the
# machine's noise falls on both: ROUNDS rounds (default 3), each old then new (then the
# peer, if PEER_ENDPOINT names an S3 server already running, e.g. s3rver from
# ../shared/peers/start-s3rver.sh, with PEER_AK/PEER_SK). Each silt runs on a fresh data
# dir with its default flags. Prints one line per round, server and connection count:
# PUT/s, p99 latency, silt's CPU (user + system, from /proc) per PUT, and the load
# average; take the medians.
#
#   bench/ab_put4k.sh OLD_SILT NEW_SILT [SILT_BENCH]
set -euo pipefail
OLD=${1:?old silt binary} NEW=${2:?new silt binary}
BENCH=${3:-$(dirname "$0")/../build/bench/silt-bench}
PORT=${PORT:-9691} AK=benchadmin SK=benchadmin-secret SECS=${SECS:-5}
. "$(dirname "$0")/ab_common.sh" ab-put4k
hz=$(getconf CLK_TCK)
ticks() { if [ -n "${PID[$1]:-}" ]; then awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; else echo 0; fi; }
servers=(old new)
start_silt_process old "$OLD" "$PORT"
start_silt_process new "$NEW" $((PORT + 1))
declare -A KEY=([old]=$AK [new]=$AK) SECRET=([old]=$SK [new]=$SK)
if [ -n "${PEER_ENDPOINT:-}" ]; then
  servers+=(peer)
  EP[peer]=$PEER_ENDPOINT KEY[peer]=${PEER_AK:-peeradmin} SECRET[peer]=${PEER_SK:-peeradmin-secret-key}
fi
for s in "${servers[@]}"; do  # creates the bucket
  "$BENCH" put --size 1K -n 1 --objects 1 --prefix setup/ --setup --endpoint "${EP[$s]}" --access-key "${KEY[$s]}" \
    --secret-key "${SECRET[$s]}" >/dev/null
done
for r in $(seq "${ROUNDS:-3}"); do
  for c in 16 64; do
    for s in "${servers[@]}"; do
      sync
      t0=$(ticks $s)
      "$BENCH" put --size 4K -c $c -d "$SECS" --prefix "p$r-$c/" --endpoint "${EP[$s]}" --access-key "${KEY[$s]}" \
        --secret-key "${SECRET[$s]}" --json >"$work/r.json"
      t1=$(ticks $s)
      /usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); t0, t1, hz = (float(x) for x in sys.argv[2:5])
cpu = "%.3f ms CPU/PUT" % ((t1 - t0) / hz * 1000 / j["ops"]) if t1 > 0 and j["ops"] else "-"
print("round %s %-4s put4k_c%s %6.0f PUT/s  p99 %6.1f ms  %s  errors %d  load %s" % (sys.argv[5], sys.argv[6],
      j["concurrency"], j["ops_s"], j["latency_ms"]["p99"], cpu, j["errors"], open("/proc/loadavg").read().split()[0]))
' "$work/r.json" "$t0" "$t1" "$hz" "$r" "$s"
    done
  done
done
