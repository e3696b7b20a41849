#!/bin/bash
# Two silt binaries and nginx side by side on the GET path (docs/performance.md, "GET
# path"): bench/run.sh's get-4k-c16 (4 KiB GETs, 16 connections, 1000 keys),
# ranged-1m-c16 (16 parallel 1 MiB ranges of one 1 GiB object) and get-1g (the 1 GiB
# object twice, one stream), ROUNDS rounds (default
# 3), each round old, new, nginx in turn, so the machine's noise falls on all three.
# Each silt runs on its own fresh data dir with its default flags, set up once; nginx
# serves the very bytes silt-bench sends (sendfile on, as in bench/run.sh). Prints one
# line per round and server: the rates, and for silt its CPU (user + system, from
# /proc) per 4 KiB GET in ms, per 512 MiB of ranges and per GiB of whole GET in s, which a loaded machine moves
# far less than the rates; take the medians. Needs nginx (scripts/install-deps.sh --bench).
#
#   bench/ab_get.sh OLD_SILT NEW_SILT [SILT_BENCH]
set -euo pipefail
. "$(dirname "$0")/nginx_conf.sh"
OLD=${1:?old silt binary} NEW=${2:?new silt binary}
BENCH=${3:-$(dirname "$0")/../build/bench/silt-bench}
PORT=${PORT:-9491} AK=benchadmin SK=benchadmin-secret
. "$(dirname "$0")/ab_common.sh" ab-get
declare -A KEY SECRET
start_silt() {  # name binary port, then the objects the rounds read
  start_silt_process "$@"
  KEY[$1]=$AK SECRET[$1]=$SK
  for a in "get --size 4K --objects 1000 --prefix g4k/" "get --size 1G --objects 1 --prefix g1g/"; do
    # shellcheck disable=SC2086
    "$BENCH" $a --setup-only --endpoint "${EP[$1]}" --access-key $AK --secret-key $SK >/dev/null
  done
}
start_silt old "$OLD" "$PORT"
start_silt new "$NEW" $((PORT + 1))
mkdir -p "$work/nginx/www/silt-bench/g4k" "$work/nginx/www/silt-bench/g1g" "$work/nginx/tmp"
"$BENCH" get --size 4K --write-body "$work/nginx/www/silt-bench/g4k/obj-00000000"
for i in $(seq 1 999); do ln "$work/nginx/www/silt-bench/g4k/obj-00000000" "$(printf '%s/obj-%08d' "$work/nginx/www/silt-bench/g4k" "$i")"; done
"$BENCH" get --size 1G --write-body "$work/nginx/www/silt-bench/g1g/obj-00000000"
nginx_conf "$work/nginx" "$((PORT + 2))"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$((PORT + 2))/ && break; sleep 0.1; done
EP[nginx]=http://127.0.0.1:$((PORT + 2)) KEY[nginx]=none SECRET[nginx]=none
sync
ticks() {  # CPU ticks (user + system) of a silt; 0 for nginx
  if [ -n "${PID[$1]:-}" ]; then awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; else echo 0; fi
}
hz=$(getconf CLK_TCK)
for r in $(seq "${ROUNDS:-3}"); do
  for s in old new nginx; do
    common=(--endpoint "${EP[$s]}" --access-key "${KEY[$s]}" --secret-key "${SECRET[$s]}" --json)
    t0=$(ticks $s)
    "$BENCH" get --size 4K -c 16 -d 5 --objects 1000 --prefix g4k/ "${common[@]}" >"$work/g.json"
    t1=$(ticks $s)
    "$BENCH" ranged-get --size 1G -c 16 -n 512 --prefix g1g/ "${common[@]}" >"$work/r.json"
    t2=$(ticks $s)
    "$BENCH" get --size 1G -n 2 --objects 1 --prefix g1g/ "${common[@]}" >"$work/w.json"
    t3=$(ticks $s)
    g=$(field "$work/g.json" ops_s) n=$(field "$work/g.json" ops) rg=$(field "$work/r.json" mib_s)
    wg=$(field "$work/w.json" mib_s)
    cpu=$(/usr/bin/python3 -c "import sys; a=[float(x) for x in sys.argv[1:]]; print('%.3f %.2f %.2f' % ((a[1]-a[0])/a[5]*1000/max(a[4],1), (a[2]-a[1])/a[5], (a[3]-a[2])/a[5]/2))" "$t0" "$t1" "$t2" "$t3" "$n" "$hz")
    read -r cg cr cw <<<"$cpu"
    printf 'round %s %-5s get4k_c16 %6.0f ops/s (%s ms CPU/GET)  ranged1m_c16 %4.0f MiB/s (%s s CPU)  get1g %4.0f MiB/s (%s s CPU/GiB)  load %s\n' \
      "$r" "$s" "$g" "$cg" "$rg" "$cr" "$wg" "$cw" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
