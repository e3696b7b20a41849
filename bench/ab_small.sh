#!/bin/bash
# Two silt binaries side by side on small objects, interleaved so the machine's noise falls on
# both: ROUNDS rounds (default 3) of silt-bench's 4 KiB PUT and GET at 16 connections (the
# arguments of bench/run.sh --quick's q-put-4k-c16 and q-get-4k-c16), each on a fresh data dir
# with the binary's default flags. Prints one line per round and binary; take the medians.
#
#   bench/ab_small.sh OLD_SILT NEW_SILT [SILT_BENCH]
set -euo pipefail
OLD=${1:?old silt binary} NEW=${2:?new silt binary}
BENCH=${3:-$(dirname "$0")/../build/bench/silt-bench}
PORT=${PORT:-9471} AK=benchadmin SK=benchadmin-secret
work=$(mktemp -d /tmp/silt-ab-small.XXXXXX)
trap 'rm -rf "$work"' EXIT
ops() { /usr/bin/python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["ops_s"])'; }
for r in $(seq "${ROUNDS:-3}"); do
  for which in old new; do
    bin=$OLD; [ $which = new ] && bin=$NEW
    d=$work/$which-$r; mkdir -p "$d"
    SILT_ROOT_USER=$AK SILT_ROOT_PASSWORD=$SK SILT_CERTS_DIR= "$bin" server --data "$d/data" \
      --address 127.0.0.1:$PORT --log-level warn >"$d/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:$PORT/_silt/health/ready && break; sleep 0.1; done
    common=(--endpoint http://127.0.0.1:$PORT --access-key $AK --secret-key $SK --json)
    "$BENCH" get --size 4K -c 16 -d 3 --objects 200 --prefix qg4/ --setup-only "${common[@]}" >/dev/null 2>>"$d/err"
    sync
    put=$("$BENCH" put --size 4K -c 16 -d 3 --prefix qp4/ "${common[@]}" 2>>"$d/err" | ops)
    sync
    get=$("$BENCH" get --size 4K -c 16 -d 3 --objects 200 --prefix qg4/ "${common[@]}" 2>>"$d/err" | ops)
    echo "round $r $which put4k_c16 $put get4k_c16 $get"
    kill $pid; wait $pid 2>/dev/null || true
    rm -rf "$d"
  done
done
