#!/usr/bin/env bash
# A throwaway single-host Ceph cluster on 127.0.0.1 for the test suite: one mon and three OSDs
# (bluestore on sparse files inside DIR), a mgr only with SILT_CEPH_MGR=1, auth none.
# docs/cluster.md, "Test cluster".
#
#   scripts/ceph-cluster.sh start DIR    DIR must not exist or be empty. Ready = 3 OSDs up and a
#                                        probe write to each pool succeeded (with SILT_CEPH_MGR=1
#                                        also: mgr.x available and `df` lists every pool); prints
#                                        the time taken.
#   scripts/ceph-cluster.sh pools DIR    (re)creates the EC profile and pools; start already does
#   scripts/ceph-cluster.sh status DIR   each daemon's PID and state, then quorum/OSDs/pools/health;
#                                        exit 0 only if every recorded daemon is running
#   scripts/ceph-cluster.sh stop DIR     TERM exactly the recorded PIDs, KILL any left after
#                                        SILT_CEPH_STOP_TIMEOUT s (default 15); prints the time taken
#   scripts/ceph-cluster.sh kill-osd DIR N   KILL osd.N (its recorded PID) and wait until it is gone
#   scripts/ceph-cluster.sh start-osd DIR N  start osd.N again (a new PID, recorded) and wait until the
#                                        mon shows it up
#   scripts/ceph-cluster.sh pgs DIR      every PG's state, one a line ("1.0 active+clean"), then a
#                                        summary; exit 0 only if all are active+clean
#   scripts/ceph-cluster.sh wait-clean DIR   poll until every PG is active+clean
#                                        (SILT_CEPH_CLEAN_TIMEOUT s, default 300), printing the time
#
# Clients use DIR/ceph.conf (librados, `rados -c DIR/ceph.conf`, `ceph -c DIR/ceph.conf`).
# Ports: a window of SILT_CEPH_PORT_WIDTH (default 100) TCP ports on 127.0.0.1: the mon listens on
# base (msgr2) and base+1 (msgr1), OSDs bind inside base+2..base+width-1. The base is
# SILT_CEPH_PORT_BASE when set, else a free window picked in 20000-32000, so a second cluster or a
# leftover never collides. DIR/cluster.env records it; DIR/daemons lists "name pid" of each daemon.
# Needs: ceph-mon ceph-osd ceph-common python3-rados, and ceph-mgr for SILT_CEPH_MGR=1
# (scripts/install-deps.sh --test).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3  # Debian's: python3-rados installs there, not into other interpreters
OSDS=3

usage() {
  echo "usage: $0 start|stop|status|pools|pgs|wait-clean DIR, or $0 kill-osd|start-osd DIR N" >&2
  exit 2
}
case ${1:-} in
  kill-osd | start-osd) [ $# -eq 3 ] && [[ $3 =~ ^[0-9]+$ ]] || usage ;;
  *) [ $# -eq 2 ] || usage ;;
esac
cmd=$1
dir=$(realpath -m "$2")
conf=$dir/ceph.conf
admin() { "$PY" "$here/ceph_cluster_admin.py" --conf "$conf" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# alive PID -> true if PID runs (a zombie does not count) and belongs to this cluster: every
# daemon is started with `-c DIR/ceph.conf`, so a recycled PID is never signalled.
alive() {
  local st
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "-c $conf "
}

# exiting PID -> true while a daemon we signalled has not finished exiting: PID runs (not a
# zombie) with our command line or with none, because a process past releasing its memory
# reads an empty cmdline while the kernel still tears it down (and its ports and files may
# still be held). stop waits on this, not on alive, so it never returns before the end.
exiting() {
  local st cmd
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [ -z "$cmd" ] || [[ "$cmd" == *"-c $conf "* ]]
}

# record NAME: after a daemon has forked and written DIR/run/NAME.pid, append "NAME PID" to
# DIR/daemons. ceph removes its pid file on exit; DIR/daemons stays, so stop and tests know
# afterwards which PIDs were ours.
record() {
  local f=$dir/run/$1.pid i
  for i in $(seq 50); do [ -s "$f" ] && break; sleep 0.1; done
  [ -s "$f" ] || { echo "$1: no pid file $f" >&2; return 1; }
  echo "$1 $(cat "$f")" >>"$dir/daemons"
}

stop_cluster() {
  local t0 timeout=${SILT_CEPH_STOP_TIMEOUT:-15} pids=() name pid i left
  t0=$(now)
  [ -f "$dir/daemons" ] || { echo "no cluster recorded in $dir"; return 0; }
  # DIR/daemons, plus ceph's own pid files for a start interrupted before it recorded them.
  while read -r name pid; do
    alive "$pid" && [[ " ${pids[*]} " != *" $pid "* ]] && pids+=("$pid")
  done < <(cat "$dir/daemons"; for f in "$dir"/run/*.pid; do [ -s "$f" ] && echo "pidfile $(cat "$f")"; done)
  if [ ${#pids[@]} -gt 0 ]; then kill -TERM "${pids[@]}" 2>/dev/null || true; fi
  for ((i = 0; i < timeout * 10; i++)); do
    left=()
    for pid in "${pids[@]}"; do exiting "$pid" && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && break
    sleep 0.1
  done
  left=()
  for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
  if [ ${#left[@]} -gt 0 ]; then
    echo "still running after ${timeout} s, KILL: ${left[*]}" >&2
    kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  for ((i = 0; i < 50; i++)); do
    left=()
    for pid in "${pids[@]}"; do exiting "$pid" && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && break
    sleep 0.1
  done
  [ ${#left[@]} -eq 0 ] || { echo "could not stop: ${left[*]}" >&2; return 1; }
  echo "stopped ${#pids[@]} daemons in $(since "$t0") s"
}

# The mgr modules that are not always on and not wanted: the pool statistics (`df`) are the
# mgr's core, and several of these are python web stacks (dashboard, prometheus, restful). The
# always-on ones (balancer, crash, devicehealth, orchestrator, pg_autoscaler, progress,
# rbd_support, status, telemetry, volumes) stay: disabling one raises MGR_MODULE_ERROR.
MGR_MODULES_OFF="alerts cephadm dashboard diskprediction_local influx insights iostat k8sevents \
localpool mds_autoscaler mirroring nfs osd_perf_query osd_support prometheus restful rook \
selftest snap_schedule stats telegraf test_orchestrator zabbix"

write_conf() {  # write_conf FSID BASE WIDTH
  local mon_addr="[v2:127.0.0.1:$2,v1:127.0.0.1:$(($2 + 1))]"
  cat >"$conf" <<EOF
# Throwaway test cluster written by scripts/ceph-cluster.sh; not for real data.
[global]
fsid = $1
mon host = $mon_addr
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
ms bind port min = $(($2 + 2))
ms bind port max = $(($2 + $3 - 1))
# auth none: nothing leaves 127.0.0.1 and the cluster lives for one test run. Clients then
# default to msgr2 "secure" mode, which needs cephx: crc lets them reach the mon.
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
pid file = $dir/run/\$name.pid
admin socket = $dir/asok/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
run dir = $dir/run
osd pool default size = 2
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
# One host: CRUSH places copies on distinct OSDs, not hosts.
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon max pg per osd = 1000
# The sparse files and the mon store sit on a shared disk that may be fuller than a real one.
mon data avail warn = 2
mon data avail crit = 1
osd objectstore = bluestore
[mon]
mon data = $dir/\$name
mon cluster log file = $dir/log/cluster.log
# Each pool command waits for a paxos round; the 1 s default makes pool setup take ~10 s.
paxos propose interval = 0.05
# No mgr: RADOS I/O and pool commands do not need one (only ceph df, pg stats and the data
# part of ceph -s do). This keeps the mon from reporting MGR_DOWN (HEALTH_WARN) from two
# minutes after start on.
mon mgr mkfs grace = 31536000
# With a mgr (SILT_CEPH_MGR=1): its digest of the pool statistics reaches the mon every second
# instead of every 5 s, so a test polling df waits about 2 s for a write to show.
mon mgr digest period = 1
# A mgr that stops beaconing (every 2 s) counts as gone after 10 s instead of 30: until then the
# mon keeps answering df with its last digest.
mon mgr beacon grace = 10
[mgr]
mgr data = $dir/\$name
mgr disabled modules = $MGR_MODULES_OFF
# How often daemons report their statistics to the mgr (default 5 s).
mgr stats period = 1
# No SMART scraping of the sparse files (the module still creates its device_health_metrics
# pool, 1 PG).
mgr/devicehealth/enable_monitoring = false
[osd]
osd data = $dir/\$name
bluestore block create = true
bluestore block size = 10737418240
bluestore fsck on mount = false
osd memory target = 939524096
# Two busy cores: one op shard with two threads instead of the default 5x1 (hdd) / 8x2 (ssd).
osd op num shards = 1
osd op num threads per shard = 2
# The whole cluster goes down at once: an OSD that tells the mon first waits up to 5 s for it.
osd fast shutdown notify mon = false
EOF
}

start_cluster() {
  local t0 fsid base width i uuids=() ids=() pids=() rc=0
  t0=$(now)
  for b in ceph-mon ceph-osd monmaptool ceph-authtool; do
    command -v "$b" >/dev/null || { echo "$b not found: scripts/install-deps.sh --test" >&2; exit 1; }
  done
  if [ "${SILT_CEPH_MGR:-0}" = 1 ]; then
    command -v ceph-mgr >/dev/null || { echo "ceph-mgr not found: scripts/install-deps.sh --test" >&2; exit 1; }
  fi
  "$PY" -c 'import rados' 2>/dev/null || { echo "python3-rados missing: scripts/install-deps.sh --test" >&2; exit 1; }
  if [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    echo "$dir is not empty: stop that cluster and remove it first" >&2
    exit 1
  fi
  # Unix socket paths must fit in 108 bytes.
  [ ${#dir} -le 80 ] || { echo "$dir: path too long for the admin sockets (max 80 chars)" >&2; exit 1; }
  mkdir -p "$dir"/{run,log,asok,mon.a}
  : >"$dir/daemons"

  width=${SILT_CEPH_PORT_WIDTH:-100}
  base=$("$PY" "$here/ceph_cluster_admin.py" free-ports "$width" ${SILT_CEPH_PORT_BASE:+--base "$SILT_CEPH_PORT_BASE"})
  fsid=$(cat /proc/sys/kernel/random/uuid)
  printf 'SILT_CEPH_PORT_BASE=%s\nSILT_CEPH_PORT_WIDTH=%s\n' "$base" "$width" >"$dir/cluster.env"
  write_conf "$fsid" "$base" "$width"

  # From here on any exit but the last line's stops whatever did start: a failed or interrupted
  # start leaves no daemon behind (DIR and its logs stay).
  # `wait` first: an OSD mkfs or an OSD still forking could otherwise leave a daemon after stop.
  trap 'echo "start failed; logs in $dir/log" >&2; wait; stop_cluster >&2 || true' EXIT
  trap 'exit 1' INT TERM

  # auth is none, but mon --mkfs still wants a mon. key
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$base,v1:127.0.0.1:$((base + 1))]" \
    "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >>"$dir/log/mkfs.log" 2>&1
  ceph-mon -c "$conf" -i a </dev/null >>"$dir/log/daemons.out" 2>&1
  record mon.a
  echo "mon.a up on 127.0.0.1:$base after $(since "$t0") s"
  if [ "${SILT_CEPH_MGR:-0}" = 1 ]; then
    # Forks like the mon; it binds inside the port window (ms bind port min/max) on 127.0.0.1.
    mkdir -p "$dir/mgr.x"
    ceph-mgr -c "$conf" -i x </dev/null >>"$dir/log/daemons.out" 2>&1
    record mgr.x
  fi

  for ((i = 0; i < OSDS; i++)); do uuids+=("$(cat /proc/sys/kernel/random/uuid)"); done
  mapfile -t ids < <(admin osd-new "${uuids[@]}")
  [ ${#ids[@]} -eq $OSDS ] || { echo "osd new gave ${#ids[@]} ids" >&2; false; }

  # mkfs and boot in parallel: each OSD's mkfs takes seconds, mostly waiting on its own I/O.
  for ((i = 0; i < OSDS; i++)); do
    mkdir -p "$dir/osd.${ids[i]}"
    ceph-osd -c "$conf" -i "${ids[i]}" --mkfs --osd-uuid "${uuids[i]}" </dev/null \
      >>"$dir/log/mkfs.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  [ $rc -eq 0 ] || { echo "osd mkfs failed: $dir/log/mkfs.log" >&2; false; }
  pids=()
  # Without -f each ceph-osd forks, and its parent returns once the daemon has mounted its store.
  for ((i = 0; i < OSDS; i++)); do
    ceph-osd -c "$conf" -i "${ids[i]}" </dev/null >>"$dir/log/daemons.out" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  for ((i = 0; i < OSDS; i++)); do record "osd.${ids[i]}" || rc=1; done
  [ $rc -eq 0 ] || { echo "osd start failed: $dir/log/osd.*.log" >&2; false; }

  admin --timeout 120 ready --osds $OSDS
  [ "${SILT_CEPH_MGR:-0}" = 1 ] && admin --timeout 60 mgr-ready
  trap - EXIT INT TERM
  echo "ceph cluster ready in $(since "$t0") s: $conf (mon 127.0.0.1:$base, $OSDS osds$(
    [ "${SILT_CEPH_MGR:-0}" = 1 ] && echo ", mgr"))"
}

# "name pid" of each daemon, its last recorded PID (start-osd records a restarted OSD's anew).
latest_pids() {
  awk '!($1 in p) { order[++n] = $1 } { p[$1] = $2 } END { for (i = 1; i <= n; i++) print order[i], p[order[i]] }' \
    "$dir/daemons"
}

status_cluster() {
  local name pid rc=0
  [ -f "$dir/daemons" ] || { echo "no cluster recorded in $dir"; exit 3; }
  while read -r name pid; do
    if alive "$pid"; then
      echo "$name pid $pid running, RSS $(awk '/^VmRSS/ { print $2 " " $3 }' "/proc/$pid/status")"
    else
      echo "$name pid $pid not running"
      rc=3
    fi
  done < <(latest_pids)
  grep -q '^mon.a ' "$dir/daemons" && alive "$(awk '$1 == "mon.a" { print $2 }' "$dir/daemons")" &&
    admin --timeout 10 status
  exit $rc
}

# osd_pid N -> the last PID recorded for osd.N (a restarted OSD appends its new one).
osd_pid() {
  awk -v n="osd.$1" '$1 == n { p = $2 } END { print p }' "$dir/daemons"
}

kill_osd() {
  local pid i
  pid=$(osd_pid "$1")
  [ -n "$pid" ] || { echo "no osd.$1 recorded in $dir" >&2; exit 1; }
  alive "$pid" || { echo "osd.$1 (pid $pid) is not running" >&2; exit 1; }
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do exiting "$pid" || break; sleep 0.1; done
  ! exiting "$pid" || { echo "osd.$1 (pid $pid) survived KILL" >&2; exit 1; }
  echo "killed osd.$1 (pid $pid)"
}

start_osd() {
  local t0 pid
  t0=$(now)
  pid=$(osd_pid "$1")
  [ -n "$pid" ] || { echo "no osd.$1 recorded in $dir" >&2; exit 1; }
  ! alive "$pid" || { echo "osd.$1 (pid $pid) is running" >&2; exit 1; }
  rm -f "$dir/run/osd.$1.pid"
  # Without -f ceph-osd forks; its parent returns once the daemon has mounted its store.
  ceph-osd -c "$conf" -i "$1" </dev/null >>"$dir/log/daemons.out" 2>&1
  record "osd.$1"
  admin --timeout 60 osd-up "$1"
  echo "osd.$1 up again (pid $(osd_pid "$1")) in $(since "$t0") s"
}

case $cmd in
  start) start_cluster ;;
  kill-osd) kill_osd "$3" ;;
  start-osd) start_osd "$3" ;;
  pgs) admin --timeout 30 pgs ;;
  wait-clean)
    t0=$(now)
    admin --timeout "${SILT_CEPH_CLEAN_TIMEOUT:-300}" wait-clean
    echo "every PG active+clean after $(since "$t0") s"
    ;;
  stop) stop_cluster ;;
  status) status_cluster ;;
  pools)
    [ -f "$conf" ] || { echo "no cluster in $dir" >&2; exit 1; }
    admin pools
    ;;
  *) usage ;;
esac
