#!/bin/bash
# ListObjectsV2 pages of 1000 at 1M keys, A/B on one cluster, against RGW's page (docs/performance.md,
# "Listing pages: the page's XML, and L entries tried"). Needs `bench/rados.sh --serve` running with SILT_BIN=A (gateway A on
# :9460, RGW on :9461). Starts gateway B (this build) on the same cluster, makes bucket lista through A
# and listb through B, seeds 1M keys into each (bench/silt-seed-rados), and an RGW bucket of RGW_KEYS keys by PUTs; then
# ROUNDS rounds, each running in turn: A on lista, B on listb, B on lista (a bucket A made),
# RGW. Per run: silt-bench's p50 over N pages, and per page the gateway's and the three OSDs' CPU
# (/proc/PID/stat) and the OSDs' read ops (perf dump op_r).
#   bench/rados_list_ab.sh WORK          (WORK: the directory --serve printed, /tmp/srb.XXXXXX)
# Env: B_PORT (9563), KEYS (1000000), RGW_KEYS (10000), N (100), ROUNDS (3), SKIP_SETUP=1 (buckets
# seeded already), A_BUCKET / B_BUCKET / RGW_BUCKET (lista / listb / listr), RUNS (the runs of a
# round, each LABEL:GATEWAY:BUCKET:PREFIX with GATEWAY a, b or rgw; default the four above),
# PUT_FILL (buckets to fill by PUTs through gateway B before the rounds, each BUCKET:PREFIX:KEYS;
# this build then writes their deltas and folds them), COMPACT=1 (`ceph tell osd.N compact` of
# every OSD before the rounds). A bucket just filled by PUTs lists slower until RocksDB drops
# the tombstones of the folded deltas (docs/cluster.md, "Packed listings"); to see it:
#   SKIP_SETUP=1 PUT_FILL="list100k:l100k/:100000" RUNS="B-100k:b:list100k:l100k/" bench/rados_list_ab.sh WORK
#   SKIP_SETUP=1 COMPACT=1 RUNS="B-100k:b:list100k:l100k/" bench/rados_list_ab.sh WORK
# (without SKIP_SETUP=1 the first also seeds lista and listb with KEYS each).
set -euo pipefail
W=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
BENCH=$BUILD/bench/silt-bench
PA=9460 PR=9461 PB=${B_PORT:-9563} N=${N:-100} ROUNDS=${ROUNDS:-3}
BA=${A_BUCKET:-lista} BB=${B_BUCKET:-listb} BR=${RGW_BUCKET:-listr}
SILT="--access-key siltadmin --secret-key siltadmin-secret"
RGW="--access-key bench-rgw-access --secret-key bench-rgw-secret-0123456789"
pid_of_port() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
if [ -z "$(pid_of_port $PB)" ]; then  # started here, stopped at exit (by its PID)
  "$BUILD/silt" server --config "$W/silt.json" --data "$W/silt-data-b" --address 127.0.0.1:$PB \
    --blocking-threads 64 --log-level warn </dev/null >"$W/silt-b.log" 2>&1 &
  trap "kill $! 2>/dev/null" EXIT
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$PB/_silt/health/ready" && break; sleep 0.2; done
fi
PIDA=$(pid_of_port $PA) PIDB=$(pid_of_port $PB) PIDR=$(pid_of_port $PR)
[ "$(readlink -f /proc/$PIDB/exe)" = "$(readlink -f "$BUILD/silt")" ] ||
  { echo "port $PB is another program's ($(readlink -f /proc/$PIDB/exe)): set B_PORT" >&2; exit 1; }
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  "$BENCH" list --endpoint http://127.0.0.1:$PA $SILT --bucket $BA --size 0 --objects 1 --prefix x/ --setup-only
  "$BENCH" list --endpoint http://127.0.0.1:$PB $SILT --bucket $BB --size 0 --objects 1 --prefix x/ --setup-only
  for b in $BA $BB; do
    "$BUILD/bench/silt-seed-rados" --ceph-conf "$W/ceph/ceph.conf" --index-pool bench.silt.index --bucket $b \
      --prefix lb/s1- -n "${KEYS:-1000000}"
  done
  "$BENCH" list --endpoint http://127.0.0.1:$PR $RGW --bucket $BR --size 0 --objects "${RGW_KEYS:-10000}" \
    --prefix l10k/ -c 16 --setup-only
fi
for spec in ${PUT_FILL:-}; do
  IFS=: read -r bucket prefix keys <<<"$spec"
  "$BENCH" list --endpoint http://127.0.0.1:$PB $SILT --bucket "$bucket" --size 0 --objects "$keys" \
    --prefix "$prefix" -c 16 --setup-only
done
if [ "${COMPACT:-0}" = 1 ]; then
  for id in $(awk '/^osd\./ {sub(/^osd\./, "", $1); print $1}' "$W/ceph/daemons" | sort -u); do
    ceph -c "$W/ceph/ceph.conf" tell "osd.$id" compact >/dev/null
  done
fi
osds=$(awk '/^osd/ {print $2}' "$W/ceph/daemons")
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
op_r() {
  local t=0 a
  for a in "$W"/ceph/asok/osd.*.asok; do
    t=$((t + $(ceph --admin-daemon "$a" perf dump | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["osd"]["op_r"])')))
  done
  echo $t
}
run() {  # label port bucket gateway-pid prefix credentials...
  local label=$1 port=$2 bucket=$3 pid=$4 prefix=$5 o0 g0 r0 out
  shift 5
  o0=$(ticks $osds) g0=$(ticks "$pid") r0=$(op_r)
  out=$("$BENCH" list --endpoint "http://127.0.0.1:$port" "$@" --bucket "$bucket" --max-keys 1000 --prefix "$prefix" \
    -n "$N" --json)
  HZ=$(getconf CLK_TCK) N=$N OSD=$(($(ticks $osds) - o0)) GW=$(($(ticks "$pid") - g0)) OPR=$(($(op_r) - r0)) \
    LABEL=$label /usr/bin/python3 -c '
import json, os, sys
j, e = json.load(sys.stdin), os.environ
per = lambda t: int(t) * 1000 / int(e["HZ"]) / int(e["N"])
print("%-8s p50 %6.2f ms  OSD CPU %4.2f ms/page  gateway CPU %4.2f ms/page  op_r/page %4.2f  errors %d  load %s" % (
    e["LABEL"], j["latency_ms"]["p50"], per(e["OSD"]), per(e["GW"]), int(e["OPR"]) / int(e["N"]), j["errors"],
    open("/proc/loadavg").read().split()[0]))' <<<"$out"
}
RUNS=${RUNS:-"A-O:a:$BA:lb/ B-L:b:$BB:lb/ B-O:b:$BA:lb/ RGW:rgw:$BR:l10k/"}
for r in $(seq "$ROUNDS"); do
  echo "round $r"
  for spec in $RUNS; do
    IFS=: read -r label gw bucket prefix <<<"$spec"
    case $gw in
      a) run "$label" $PA "$bucket" "$PIDA" "$prefix" $SILT ;;
      b) run "$label" $PB "$bucket" "$PIDB" "$prefix" $SILT ;;
      rgw) run "$label" $PR "$bucket" "$PIDR" "$prefix" $RGW ;;
      *) echo "RUNS: unknown gateway $gw in $spec" >&2; exit 2 ;;
    esac
  done
done
