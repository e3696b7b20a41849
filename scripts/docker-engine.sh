#!/usr/bin/env bash
# A private Docker engine for the tests (test/integration/test_docker.py), needing no image
# registry and leaving no trace on the host's network (docs/operations.md, "Docker").
#   scripts/docker-engine.sh start DIR   start dockerd on unix://DIR/docker.sock; make the base
#                                        images debian:bookworm and debian:bookworm-slim with
#                                        mmdebstrap from the host's Debian mirror when missing
#   scripts/docker-engine.sh stop DIR    remove its containers, networks, volumes and untagged
#                                        images, stop dockerd (and its containerd) by PID,
#                                        unmount what it mounted
#   scripts/docker-engine.sh purge DIR   stop, then delete DIR with its images and build cache
# Clients use DOCKER_HOST=unix://DIR/docker.sock and DOCKER_CONFIG=DIR/client (so ~/.docker is
# never read or written), and Debian's /usr/bin/docker and /usr/bin/docker-compose: a newer
# /usr/local/bin/docker without buildx may come first in PATH.
#
# The engine runs without iptables, NAT, IP forwarding or docker0: compose's own bridge
# networks, their DNS and ports published on 127.0.0.1 (docker-proxy) still work, but a
# container on a bridge reaches nothing outside, so builds run with --network host.
# DIR/data (tagged images, build cache up to 3 GB) stays between runs; the exec root (DIR/exec, or
# /run/silt-docker-HASH when DIR is too long for containerd's socket paths) and the socket do not.
# Needs root, docker.io and mmdebstrap (scripts/install-deps.sh --test).
set -euo pipefail

DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd
SUITE=bookworm
START_TIMEOUT=${SILT_DOCKERD_START_TIMEOUT:-60}
STOP_TIMEOUT=${SILT_DOCKERD_STOP_TIMEOUT:-30}

die() { echo "docker-engine: $*" >&2; exit 1; }
say() { echo "docker-engine: $*" >&2; }

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# client ARGS...: Debian's docker CLI talking to this engine only.
client() { DOCKER_HOST="unix://$dir/docker.sock" DOCKER_CONFIG="$dir/client" "$DOCKER" "$@"; }

# alive PID: true when PID is a running process (not a zombie).
alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1)
  [ "$state" != Z ]
}

# cmdline_has PID TEXT: the process's command line contains TEXT (guards against a reused PID).
# Reads /proc without forking: stop scans every process.
cmdline_has() {
  local args=()
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
  [[ " ${args[*]} " == *"$2"* ]]
}

# children PID: the PIDs whose parent is PID.
children() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ pid = $1; sub(/^.*\) /, ""); if ($2 == p) print pid }'
}

# stop_pid PID: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds; waits until it is gone.
stop_pid() {
  local pid=$1 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    alive "$pid" || return 0
    sleep 0.2
  done
  say "pid $pid still running after ${STOP_TIMEOUT}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  die "pid $pid survived SIGKILL"
}

# Debian mirror URIs from the host's apt sources (one-line .list and deb822 .sources files):
# prints "MIRROR SECURITY"; SECURITY is empty when the host has no -security suite.
apt_mirrors() {
  local files=() f
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  # Each entry becomes "URI SUITE" lines; deb822 stanzas are split on blank lines.
  awk '
    function flush(   i, j, nu, ns, u, s) {
      if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^[ \t]*no/) {
        nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
        for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) if (u[i] != "" && s[j] != "") print u[i], s[j]
      }
      types = uris = suites = enabled = ""
    }
    FILENAME ~ /\.sources$/ {
      if (FNR == 1) flush()
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^[ \t]*#/) next
      if (tolower($1) == "types:") { sub(/^[^:]*:[ \t]*/, ""); types = $0 }
      else if (tolower($1) == "uris:") { sub(/^[^:]*:[ \t]*/, ""); uris = $0 }
      else if (tolower($1) == "suites:") { sub(/^[^:]*:[ \t]*/, ""); suites = $0 }
      else if (tolower($1) == "enabled:") { sub(/^[^:]*:[ \t]*/, ""); enabled = tolower($0) }
      next
    }
    { flush() }
    $1 == "deb" {
      i = 2
      if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if (i + 1 <= NF) print $i, $(i + 1)
    }
    END { flush() }
  ' "${files[@]}" | awk '
    $2 ~ /-security$/ { if (sec == "") sec = $1; next }
    $2 !~ /-(updates|backports|proposed-updates)$/ && $1 ~ /debian/ { if (main == "") main = $1 }
    END { print main, sec }
  '
}

# What Debian's own -slim images leave out, and their dpkg/apt settings for containers: no
# fsync per file (a tree that only becomes an image), no .deb files kept in a layer.
SLIM_DPKG=(force-unsafe-io
  'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright'
  'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/groff/*'
  'path-exclude=/usr/share/lintian/*' 'path-exclude=/usr/share/locale/*')
APT_CLEAN='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";'

# Makes debian:bookworm (and tags it debian:bookworm-slim) when missing: an mmdebstrap minbase
# tarball from the host's mirror, imported as an image. Written to a file first so a failed
# bootstrap never leaves a half image behind. The tree is built in /dev/shm when it is a tmpfs
# with room: on a busy disk that takes the bootstrap from ~2 min to ~40 s.
base_images() {
  if ! client image inspect "debian:$SUITE" >/dev/null 2>&1; then
    command -v mmdebstrap >/dev/null || die "mmdebstrap missing: scripts/install-deps.sh --test"
    local mirror security
    read -r mirror security < <(apt_mirrors) || true
    [ -n "${mirror:-}" ] || die "no Debian mirror in /etc/apt/sources.list*"
    local sources=("deb $mirror $SUITE main" "deb $mirror $SUITE-updates main")
    [ -n "${security:-}" ] && sources+=("deb $security $SUITE-security main")
    say "making debian:$SUITE with mmdebstrap from $mirror${security:+ and $security}"
    local tar="$dir/base-$SUITE.tar" t0=$SECONDS tmp=${TMPDIR:-/tmp} opts=() o
    [ "$(stat -fc %T /dev/shm 2>/dev/null)" = tmpfs ] &&
      [ "$(df --output=avail -k /dev/shm | tail -1)" -gt 2000000 ] && tmp=/dev/shm
    for o in "${SLIM_DPKG[@]}"; do opts+=(--dpkgopt="$o"); done
    rm -f "$tar"
    # shellcheck disable=SC2016  # "$1" in a hook is the chroot, expanded by mmdebstrap's shell
    if ! TMPDIR=$tmp mmdebstrap --variant=minbase --format=tar --verbose "${opts[@]}" \
      --customize-hook="printf '%s\n' '$APT_CLEAN' >\"\$1/etc/apt/apt.conf.d/docker-clean\"" \
      --customize-hook='rm -f "$1"/var/cache/apt/*.bin' \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "$SUITE" "$tar" "${sources[@]}" \
      >"$dir/mmdebstrap.log" 2>&1; then
      tail -20 "$dir/mmdebstrap.log" >&2
      rm -f "$tar"
      die "mmdebstrap failed (log: $dir/mmdebstrap.log)"
    fi
    client import --change 'CMD ["bash"]' "$tar" "debian:$SUITE" >/dev/null
    rm -f "$tar"
    say "debian:$SUITE made in $((SECONDS - t0)) s"
  fi
  client image inspect "debian:$SUITE-slim" >/dev/null 2>&1 || client tag "debian:$SUITE" "debian:$SUITE-slim"
}

# The cgroup under which this engine's containers get theirs: one per DIR, so that stop never
# touches another engine's containers.
cgroup_parent() { echo "silt-docker-$(printf %s "$dir" | sha256sum | cut -c1-8)"; }

# dockerd's exec root. containerd's sockets live there, and a unix socket path has at most 108
# bytes: a DIR deep in a CI checkout gets a short one in /run instead.
exec_root() {
  if [ $((${#dir} + 38)) -lt 100 ]; then
    echo "$dir/exec"
  else
    echo "/run/$(cgroup_parent)"
  fi
}

# The dirs dockerd and containerd create outside DIR (not covered by their flags), and the
# engine's parent cgroup in each hierarchy: those missing before start are removed at stop.
host_dirs() {
  # /run/runc: runc's default state dir, used by BuildKit's RUN steps.
  echo /run/docker/plugins /run/docker /run/containerd/s /run/containerd /run/runc
  local c
  for c in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    echo "${c%/}/$(cgroup_parent)"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || die "needs root (dockerd, mounts, network namespaces)"
  if [ ! -x "$DOCKERD" ] || [ ! -x "$DOCKER" ]; then die "docker.io missing: scripts/install-deps.sh --test"; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # The API socket path must fit a unix socket address (108 bytes).
  [ ${#dir} -lt 90 ] || die "DIR is too long for a unix socket path: $dir"
  if [ -f "$dir/dockerd.pid" ] && alive "$(cat "$dir/dockerd.pid")"; then
    say "an engine from an earlier run is still up in $dir: stopping it first"
    stop
  fi
  mkdir -p "$dir/data" "$dir/client"
  local d
  : >"$dir/created"
  for d in $(host_dirs); do
    [ -e "$d" ] || echo "$d" >>"$dir/created"
  done
  # The config file keeps dockerd away from /etc/docker/daemon.json, and its identity key
  # (written to /etc/docker/key.json by default) in DIR.
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$dir" >"$dir/daemon.json"
  # Debian's containerd, runc, docker-proxy and docker-init, whatever PATH says.
  PATH=/usr/sbin:/usr/bin:/sbin:/bin "$DOCKERD" \
    --config-file "$dir/daemon.json" \
    --data-root "$dir/data" --exec-root "$(exec_root)" --pidfile "$dir/dockerd.pid" \
    -H "unix://$dir/docker.sock" --storage-driver overlay2 --cgroup-parent "/$(cgroup_parent)" \
    --iptables=false --ip-masq=false --ip-forward=false --bridge=none \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  local pid=$! i
  for ((i = 0; i < START_TIMEOUT * 5; i++)); do
    if ! alive "$pid"; then
      tail -20 "$dir/dockerd.log" >&2
      die "dockerd exited (log: $dir/dockerd.log)"
    fi
    client version >/dev/null 2>&1 && break
    sleep 0.2
  done
  client version >/dev/null 2>&1 || { stop; die "dockerd did not answer within ${START_TIMEOUT}s"; }
  [ "$(cat "$dir/dockerd.pid" 2>/dev/null)" = "$pid" ] || { stop; die "dockerd.pid does not name $pid"; }
  say "dockerd pid $pid on unix://$dir/docker.sock"
  base_images || { stop; exit 1; }
  echo "DOCKER_HOST=unix://$dir/docker.sock"
}

stop() {
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  local pid="" helpers=() xroot
  xroot=$(exec_root)
  [ -f "$dir/dockerd.pid" ] && pid=$(cat "$dir/dockerd.pid")
  if alive "$pid" && cmdline_has "$pid" "--pidfile $dir/dockerd.pid"; then
    # Containers hold mounts, cgroups and veths; networks hold bridge interfaces, which
    # dockerd keeps across its own restarts. Both go while the API still answers.
    if client version >/dev/null 2>&1; then
      local ids=()
      mapfile -t ids < <(client ps -aq)
      [ ${#ids[@]} -gt 0 ] && client rm -f -v "${ids[@]}" >/dev/null
      client network prune -f >/dev/null || true
      client volume prune -f >/dev/null || true
      # What stays in DIR/data is bounded: images no tag names (each new silt leaves one), and
      # the build cache beyond 3 GB, oldest first (the toolchain layer of a full build is ~0.5 GB).
      client image prune -f >/dev/null || true
      client builder prune -f --keep-storage 3gb >/dev/null || true
    fi
    # docker-proxy and the managed containerd are dockerd's children; a killed dockerd would
    # leave them behind.
    mapfile -t helpers < <(children "$pid")
    stop_pid "$pid"
  fi
  local cpid=""
  [ -f "$xroot/containerd/containerd.pid" ] && cpid=$(cat "$xroot/containerd/containerd.pid")
  alive "$cpid" && cmdline_has "$cpid" "$xroot/containerd" && stop_pid "$cpid"
  local p
  for p in "${helpers[@]}"; do
    alive "$p" && stop_pid "$p"
  done
  # Shims outlive containerd: each names this engine's containerd socket.
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    cmdline_has "$p" "-address $xroot/containerd/containerd.sock" && stop_pid "$p"
  done
  # Containers outlive their shims: after a crash of dockerd, what runs in this engine's
  # cgroups is killed here.
  local procs
  for procs in /sys/fs/cgroup/*/"$(cgroup_parent)"/*/cgroup.procs /sys/fs/cgroup/"$(cgroup_parent)"/*/cgroup.procs; do
    [ -f "$procs" ] || continue
    while read -r p; do
      kill -KILL "$p" 2>/dev/null || true
    done <"$procs"
  done
  # Whatever is still mounted under DIR or the exec root (overlays, network namespaces, the
  # data-root bind), deepest first.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" || say "could not unmount $m"
  done < <(awk -v d="$dir/" -v e="$xroot/" \
    'index($5, d) == 1 || index($5, e) == 1 || $5 == substr(d, 1, length(d) - 1) { print $5 }' \
    /proc/self/mountinfo | sort -r)
  # A bridge outlives dockerd when its network was not removed (dockerd killed): the network
  # IDs in dockerd's store name them (br- and the ID's first 12 digits).
  local kv="$dir/data/network/files/local-kv.db" id
  if [ -f "$kv" ]; then
    while read -r id; do
      ip link show "br-$id" >/dev/null 2>&1 && ip link delete "br-$id"
    done < <(grep -ao 'docker/network/v1.0/network/[0-9a-f]\{64\}' "$kv" | cut -d/ -f5 | cut -c1-12 | sort -u)
  fi
  if [ -f "$dir/created" ]; then
    # Children first: cgroups of removed containers, then the created dirs themselves.
    while read -r m; do
      [ -d "$m" ] || continue
      find "$m" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
      rmdir "$m" 2>/dev/null || say "left $m (not empty)"
    done < <(sort -r "$dir/created")
    rm -f "$dir/created"
  fi
  rm -rf "$xroot"
  rm -f "$dir/docker.sock" "$dir/dockerd.pid"
  say "stopped"
}

[ $# -eq 2 ] || usage
dir=$2
case "$1" in
  start) start ;;
  stop) stop ;;
  purge)
    stop
    # Never delete through a mount that stop could not undo.
    if [ -d "$dir" ] && awk -v d="$(cd "$dir" && pwd)/" 'index($5, d) == 1 { found = 1 } END { exit !found }' \
      /proc/self/mountinfo; then
      die "something is still mounted under $dir: not deleting it"
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
