#!/usr/bin/env bash
# GETs of two silt binaries and Ceph RGW on ONE cluster (docs/performance.md, "silt on RADOS
# against Ceph RGW", "Reads"): bench/rados.sh --serve starts the cluster, radosgw and silt B; silt
# A runs beside it as a second gateway on the same pools and namespace, so both silts read the
# very same objects. The read workloads of bench/rados.sh (ranged 16 x 1 MiB of 256 MiB, GET
# 64 MiB, GET 4 KiB at 16 connections), ROUNDS rounds, the three servers in a rotating order, with
# the CPU seconds of the gateway and of the OSDs per run (/proc/PID/stat).
#
#   bench/rados_read_ab.sh A_BIN B_BIN        e.g. /work/notes/silt-main-45e257c build/silt
# Env: ROUNDS (3), ONLY (one workload: ranged, get-64m or get-4k), BENCH_BIN (build/bench/silt-bench), SILT_THREADS (B's and A's
# --blocking-threads; default 32, the rados default), OUT (JSON lines, default /tmp/rados-read-ab.jsonl).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A_BIN=$(realpath "$1") B_BIN=$(realpath "$2")
ROUNDS=${ROUNDS:-3} BENCH=${BENCH_BIN:-$ROOT/build/bench/silt-bench} THREADS=${SILT_THREADS:-32}
OUT=${OUT:-/tmp/rados-read-ab.jsonl} A_PORT=${A_PORT:-9462}
: >"$OUT"
LOG=$(mktemp /tmp/rados-read-ab.XXXXXX.log)
SILT_BIN=$B_BIN BENCH_BIN=$BENCH SILT_THREADS=$THREADS "$ROOT/bench/rados.sh" --serve >"$LOG" 2>&1 &
SERVE=$!
A_PID=""
cleanup() {
  [ -n "$A_PID" ] && kill "$A_PID" 2>/dev/null && wait "$A_PID" 2>/dev/null
  kill -TERM "$SERVE" 2>/dev/null  # a background job ignores SIGINT
  wait "$SERVE" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in $(seq 600); do grep -q '^cluster:' "$LOG" && break; kill -0 $SERVE 2>/dev/null || break; sleep 1; done
grep -q '^cluster:' "$LOG" || { cat "$LOG" >&2; exit 1; }
CONF=$(sed -n 's/^cluster: \([^;]*\);.*/\1/p' "$LOG")
WORK=$(dirname "$(dirname "$CONF")")
B_PID=$(sed -n 's/.*silt pid \([0-9]*\),.*/\1/p' "$LOG")
RGW_PID=$(sed -n 's/.*radosgw pid \([0-9]*\);.*/\1/p' "$LOG")
mkdir -p "$WORK/silt-a"
"$A_BIN" server --config "$WORK/silt.json" --data "$WORK/silt-a" --address 127.0.0.1:$A_PORT \
  --blocking-threads "$THREADS" --log-level warn </dev/null >"$WORK/silt-a.log" 2>&1 &
A_PID=$!
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$A_PORT/_silt/health/ready" && break; sleep 0.1; done
OSDS=$(awk '$1 ~ /^osd/ { print $2 }' "$WORK/ceph/daemons" | tr '\n' ' ')
declare -A EP PID
EP[a]=http://127.0.0.1:$A_PORT PID[a]=$A_PID
EP[b]=$(sed -n 's/^silt: --endpoint \([^ ]*\) .*/\1/p' "$LOG") PID[b]=$B_PID
EP[rgw]=$(sed -n 's/^rgw: --endpoint \([^ ]*\) .*/\1/p' "$LOG") PID[rgw]=$RGW_PID
creds() {
  if [ "$1" = rgw ]; then sed -n 's/^rgw: --endpoint [^ ]* \(.*\)/\1/p' "$LOG"; else sed -n 's/^silt: --endpoint [^ ]* \(.*\)/\1/p' "$LOG"; fi
}
bench() {  # server args...
  local s=$1
  shift
  # shellcheck disable=SC2046
  timeout 1800 "$BENCH" "$@" --endpoint "${EP[$s]}" $(creds "$s")
}
cpu() {  # pids...: utime+stime ticks summed
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done
  echo $t
}
echo "setup (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
for s in a rgw; do
  bench $s get --size 4K --objects 1000 --prefix g4k/ -c 16 --setup-only >/dev/null || exit 1
  bench $s get --size 64M --objects 4 --prefix g64m/ --setup-only >/dev/null || exit 1
  bench $s ranged-get --size 256M --prefix gr/ --setup-only >/dev/null || exit 1
done
WORKLOADS=(
  "ranged|ranged-get --size 256M -c 16 -n 256 --prefix gr/"
  "get-64m|get --size 64M -n 8 --objects 4 --prefix g64m/"
  "get-4k|get --size 4K -c 16 -d 5 --objects 1000 --prefix g4k/"
)
ONLY=${ONLY:-}  # a workload name: run only that one
ORDERS=("a b rgw" "b rgw a" "rgw a b")
for r in $(seq "$ROUNDS"); do
  for w in "${WORKLOADS[@]}"; do
    name=${w%%|*} args=${w#*|}
    [ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
    for s in ${ORDERS[$(((r - 1) % 3))]}; do
      g0=$(cpu "${PID[$s]}") o0=$(cpu $OSDS)
      # shellcheck disable=SC2086
      out=$(bench $s $args --json --label "$name")
      g1=$(cpu "${PID[$s]}") o1=$(cpu $OSDS)
      printf '{"round":%s,"workload":"%s","server":"%s","load":"%s","gw_cpu_s":%s,"osd_cpu_s":%s,"result":%s}\n' \
        "$r" "$name" "$s" "$(cut -d' ' -f1 /proc/loadavg)" "$(awk -v a="$g0" -v b="$g1" 'BEGIN { printf "%.2f", (b - a) / 100 }')" \
        "$(awk -v a="$o0" -v b="$o1" 'BEGIN { printf "%.2f", (b - a) / 100 }')" "${out:-null}" | tee -a "$OUT" >&2
    done
  done
done
/usr/bin/python3 - "$OUT" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
names = {"a": "A", "b": "B", "rgw": "RGW"}
for w in ("ranged", "get-64m", "get-4k"):
    metric = "ops_s" if w == "get-4k" else "mib_s"
    med = {}
    for s in ("a", "b", "rgw"):
        vals = [r["result"][metric] for r in rows if r["workload"] == w and r["server"] == s and r["result"]]
        cpu = [r["gw_cpu_s"] for r in rows if r["workload"] == w and r["server"] == s]
        osd = [r["osd_cpu_s"] for r in rows if r["workload"] == w and r["server"] == s]
        med[s] = statistics.median(vals) if vals else 0
        print(f"{w:8} {names[s]:4} {metric} {[round(v, 1) for v in vals]} median {med[s]:.1f}; "
              f"gateway CPU s {[round(c, 2) for c in cpu]}, OSD CPU s {[round(c, 2) for c in osd]}")
    if med["rgw"] and med["a"]:
        print(f"{w:8} B/RGW {med['b'] / med['rgw']:.2f}x  A/RGW {med['a'] / med['rgw']:.2f}x  B/A {med['b'] / med['a']:.2f}x")
EOF
