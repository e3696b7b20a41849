#!/usr/bin/env bash
# Measures silt side by side with Ceph RGW, s3rver and nginx in one run, with the machine's
# ceilings (md5sum, sha256sum, dd conv=fsync, nginx) taken in the same run, and writes the
# table into docs/performance.md and the figures into bench/last.json.
#
#   bench/run.sh                 full run (~20-30 min on 2 cores): every server, every workload
#   bench/run.sh --quick         silt only, a few small workloads (< 2 min); compares with the
#                                quick figures in bench/last.json and prints the ratios
#   bench/run.sh --quick --record  ... and stores the new quick figures in bench/last.json
# Options: --no-rgw, --no-s3rver, --reps N (default 3), --keep (keep the temp dir).
# Env: SILT_BIN (default build/silt), BENCH_BIN (default build-bench/bench/silt-bench, built if
# missing), PEERS_DIR (default ../shared/peers), SILT_PORT/S3RVER_PORT/RGW_PORT/NGINX_PORT,
# LOADER_BIN (default build-bench/bench/silt-load-index, built if missing), BIG_LISTS (listing
# workloads over keys written by the loader, silt only: default "1m 10m" in a full run, "" with
# --quick; each stops silt, loads, restarts it; the loader writes ~37k records/s on an idle
# 2-core machine: 1m adds ~1 min, 10m ~6 min and ~2.1 GB of index).
# Needs: scripts/install-deps.sh --bench (nginx-light, wrk, the Ceph packages, npm for s3rver).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/nginx_conf.sh"
QUICK=0 RECORD=0 REPS=3 KEEP=0 WANT_RGW=1 WANT_S3RVER=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --record) RECORD=1 ;;
    --reps) REPS=$2; shift ;;
    --keep) KEEP=1 ;;
    --no-rgw) WANT_RGW=0 ;;
    --no-s3rver) WANT_S3RVER=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

SILT_BIN=${SILT_BIN:-$ROOT/build/silt}
BENCH=${BENCH_BIN:-$ROOT/build-bench/bench/silt-bench}
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/peers}
SILT_PORT=${SILT_PORT:-9400} S3RVER_PORT=${S3RVER_PORT:-8401} RGW_PORT=${RGW_PORT:-8402} NGINX_PORT=${NGINX_PORT:-8403}
PY=/usr/bin/python3

if [ ! -x "$BENCH" ]; then
  (cd "$ROOT" && { [ -f build-bench/build.ninja ] || meson setup build-bench; } &&
    nice -n 15 ninja -C build-bench bench/silt-bench) || exit 1
fi
[ -x "$SILT_BIN" ] || { echo "no silt binary at $SILT_BIN (set SILT_BIN)" >&2; exit 1; }
if [ $QUICK = 1 ]; then BIG_LISTS=${BIG_LISTS-}; else BIG_LISTS=${BIG_LISTS-1m 10m}; fi
LOADER=${LOADER_BIN:-$ROOT/build-bench/bench/silt-load-index}
if [ -n "$BIG_LISTS" ] && [ ! -x "$LOADER" ]; then
  (cd "$ROOT" && { [ -f build-bench/build.ninja ] || meson setup build-bench; } &&
    nice -n 15 ninja -C build-bench bench/silt-load-index) || exit 1
fi

WORK=$(mktemp -d /tmp/silt-bench.XXXXXX)
chmod 755 "$WORK"
RESULTS=$WORK/results.jsonl WORKLOADS=$WORK/workloads.jsonl NOTES=$WORK/notes.txt
: >"$RESULTS"; : >"$WORKLOADS"; : >"$NOTES"
START_TS=$(date +%s)
log() { echo "[$(($(date +%s) - START_TS))s] $*" >&2; }
note() { echo "$*" >>"$NOTES"; log "note: $*"; }

SILT_PID="" NGINX_PID="" TLS_PID=""
cleanup() {
  log "stopping servers"
  [ -n "$SILT_PID" ] && kill "$SILT_PID" 2>/dev/null
  [ -n "$TLS_PID" ] && kill "$TLS_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
  if [ -f "$WORK/peers/s3rver/loop.pid" ]; then
    touch "$WORK/peers/s3rver/stop.flag"
    kill "$(cat "$WORK/peers/s3rver/loop.pid")" 2>/dev/null
    kill "$(cat "$WORK/peers/s3rver/node.pid")" 2>/dev/null
  fi
  [ -d "$WORK/peers/rgw" ] && PEERS=$WORK/peers "$PEERS_DIR/stop-rgw.sh" >/dev/null 2>&1
  wait 2>/dev/null
  if [ $KEEP = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  log "cleaned up"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A EP AK SK
EP[silt]=http://127.0.0.1:$SILT_PORT AK[silt]=siltadmin SK[silt]=siltadmin-secret
EP[rgw]=http://127.0.0.1:$RGW_PORT AK[rgw]=${PEER_ACCESS_KEY:-peeradmin} SK[rgw]=${PEER_SECRET_KEY:-peeradmin-secret-key}
EP[s3rver]=http://127.0.0.1:$S3RVER_PORT AK[s3rver]=${AK[rgw]} SK[s3rver]=${SK[rgw]}
EP[nginx]=http://127.0.0.1:$NGINX_PORT AK[nginx]=none SK[nginx]=none

# ---------- servers ----------
start_silt() {  # [seconds to wait for readiness, default 10: an index of millions of keys takes longer]
  local wait_s=${1:-10}
  # Something already answering there would be measured instead (a server left over from an
  # earlier run answers the health check before ours fails to bind).
  if curl -s -o /dev/null --max-time 2 "${EP[silt]}/"; then
    echo "port $SILT_PORT is taken by another server: stop it or set SILT_PORT" >&2
    return 1
  fi
  "$SILT_BIN" server --data "$WORK/silt-data" --address 127.0.0.1:$SILT_PORT --log-level warn \
    >"$WORK/silt.log" 2>&1 &
  SILT_PID=$!
  for _ in $(seq $((wait_s * 10))); do
    kill -0 "$SILT_PID" 2>/dev/null || break  # e.g. the port is taken: do not measure someone else's server
    curl -sf -o /dev/null "${EP[silt]}/_silt/health/ready" && return 0
    sleep 0.1
  done
  echo "silt did not start: $(tail -5 "$WORK/silt.log")" >&2
  return 1
}

start_nginx() {
  nginx_conf "$WORK/nginx" "$NGINX_PORT"
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "${EP[nginx]}/" && return 0; sleep 0.1; done
  return 1
}

# nginx serves the very bytes silt-bench sends, at the paths silt-bench asks for.
nginx_files() {  # prefix size count
  local dir=$WORK/nginx/www/silt-bench/$1
  mkdir -p "$dir"
  "$BENCH" get --size "$2" --write-body "$dir/obj-00000000"
  for i in $(seq 1 $(($3 - 1))); do ln "$dir/obj-00000000" "$(printf '%s/obj-%08d' "$dir" "$i")"; done
}

SERVERS=(silt)
start_silt || exit 1
log "silt $SILT_BIN on ${EP[silt]} (pid $SILT_PID)"
if [ $QUICK = 0 ]; then
  if command -v nginx >/dev/null && start_nginx; then log "nginx on ${EP[nginx]}"; else note "nginx could not start: no nginx ceilings"; fi
  if [ $WANT_RGW = 1 ]; then
    if PEERS=$WORK/peers RGW_PORT=$RGW_PORT timeout 300 "$PEERS_DIR/start-rgw.sh" >"$WORK/rgw-start.log" 2>&1; then
      SERVERS+=(rgw)
      log "rgw on ${EP[rgw]}"
    else
      note "Ceph RGW did not start ($(tail -2 "$WORK/rgw-start.log" | tr -d '"\\' | tr '\n' ' ')); measured without it"
    fi
  fi
  if [ $WANT_S3RVER = 1 ]; then
    if PEERS=$WORK/peers PORT=$S3RVER_PORT timeout 300 "$PEERS_DIR/start-s3rver.sh" >"$WORK/s3rver-start.log" 2>&1; then
      SERVERS+=(s3rver)
      log "s3rver on ${EP[s3rver]}"
    else
      note "s3rver did not start ($(tail -2 "$WORK/s3rver-start.log" | tr -d '"\\' | tr '\n' ' ')); measured without it"
    fi
  fi
fi

# ---------- measuring ----------
BENCH_SHOWN=${BENCH#"$ROOT"/}
record() {  # workload server rep cmd-string result-json
  printf '{"workload":"%s","server":"%s","rep":%s,"cmd":"%s","result":%s}\n' "$1" "$2" "$3" "$4" "$5" >>"$RESULTS"
}

run_bench() {  # workload server rep silt-bench-args...
  local w=$1 s=$2 r=$3
  shift 3
  # {rep} in an argument becomes the round number: small-PUT rounds write new keys each time
  # (silt-bench numbers keys from obj-00000000 in every run, so a later round would overwrite the
  # first round's keys, which costs a server the removal of the replaced data as well).
  local args=("${@//\{rep\}/$r}" --endpoint "${EP[$s]}" --access-key "${AK[$s]}" --secret-key "${SK[$s]}")
  local out
  # Every run starts with nothing dirty in the page cache: otherwise a server is measured while
  # the disk still writes back the previous server's gigabyte (all servers share one disk here).
  sync
  out=$(timeout 900 "$BENCH" "${args[@]}" --json --label "$w" 2>"$WORK/bench.err")
  if [ -z "$out" ]; then
    out="{\"error\":\"$(head -c 300 "$WORK/bench.err" | tr -d '"\\' | tr '\n' ' ')\"}"
  fi
  record "$w" "$s" "$r" "$BENCH_SHOWN ${args[*]}" "$out"
  log "$w $s #$r: $(echo "$out" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("error " + j["error"] if "error" in j else "%.1f MiB/s %.1f ops/s p50 %.2f ms errors %d" % (j["mib_s"], j["ops_s"], j["latency_ms"]["p50"], j["errors"]))')"
}

setup_bench() {  # server silt-bench-args... (creates what a read workload needs)
  local s=$1
  shift
  timeout 1800 "$BENCH" "$@" --setup-only --endpoint "${EP[$s]}" --access-key "${AK[$s]}" --secret-key "${SK[$s]}" ||
    note "setup on $s failed: $*"
}

# workload NAME METRIC "WHO" "WHAT" silt-bench-args...   (WHO: servers to measure, "s3" = every S3 server)
# Runs REPS rounds; in each round every server once, in turn (A B C A B C ...).
workload() {
  local name=$1 metric=$2 who=$3 what=$4
  shift 4
  local servers=()
  for s in $who; do
    if [ "$s" = s3 ]; then servers+=("${SERVERS[@]}"); elif [ "$s" = silt ]; then servers+=(silt); elif [ "$s" = nginx ] && [ -n "$NGINX_PID" ]; then servers+=(nginx)
    elif [ "$s" = silt_tls ] && [ -n "$TLS_PID" ]; then servers+=(silt_tls); fi
  done
  printf '{"name":"%s","metric":"%s","what":"%s"}\n' "$name" "$metric" "$what" >>"$WORKLOADS"
  for r in $(seq "$REPS"); do
    for s in "${servers[@]}"; do run_bench "$name" "$s" "$r" "$@"; done
  done
}

# A shell command timed as one operation of BYTES; records MiB/s.
timed() {  # workload server rep bytes command...
  local w=$1 s=$2 r=$3 bytes=$4
  shift 4
  local t0 t1 rc
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$WORK/timed.err"
  rc=$?
  t1=$(date +%s.%N)
  local res
  if [ $rc = 0 ]; then
    res=$(awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN{printf "{\"mib_s\":%.3f,\"elapsed_s\":%.3f}", b/1048576/(z-a), z-a}')
  else
    res="{\"error\":\"exit $rc: $(head -c 200 "$WORK/timed.err" | tr -d '"\\' | tr '\n' ' ')\"}"
  fi
  local shown="$*"
  record "$w" "$s" "$r" "${shown//$WORK/\$WORK}" "$res"
  log "$w $s #$r: $res"
}

ceilings() {  # file size-bytes
  printf '{"name":"ceil-md5sum","metric":"mib_s","what":"md5sum of the 1 GiB body (page cache), one core"}\n' >>"$WORKLOADS"
  printf '{"name":"ceil-sha256sum","metric":"mib_s","what":"sha256sum of the same bytes, one core"}\n' >>"$WORKLOADS"
  printf '{"name":"ceil-dd-fsync","metric":"mib_s","what":"dd bs=1M conv=fsync of the same bytes into the data filesystem"}\n' >>"$WORKLOADS"
  for r in $(seq "$REPS"); do
    timed ceil-md5sum machine "$r" "$2" md5sum "$1"
    timed ceil-sha256sum machine "$r" "$2" sha256sum "$1"
    timed ceil-dd-fsync machine "$r" "$2" dd if="$1" of="$WORK/dd.out" bs=1M conv=fsync status=none
    rm -f "$WORK/dd.out"
  done
}

# Real clients: aws cli and rclone moving one file, as a user sees it.
clients() {  # file size-bytes
  local f=$1 bytes=$2
  for n in cli-aws-put cli-aws-get cli-rclone-put cli-rclone-get; do
    printf '{"name":"%s","metric":"mib_s","what":"%s"}\n' "$n" "$n of a 256 MiB file (defaults: multipart)" >>"$WORKLOADS"
  done
  for r in $(seq "$REPS"); do
    for s in "${SERVERS[@]}"; do
      local env=(env AWS_ACCESS_KEY_ID="${AK[$s]}" AWS_SECRET_ACCESS_KEY="${SK[$s]}" AWS_DEFAULT_REGION=us-east-1)
      local renv=(env -u AWS_CA_BUNDLE RCLONE_CONFIG_B_TYPE=s3 RCLONE_CONFIG_B_PROVIDER=Other
        RCLONE_CONFIG_B_ENDPOINT="${EP[$s]}" RCLONE_CONFIG_B_ACCESS_KEY_ID="${AK[$s]}"
        RCLONE_CONFIG_B_SECRET_ACCESS_KEY="${SK[$s]}" RCLONE_CONFIG_B_REGION=us-east-1)
      timed cli-aws-put "$s" "$r" "$bytes" "${env[@]}" aws --endpoint-url "${EP[$s]}" s3 cp "$f" s3://silt-bench/cli/aws256
      timed cli-aws-get "$s" "$r" "$bytes" "${env[@]}" aws --endpoint-url "${EP[$s]}" s3 cp s3://silt-bench/cli/aws256 -
      timed cli-rclone-put "$s" "$r" "$bytes" "${renv[@]}" rclone copyto --ignore-times "$f" b:silt-bench/cli/rclone256
      timed cli-rclone-get "$s" "$r" "$bytes" "${renv[@]}" rclone cat b:silt-bench/cli/rclone256
    done
  done
}

# Peak RSS of a silt process (PID) while CONC uploads of SIZE run at once (sampled every 100 ms).
memory() {  # name pid endpoint conc size what silt-bench-extra-args...
  local name=$1 pid=$2 ep=$3 conc=$4 size=$5 what=$6
  shift 6
  printf '{"name":"%s","metric":"rss_mib","what":"%s"}\n' "$name" "$what" >>"$WORKLOADS"
  local base peak=0 rss
  base=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  local args=(put --size "$size" -c "$conc" -n "$conc" --objects "$conc" --prefix mem/ "$@" --endpoint "$ep"
    --access-key "${AK[silt]}" --secret-key "${SK[silt]}" --json)
  timeout 1800 "$BENCH" "${args[@]}" >"$WORK/mem.json" 2>&1 &
  local bp=$!
  while kill -0 $bp 2>/dev/null; do
    rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  wait $bp
  local res
  res=$(awk -v p="$peak" -v b="$base" 'BEGIN{printf "{\"rss_mib\":%.1f,\"baseline_rss_mib\":%.1f", p/1024, b/1024}')
  res="$res,\"bench\":$(tail -1 "$WORK/mem.json")}"
  $PY -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(1 if j["bench"].get("errors") else 0)' "$res" 2>/dev/null ||
    res="{\"rss_mib\":$((peak / 1024)),\"error\":\"uploads failed: $(tail -c 300 "$WORK/mem.json" | tr -d '"\\' | tr '\n' ' ')\"}"
  record "$name" silt 1 "$BENCH_SHOWN ${args[*]}" "$res"
  log "$name: $res"
}

# 64 x 1 GiB does not fit the disk as 4+2 shards (96 GiB), so the full-size case runs on a second
# silt whose STANDARD pool is zstd-compressed, with all-zero bodies: the whole request path (SigV4,
# body, MD5, stripes, zstd, shards, fsync) runs, the shards are tiny. A compressing pool holds more
# per upload (a zstd context, a frame buffer) than a plain one, so this is the harder case; the
# plain 4+2 pool is measured with 64 x 128 MiB of random bytes (12 GiB of shards).
memory_zstd() {
  local dir=$WORK/silt-mem port=$((SILT_PORT + 1))
  mkdir -p "$dir"
  $PY - "$dir" <<'PYEOF'
import json, sys
json.dump({"index": "index",
           "pools": [{"name": "mem", "drives": [f"drive-{i}" for i in range(1, 7)], "parity": 2, "zstd_level": 1}],
           "storage_classes": {"STANDARD": "mem"}}, open(sys.argv[1] + "/silt.json", "w"))
PYEOF
  "$SILT_BIN" server --config "$dir/silt.json" --address 127.0.0.1:$port --log-level warn >"$WORK/silt-mem.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/_silt/health/ready" && break; sleep 0.1; done
  memory mem-rss-1g-zstd "$pid" "http://127.0.0.1:$port" 64 1G \
    "peak silt RSS during 64 concurrent PUTs of 1 GiB (all-zero bodies into a zstd-1 4+2 pool; sampled every 100 ms)" \
    --pattern zeros --setup
  kill "$pid"
  wait "$pid" 2>/dev/null
  rm -rf "$dir"
}

# https against http (issue 21: a 1 GiB GET over https at >= 0.7x the http figure): a second silt,
# its own data dir on the same disk, serving TLS with a certificate made for this run; the same
# 1 GiB GET as get-1g, in the same run.
https_get() {
  local dir=$WORK/silt-tls port=$((SILT_PORT + 2))
  mkdir -p "$dir/certs"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
      -keyout "$dir/certs/private.key" -out "$dir/server.csr" 2>/dev/null &&
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1') -out "$dir/certs/public.crt" 2>/dev/null ||
    { note "https: openssl could not make a certificate: get-1g-https not measured"; return; }
  "$SILT_BIN" server --data "$dir/data" --address 127.0.0.1:$port --certs-dir "$dir/certs" --log-level warn \
    >"$WORK/silt-tls.log" 2>&1 &
  TLS_PID=$!
  EP[silt_tls]=https://127.0.0.1:$port AK[silt_tls]=${AK[silt]} SK[silt_tls]=${SK[silt]}
  for _ in $(seq 100); do curl -sf --cacert "$dir/ca.pem" -o /dev/null "${EP[silt_tls]}/_silt/health/ready" && break; sleep 0.1; done
  setup_bench silt_tls get --size 1G --objects 1 --prefix g1g/ --ca-bundle "$dir/ca.pem"
  workload get-1g-https mib_s "silt_tls" "GET 1 GiB, 1 stream, https (a second silt with --certs-dir)" \
    get --size 1G -n 2 --objects 1 --prefix g1g/ --ca-bundle "$dir/ca.pem"
  kill "$TLS_PID"
  wait "$TLS_PID" 2>/dev/null
  TLS_PID=""
  rm -rf "$dir"
}

# Listing pages over 1M / 10M keys, written by silt-load-index into the stopped silt's index
# (bench/load_index.cpp: data-lake keys, 2000 part files per host directory, zero-byte records
# without data dirs). The page lists one host directory: 1000 keys with delimiter /.
big_listing() {  # 1m | 10m
  local tag=$1 n
  case "$tag" in 1m) n=1000000 ;; 10m) n=10000000 ;; *) note "BIG_LISTS: unknown size $tag"; return ;; esac
  printf '{"name":"load-index-%s","metric":"records_s","what":"silt-load-index: %s records into a stopped silt index"}\n' "$tag" "$n" >>"$WORKLOADS"
  kill "$SILT_PID" && wait "$SILT_PID" 2>/dev/null
  SILT_PID=""
  local out
  out=$("$LOADER" --data "$WORK/silt-data" --bucket silt-bench --prefix "l$tag/" -n "$n" 2>"$WORK/loader.err")
  [ -n "$out" ] || out="{\"error\":\"$(tail -c 300 "$WORK/loader.err" | tr -d '"\\' | tr '\n' ' ')\"}"
  out=$(echo "$out" | $PY -c 'import json,sys; j=json.load(sys.stdin); j.setdefault("records_s", j.get("records_per_s", 0)); print(json.dumps(j))' 2>/dev/null || echo "$out")
  record "load-index-$tag" silt 1 "${LOADER#"$ROOT"/} --data \$WORK/silt-data --bucket silt-bench --prefix l$tag/ -n $n" "$out"
  log "load-index-$tag: $out; index $(du -sh "$WORK/silt-data/index" | cut -f1)"
  local t0=$SECONDS
  if ! start_silt 900; then
    note "silt did not start on the $tag index: list-$tag not measured"
    return 1
  fi
  log "silt ready on the $tag index after $((SECONDS - t0)) s"
  workload "list-$tag" p50 "silt" "ListObjectsV2 page of 1000 with delimiter /, one directory of 2000 among $n keys (30 pages)" \
    list --max-keys 1000 --prefix "l$tag/logs/2026/11/01/host-000/" -n 30
}

# Quick runs have no peers to compare with, so each figure is divided by md5sum's rate measured
# in the same run (CPU speed) before it is compared with the recorded one (bench/report.py).
quick_reference() {  # body-file size-bytes
  printf '{"name":"q-ceil-md5sum","metric":"mib_s","what":"md5sum of a 256 MiB body (page cache), one core"}\n' >>"$WORKLOADS"
  for r in $(seq "$REPS"); do timed q-ceil-md5sum machine "$r" "$2" md5sum "$1"; done
}

if [ $QUICK = 1 ]; then
  QBODY=$WORK/quick-body
  "$BENCH" get --size 256M --write-body "$QBODY"
  quick_reference "$QBODY" $((256 << 20))
  rm -f "$QBODY"
  setup_bench silt get --size 64M --objects 1 --prefix qg/
  setup_bench silt get --size 4K --objects 200 --prefix qg4/
  setup_bench silt ranged-get --size 256M --prefix qr/
  setup_bench silt list --size 0 --objects 1000 --prefix ql/
  workload q-put-64m mib_s s3 "PUT 64 MiB, 1 stream, UNSIGNED-PAYLOAD" put --size 64M -n 2 --objects 1 --prefix qp/
  workload q-get-64m mib_s s3 "GET 64 MiB, 1 stream" get --size 64M -n 4 --objects 1 --prefix qg/
  # Five rounds: this one swings most between rounds (bench/report.py, THRESHOLD).
  REPS=5 workload q-put-4k-c16 ops_s s3 "PUT 4 KiB, 16 connections, 3 s" put --size 4K -c 16 -d 3 --prefix qp4/r{rep}/
  workload q-get-4k-c16 ops_s s3 "GET 4 KiB, 16 connections, 3 s" get --size 4K -c 16 -d 3 --objects 200 --prefix qg4/
  workload q-ranged mib_s s3 "16 parallel 1 MiB ranged GETs of one 256 MiB object" ranged-get --size 256M -c 16 -n 128 --prefix qr/
  workload q-list-1k p50 s3 "ListObjectsV2 page of 1000, delimiter /, over 1000 keys" list --objects 1000 --max-keys 1000 --prefix ql/ -n 20
else
  # Setup: the objects read workloads need, on every S3 server; nginx gets the same bytes as files.
  for s in "${SERVERS[@]}"; do
    log "setup on $s"
    setup_bench "$s" get --size 1G --objects 1 --prefix g1g/
    setup_bench "$s" get --size 64M --objects 16 --prefix g64m/
    setup_bench "$s" get --size 4K --objects 1000 --prefix g4k/
    setup_bench "$s" list --size 0 --objects 10000 --prefix l10k/ -c 16
  done
  if [ -n "$NGINX_PID" ]; then
    nginx_files g1g 1G 1
    nginx_files g64m 64M 16
    nginx_files g4k 4K 1000
  fi
  BODY=$WORK/nginx/www/silt-bench/g1g/obj-00000000
  [ -f "$BODY" ] || { mkdir -p "$(dirname "$BODY")"; "$BENCH" get --size 1G --write-body "$BODY"; }
  ceilings "$BODY" $((1 << 30))

  workload put-1g-unsigned mib_s "s3" "PUT 1 GiB, 1 stream, UNSIGNED-PAYLOAD" put --size 1G -n 1 --objects 1 --prefix p1g/
  workload put-1g-chunked mib_s "s3" "PUT 1 GiB, 1 stream, STREAMING-AWS4-HMAC-SHA256-PAYLOAD (64 KiB chunks)" put --size 1G -n 1 --objects 1 --prefix p1g/ --payload chunked
  workload get-1g mib_s "s3 nginx" "GET 1 GiB, 1 stream" get --size 1G -n 2 --objects 1 --prefix g1g/
  https_get
  workload put-64m-c16 mib_s "s3" "PUT 64 MiB, 16 streams (16 objects)" put --size 64M -c 16 -n 16 --objects 16 --prefix p64m/
  workload get-64m-c16 mib_s "s3 nginx" "GET 64 MiB, 16 streams (16 objects, 2 each)" get --size 64M -c 16 -n 32 --objects 16 --prefix g64m/
  workload put-4k-c16 ops_s "s3" "PUT 4 KiB, 16 connections, 5 s" put --size 4K -c 16 -d 5 --prefix p4k16/r{rep}/
  workload put-4k-c64 ops_s "s3" "PUT 4 KiB, 64 connections, 5 s" put --size 4K -c 64 -d 5 --prefix p4k64/r{rep}/
  workload get-4k-c16 ops_s "s3 nginx" "GET 4 KiB, 16 connections, 5 s, 1000 keys" get --size 4K -c 16 -d 5 --objects 1000 --prefix g4k/
  workload get-4k-c64 ops_s "s3 nginx" "GET 4 KiB, 64 connections, 5 s, 1000 keys" get --size 4K -c 64 -d 5 --objects 1000 --prefix g4k/
  workload ranged-1m-c16 mib_s "s3 nginx" "16 parallel 1 MiB ranged GETs of one 1 GiB object (512 ranges)" ranged-get --size 1G -c 16 -n 512 --prefix g1g/
  workload list-10k p50 "s3" "ListObjectsV2 page of 1000 with delimiter /, 10k keys (30 pages)" list --objects 10000 --max-keys 1000 --prefix l10k/ -n 30

  CLIFILE=$WORK/cli256
  "$BENCH" get --size 256M --write-body "$CLIFILE"
  clients "$CLIFILE" $((256 << 20))
  rm -f "$CLIFILE"
  memory mem-rss "$SILT_PID" "${EP[silt]}" 64 128M \
    "peak silt RSS during 64 concurrent PUTs of 128 MiB (random bodies, 4+2 pool; sampled every 100 ms)"
  memory_zstd
  # The wrk figure: nginx's 4 KiB rate with a lighter client than silt-bench (for reference).
  if [ -n "$NGINX_PID" ] && command -v wrk >/dev/null; then
    printf '{"name":"wrk-nginx-4k","metric":"ops_s","what":"wrk -t2 -c16 -d5s on one 4 KiB nginx file (lighter client)"}\n' >>"$WORKLOADS"
    for r in $(seq "$REPS"); do
      rps=$(wrk -t2 -c16 -d5s "${EP[nginx]}/silt-bench/g4k/obj-00000000" | awk '/Requests\/sec/{print $2}')
      record wrk-nginx-4k nginx "$r" "wrk -t2 -c16 -d5s ${EP[nginx]}/silt-bench/g4k/obj-00000000" "{\"ops_s\":${rps:-0}}"
      log "wrk nginx 4k #$r: $rps req/s"
    done
  fi
fi

# Last: the big listings leave silt with millions of records.
for b in $BIG_LISTS; do big_listing "$b" || break; done

# ---------- report ----------
META=$WORK/meta.json
SILT_VERSION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)
$PY - "$META" <<EOF
import json, os, platform, subprocess, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({"date": subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip(),
           "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
           "silt_bin": "$SILT_BIN", "silt_commit": "$SILT_VERSION", "reps": $REPS,
           "loadavg_end": open("/proc/loadavg").read().split()[:3], "seconds": $(($(date +%s) - START_TS)),
           "servers": "${SERVERS[*]}".split(), "notes": open("$NOTES").read().splitlines()}, open(sys.argv[1], "w"))
EOF
if [ $QUICK = 1 ]; then
  $PY "$ROOT/bench/report.py" quick "$RESULTS" "$WORKLOADS" "$META" "$ROOT/bench/last.json" $([ $RECORD = 1 ] && echo --record)
else
  $PY "$ROOT/bench/report.py" full "$RESULTS" "$WORKLOADS" "$META" "$ROOT/bench/last.json" \
    --doc "$ROOT/docs/performance.md" --raw "$ROOT/bench/last-results.jsonl"
fi
log "done in $(($(date +%s) - START_TS)) s"
