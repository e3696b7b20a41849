#!/usr/bin/env bash
# silt on RADOS side by side with Ceph RGW on ONE throwaway cluster (issue 17 item 7;
# docs/performance.md, "silt on RADOS against Ceph RGW").
#
#   bench/rados.sh              full run (~30-50 min on 2 loaded cores): every workload, 3 rounds,
#                               listing pages at 10k keys and at every size of --big
#   bench/rados.sh --quick      smoke (~3 min): every step once with small sizes; proves the
#                               harness works, its figures mean nothing. Not run by scripts/test.sh.
# Options: --reps N (default 3; --quick: 1), --big "100k 1m" (bucket sizes for the big listing,
# in increasing order; the bucket grows from one to the next; --quick: "2k 5k 20k"), --keep
# (keep the work dir), --serve (start the cluster and both gateways, print their endpoints and
# keys, measure nothing, and keep serving until interrupted: for profiling by hand).
# Env: SILT_BIN (default build/silt, built with librados), BENCH_BIN (default
# build-bench/bench/silt-bench, built if missing), SEEDER_BIN (default silt-seed-rados beside
# SILT_BIN, built if missing), SILT_THREADS (silt's --blocking-threads, default 64), SILT_PORT
# (9460), RGW_PORT (9461), SEED_CONNS (connections per gateway while PUTs seed the big bucket,
# default 32), RGW_MAX_KEYS (the biggest bucket seeded through PUTs into both; past it silt
# alone, by silt-seed-rados: default 100000, --quick 5000).
#
# One cluster: scripts/ceph-cluster.sh (mon + 3 OSDs on 127.0.0.1, bluestore on sparse files,
# the test suite's recipe), stopped by PID at exit. Both gateways get the same pools: an index
# pool replicated size 2 and a data pool on the EC profile silt-isa-2-1 (isa, k=2 m=1, failure
# domain osd), 8 PGs each. silt's pools come from `silt admin rados init`; RGW's index and data
# pools are created before radosgw starts (its other pools radosgw creates itself). radosgw runs
# with start-rgw.sh's frontend settings (beast, tcp_nodelay, 64 threads). The same client
# (silt-bench) runs the same workloads against both, alternating (silt, rgw, silt, rgw ...).
# Needs: scripts/install-deps.sh --bench (radosgw and the Ceph packages).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0 REPS="" KEEP=0 BIG="" SERVE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --reps) REPS=$2; shift ;;
    --big) BIG=$2; shift ;;
    --keep) KEEP=1 ;;
    --serve) SERVE=1 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ $QUICK = 1 ]; then
  REPS=${REPS:-1} BIG=${BIG:-2k 5k 20k} RGW_MAX_KEYS=${RGW_MAX_KEYS:-5000}
else
  REPS=${REPS:-3} BIG=${BIG:-100k 1m} RGW_MAX_KEYS=${RGW_MAX_KEYS:-100000}
fi

SILT_BIN=${SILT_BIN:-$ROOT/build/silt}
BENCH=${BENCH_BIN:-$ROOT/build-bench/bench/silt-bench}
SEEDER=${SEEDER_BIN:-$(dirname "$SILT_BIN")/bench/silt-seed-rados}
SILT_PORT=${SILT_PORT:-9460} RGW_PORT=${RGW_PORT:-9461} SEED_CONNS=${SEED_CONNS:-32}
# silt's blocking pool, where a GET waits on its RADOS reads (default 8, sized for local drives):
# as many threads as radosgw runs (rgw thread pool size 64, start-rgw.sh's setting), so that 16
# concurrent requests are not 8 at a time (docs/performance.md, "silt on RADOS against Ceph RGW").
SILT_THREADS=${SILT_THREADS:-64}
PY=/usr/bin/python3
command -v radosgw >/dev/null || { echo "radosgw not installed: scripts/install-deps.sh --bench" >&2; exit 1; }
[ -x "$SILT_BIN" ] || { echo "no silt binary at $SILT_BIN (set SILT_BIN)" >&2; exit 1; }
# The seeder writes silt's index entries itself, so it must match the silt it seeds for (a stale
# one wrote no listing deltas into packed buckets): brought up to date beside SILT_BIN every run.
if [ -z "${SEEDER_BIN:-}" ]; then
  (cd "$ROOT" && nice -n 15 ninja -C "$(dirname "$SILT_BIN")" bench/silt-seed-rados >/dev/null) ||
    { echo "no silt-seed-rados beside $SILT_BIN (a build with librados; set SEEDER_BIN)" >&2; exit 1; }
fi
if [ ! -x "$BENCH" ]; then
  (cd "$ROOT" && { [ -f build-bench/build.ninja ] || meson setup build-bench; } &&
    nice -n 15 ninja -C build-bench bench/silt-bench) || exit 1
fi
for p in $SILT_PORT $RGW_PORT; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then
    echo "port $p is taken by another server: set SILT_PORT / RGW_PORT" >&2
    exit 1
  fi
done

# Short: the cluster's admin sockets live inside it (scripts/ceph-cluster.sh allows 80 chars).
WORK=$(mktemp -d /tmp/srb.XXXXXX)
CEPH=$WORK/ceph CONF=$WORK/ceph/ceph.conf
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
START_TS=$(date +%s)
log() { echo "[$(($(date +%s) - START_TS))s] $*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

SILT_PID="" RGW_PID=""
stop_pid() {  # pid: TERM, then KILL after 15 s; only the PIDs this script started
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
cleanup() {
  log "stopping silt, radosgw and the cluster"
  stop_pid "$SILT_PID"
  stop_pid "$RGW_PID"
  [ -f "$CEPH/daemons" ] && "$ROOT/scripts/ceph-cluster.sh" stop "$CEPH" >&2
  if [ $KEEP = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------- the cluster and its pools ----------
log "load average at start: $(loadavg)"
"$ROOT/scripts/ceph-cluster.sh" start "$CEPH" >&2 || exit 1
ceph_cmd() { timeout 60 ceph -c "$CONF" "$@" >>"$WORK/ceph-cmd.log" 2>&1; }

cat >"$WORK/silt.json" <<EOF
{
  "backend": "rados",
  "rados": {"ceph_conf": "$CONF", "index_pool": "bench.silt.index", "failure_domain": "osd", "pg_num": 8},
  "pools": [{"name": "standard", "rados_pool": "bench.silt.data", "k": 2, "m": 1,
             "ec_profile": "silt-isa-2-1", "price_per_tb_month": 20}],
  "storage_classes": {"STANDARD": "standard"}
}
EOF
"$SILT_BIN" admin rados init --config "$WORK/silt.json" >"$WORK/rados-init.log" 2>&1 ||
  { cat "$WORK/rados-init.log" >&2; exit 1; }
log "silt pools: $(tr '\n' ';' <"$WORK/rados-init.log")"

# RGW's pools of the default zone: the bucket index replicated like silt's index (the cluster's
# default size 2), the data pool erasure-coded with silt's profile. Created before radosgw
# starts, so it uses them instead of creating replicated ones.
ceph_cmd osd pool create default.rgw.buckets.index 8 8 replicated &&
  ceph_cmd osd pool create default.rgw.buckets.data 8 8 erasure silt-isa-2-1 &&
  ceph_cmd osd pool application enable default.rgw.buckets.index rgw &&
  ceph_cmd osd pool application enable default.rgw.buckets.data rgw ||
  { cat "$WORK/ceph-cmd.log" >&2; exit 1; }

# ---------- the gateways ----------
mkdir -p "$WORK/rgw" "$WORK/silt-data"
cat >>"$CONF" <<EOF
[client.rgw.bench]
rgw data = $WORK/rgw
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw dns name = localhost
rgw thread pool size = 64
EOF
radosgw -c "$CONF" -n client.rgw.bench -f </dev/null >"$WORK/radosgw.out" 2>&1 &
RGW_PID=$!
"$SILT_BIN" server --config "$WORK/silt.json" --data "$WORK/silt-data" --address 127.0.0.1:$SILT_PORT \
  --blocking-threads "$SILT_THREADS" --log-level warn </dev/null >"$WORK/silt.log" 2>&1 &
SILT_PID=$!
wait_http() {  # pid url name
  for _ in $(seq 1200); do
    kill -0 "$1" 2>/dev/null || break
    curl -s -o /dev/null --max-time 2 "$2" && return 0
    sleep 0.1
  done
  echo "$3 did not start" >&2
  return 1
}
wait_http "$SILT_PID" "http://127.0.0.1:$SILT_PORT/_silt/health/ready" silt || { tail -5 "$WORK/silt.log" >&2; exit 1; }
wait_http "$RGW_PID" "http://127.0.0.1:$RGW_PORT/" radosgw || { tail -5 "$WORK/radosgw.out" "$CEPH/log/client.rgw.bench.log" >&2; exit 1; }
RGW_AK=bench-rgw-access RGW_SK=bench-rgw-secret-0123456789
timeout 120 radosgw-admin -c "$CONF" user create --uid bench --access-key "$RGW_AK" --secret "$RGW_SK" \
  --display-name bench >/dev/null 2>>"$WORK/ceph-cmd.log" || { tail -5 "$WORK/ceph-cmd.log" >&2; exit 1; }
log "silt (pid $SILT_PID) on :$SILT_PORT, radosgw (pid $RGW_PID) on :$RGW_PORT"

declare -A EP AK SK
EP[silt]=http://127.0.0.1:$SILT_PORT AK[silt]=siltadmin SK[silt]=siltadmin-secret
EP[rgw]=http://127.0.0.1:$RGW_PORT AK[rgw]=$RGW_AK SK[rgw]=$RGW_SK
SERVERS=(silt rgw)
if [ $SERVE = 1 ]; then
  for s in "${SERVERS[@]}"; do echo "$s: --endpoint ${EP[$s]} --access-key ${AK[$s]} --secret-key ${SK[$s]}"; done
  echo "cluster: $CONF; silt pid $SILT_PID, radosgw pid $RGW_PID; interrupt to stop"
  sleep infinity &
  wait $!
  exit 0
fi

# ---------- measuring ----------
bench() {  # server silt-bench-args...: runs silt-bench against that server, prints its output
  local s=$1
  shift
  timeout 3600 "$BENCH" "$@" --endpoint "${EP[$s]}" --access-key "${AK[$s]}" --secret-key "${SK[$s]}"
}

# workload NAME METRIC "WHAT" silt-bench-args...: REPS rounds, each server once per round in turn.
# {rep} in an argument becomes the round (PUT rounds write new keys, never replace the last round's).
workload() {
  local name=$1 metric=$2 what=$3 r s out
  shift 3
  for r in $(seq "$REPS"); do
    for s in "${SERVERS[@]}"; do
      out=$(bench "$s" "${@//\{rep\}/$r}" --json --label "$name" 2>"$WORK/bench.err")
      [ -n "$out" ] || out="{\"error\":\"$(head -c 300 "$WORK/bench.err" | tr -d '"\\' | tr '\n' ' ')\"}"
      printf '{"workload":"%s","metric":"%s","what":"%s","server":"%s","rep":%s,"load":"%s","args":"%s","result":%s}\n' \
        "$name" "$metric" "$what" "$s" "$r" "$(loadavg)" "${*//\{rep\}/$r}" "$out" >>"$RESULTS"
      log "$name $s #$r: $(echo "$out" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("error " + j["error"] if "error" in j else "%.1f MiB/s %.1f ops/s p50 %.2f ms errors %d" % (j["mib_s"], j["ops_s"], j["latency_ms"]["p50"], j["errors"]))')"
    done
  done
}

setup() {  # silt-bench-args... with --setup-only, on every server at once (setup is not measured)
  local s pids=()
  rm -f "$WORK"/setup-*.time
  for s in "${SERVERS[@]}"; do
    (t0=$(date +%s.%N)
      bench "$s" "$@" --setup-only >"$WORK/setup-$s.log" 2>&1 || exit 1
      awk -v s="$s" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%s %.1f s\n", s, b - a }' >"$WORK/setup-$s.time") &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [ $rc = 0 ] || { log "setup failed ($*): $(tail -c 300 "$WORK"/setup-*.log)"; exit 1; }
}

count() {  # 100k, 1m, 5k -> a number
  case "$1" in *k) echo $((${1%k} * 1000)) ;; *m) echo $((${1%m} * 1000000)) ;; *) echo "$1" ;; esac
}

if [ $QUICK = 1 ]; then
  S4K_D=1 S64=8M S64N=2 RANGED=32M RANGEDN=32 L10K=1000
else
  S4K_D=5 S64=64M S64N=4 RANGED=256M RANGEDN=256 L10K=10000
fi
log "setup: objects the read workloads need, on both gateways"
setup get --size 4K --objects 1000 --prefix g4k/ -c 16
setup get --size "$S64" --objects "$S64N" --prefix g64m/
setup ranged-get --size "$RANGED" --prefix gr/
setup list --size 0 --objects "$L10K" --prefix l10k/ -c 16

workload put-4k-c16 ops_s "PUT 4 KiB, 16 connections, ${S4K_D} s, new keys" put --size 4K -c 16 -d "$S4K_D" --prefix p4k/r{rep}/
workload get-4k-c16 ops_s "GET 4 KiB, 16 connections, ${S4K_D} s, 1000 keys" get --size 4K -c 16 -d "$S4K_D" --objects 1000 --prefix g4k/
workload put-64m mib_s "PUT $S64, 1 stream, $S64N new keys, UNSIGNED-PAYLOAD" put --size "$S64" -n "$S64N" --prefix p64m/r{rep}/
workload get-64m mib_s "GET $S64, 1 stream, $S64N keys twice" get --size "$S64" -n $((S64N * 2)) --objects "$S64N" --prefix g64m/
workload ranged-1m-c16 mib_s "16 parallel 1 MiB ranged GETs of one $RANGED object ($RANGEDN ranges)" ranged-get --size "$RANGED" -c 16 -n "$RANGEDN" --prefix gr/
workload list-10k p50_ms "ListObjectsV2 page of 1000 (delimiter /) over $L10K keys, 30 pages" list --max-keys 1000 --prefix l10k/ -n 30

# The big bucket grows stage by stage; after each stage the first 30 pages of lb/ are listed (one
# bucket per gateway, the same keys). Up to RGW_MAX_KEYS, stage i adds keys lb/sI-obj-N (zero bytes)
# with SEED_CONNS parallel PUTs into both gateways at once. Past it (PUTs into RGW run at a few
# hundred a second here: 1M would take hours) only silt grows, through silt-seed-rados (batched
# omap writes of the records silt wrote for lb/s1-obj-00000000), and its pages are compared with
# RGW's at RGW_MAX_KEYS, RGW's cost per page at most growing with its bucket.
have=0 stage=0
for size in $BIG; do
  want=$(count "$size")
  [ "$want" -gt "$have" ] || continue
  stage=$((stage + 1))
  t0=$(date +%s)
  if [ "$want" -le "$RGW_MAX_KEYS" ]; then
    log "seeding $((want - have)) keys into lb/ through PUTs on both gateways ($SEED_CONNS connections each; load $(loadavg))"
    setup list --size 0 --objects $((want - have)) --prefix "lb/s$stage-" -c "$SEED_CONNS"
  else
    [ $stage -gt 1 ] && [ "$have" -gt 0 ] || { log "--big: the first size must be at most RGW_MAX_KEYS ($RGW_MAX_KEYS)"; exit 1; }
    [ ${#SERVERS[@]} = 1 ] || log "RGW stays at $have keys (RGW_MAX_KEYS)"
    SERVERS=(silt)
    log "seeding $((want - have)) keys into lb/ on silt through silt-seed-rados (load $(loadavg))"
    out=$("$SEEDER" --ceph-conf "$CONF" --index-pool bench.silt.index --bucket silt-bench \
      --prefix "lb/s$stage-" -n $((want - have))) || { log "silt-seed-rados failed"; exit 1; }
    echo "silt $(($(date +%s) - t0)) s: $out" >"$WORK/setup-silt.time"
  fi
  log "seeded to $want keys in $(($(date +%s) - t0)) s: $(cat "$WORK"/setup-*.time | tr '\n' ' ')"
  printf '{"workload":"seed-%s","server":"both","rep":1,"load":"%s","result":{"seconds":%s,"detail":"%s"}}\n' \
    "$size" "$(loadavg)" $(($(date +%s) - t0)) "$(cat "$WORK"/setup-*.time | tr -d '"' | tr '\n' ' ')" >>"$RESULTS"
  have=$want
  workload "list-$size" p50_ms "ListObjectsV2 page of 1000 (delimiter /) over $want keys, first 30 pages" list --max-keys 1000 --prefix lb/ -n 30
done

log "load average at end: $(loadavg)"
[ $QUICK = 1 ] || cp "$RESULTS" "$ROOT/bench/last-rados.jsonl"
$PY "$ROOT/bench/rados_report.py" "$RESULTS" || exit 1
log "done in $(($(date +%s) - START_TS)) s"
