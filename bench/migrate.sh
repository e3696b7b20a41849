#!/usr/bin/env bash
# `silt admin migrate` timed (docs/cluster.md, "Migrating from a single node"): a single-node
# silt seeded with N small objects (build/bench/silt-bench put), a throwaway Ceph cluster
# (scripts/ceph-cluster.sh), then ROUNDS rounds, each into a fresh RADOS namespace: pass 1
# (online, --state), CHANGES new objects and CHANGES/3 overwrites on the old server, then the
# final run freezing at once (`--final --online-passes 0 --state --verify`: the write freeze,
# pass 2 reading only the changed keys, the verify step against a gateway). Prints one line per round and the
# medians; every process it starts is stopped by its PID.
#
#   [JOBS=8] bench/migrate.sh [N=10000] [CHANGES=300] [ROUNDS=3] [SIZE=4K]   (JOBS: migrate --jobs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000} CHANGES=${2:-300} ROUNDS=${3:-3} SIZE=${4:-4K} JOBS=${JOBS:-8}
SILT=$here/build/silt BENCH=$here/build/bench/silt-bench
work=$(mktemp -d /tmp/silt-migrate-bench.XXXXXX)
export SILT_ROOT_USER=bench-root SILT_ROOT_PASSWORD=bench-root-secret-0123456789
unset AWS_CA_BUNDLE
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  "$here/scripts/ceph-cluster.sh" stop "$work/ceph" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ready() { for _ in $(seq 600); do curl -sf "http://127.0.0.1:$1/_silt/health/ready" >/dev/null && return 0; sleep 0.1; done; return 1; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

"$here/scripts/ceph-cluster.sh" start "$work/ceph" | tail -1
old_port=$(port)
"$SILT" server --data "$work/old" --address "127.0.0.1:$old_port" >"$work/old.log" 2>&1 &
pids+=($!)
ready "$old_port"
old=http://127.0.0.1:$old_port
bench() { "$BENCH" put --endpoint "$old" --access-key "$SILT_ROOT_USER" --secret-key "$SILT_ROOT_PASSWORD" \
  --bucket migrate-bench -s "$SIZE" -c 8 --setup "$@" >"$work/bench.log" || { cat "$work/bench.log"; exit 1; }; }
t=$(date +%s.%N); bench -n "$N" --prefix seed/; echo "seeded $N objects of $SIZE in $(secs "$t") s"

for round in $(seq "$ROUNDS"); do
  ns=bench-$round-$RANDOM$RANDOM
  cat >"$work/rados-$round.json" <<JSON
{"backend": "rados", "rados": {"ceph_conf": "$work/ceph/ceph.conf", "namespace": "$ns"},
 "pools": [{"name": "standard", "rados_pool": "silt.std"}, {"name": "cold", "rados_pool": "silt.cold", "zstd_level": 3}],
 "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"}, "lifecycle": {"interval_seconds": 0}}
JSON
  load=$(cut -d' ' -f1 /proc/loadavg)
  t=$(date +%s.%N)
  "$SILT" admin migrate --jobs "$JOBS" --from "$old" --to "$work/rados-$round.json" --state "$work/state-$round" \
    >"$work/pass1-$round.log"
  p1=$(secs "$t")
  gw_port=$(port)
  "$SILT" server --config "$work/rados-$round.json" --address "127.0.0.1:$gw_port" >"$work/gw-$round.log" 2>&1 &
  gw=$!; pids+=($gw)
  ready "$gw_port"
  bench -n "$CHANGES" --prefix "round$round/"
  bench -n $((CHANGES / 3)) --objects $((CHANGES / 3)) --prefix seed/  # overwrites of seeded keys
  t=$(date +%s.%N)
  "$SILT" admin migrate --jobs "$JOBS" --from "$old" --to "$work/rados-$round.json" --final --online-passes 0 \
    --state "$work/state-$round" --verify "http://127.0.0.1:$gw_port" >"$work/pass2-$round.log"
  total=$(secs "$t")
  window=$(awk '/^freeze window/ { print $3 }' "$work/pass2-$round.log")
  grep -q 'result           identical' "$work/pass2-$round.log"
  "$SILT" admin migrate --from "$old" --unfreeze >/dev/null
  kill "$gw"; wait "$gw" || true
  versions=$(awk '/^  versions/ { print $2 }' "$work/pass1-$round.log")
  echo "round $round: load $load, pass 1 $p1 s ($versions versions, $(awk -v n="$versions" -v s="$p1" 'BEGIN { printf "%.0f", n / s }') versions/s), freeze window (pass 2 + verify, the final run $total s) $window s: $(grep '^  versions' "$work/pass2-$round.log" | tail -1 | sed 's/^ *versions *//')"
  echo "$p1 $window" >>"$work/times"
done
sort -n -k1 "$work/times" | awk '{ a[NR] = $1 } END { printf "median pass 1: %s s\n", a[int((NR + 1) / 2)] }'
sort -n -k2 "$work/times" | awk '{ a[NR] = $2 } END { printf "median freeze window: %s s\n", a[int((NR + 1) / 2)] }'
