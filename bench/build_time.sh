#!/usr/bin/env bash
# The build-time figures of docs/performance.md ("Build time"): wall time beside CPU time
# (user + sys of every compiler and linker, which a loaded machine does not inflate), with
# ccache off so that each figure is a real compile.
#   bench/build_time.sh clone [REF]  git clone of REF (default HEAD) into a temp dir, then the
#                                    README's first command (scripts/run.sh) until silt answers
#                                    /_silt/health/live; then the one-handler rebuild there
#   bench/build_time.sh touch        in ./build: touch server/s3/handlers/tags.cpp, ninja silt
#   bench/build_time.sh tu FILE...   compile FILE as ./build compiles it (output thrown away), CPU
#                                    time; SILT_TU_FLAGS adds flags, e.g. -g0 or -include PCH.h
#   bench/build_time.sh tus [N] [DIR]  the N (default 15) slowest compiles of DIR/.ninja_log
#                                    (default ./build)
#   bench/build_time.sh apt          the apt step on a bare bookworm: the packages that
#                                    scripts/install-deps.sh's build list adds to a minbase
#                                    system, downloaded and unpacked (dpkg-deb -x) in a temp dir;
#                                    nothing is installed
#   bench/build_time.sh fresh [REF]  the whole first start on a fresh Debian: a git clone of REF
#                                    mounted into a bare bookworm container (minbase, made by
#                                    scripts/docker-engine.sh, host network for the mirror), where
#                                    the README's first command runs apt and the build until silt
#                                    answers; wall time from `docker run` to the first answer
# SILT_JOBS caps the parallel compiles as in scripts/run.sh (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export CCACHE_DISABLE=${CCACHE_DISABLE:-1}  # CCACHE_DISABLE=0: with the cache, for comparison
timed() {  # LABEL CMD...: runs CMD, prints LABEL wall= user= sys=
  local label=$1
  shift
  /usr/bin/time -f "$label wall=%es user=%Us sys=%Ss" "$@"
}

touch_rebuild() {  # DIR: the one-handler change, rebuilt and relinked
  touch "$1/server/s3/handlers/tags.cpp"
  timed "touch tags.cpp + ninja silt" ninja -C "$1/build" -j "${SILT_JOBS:-2}" silt >/dev/null
}

case "${1:-}" in
  clone)
    ref=${2:-HEAD}
    dir=$(mktemp -d /tmp/silt-build-time.XXXXXX)
    port=$((20000 + RANDOM % 20000))
    timed "git clone" git clone -q "$repo" "$dir/silt"
    git -C "$dir/silt" checkout -q "$(git rev-parse "$ref")"
    start=$(date +%s.%N)
    # scripts/run.sh execs silt; its CPU time is the build's (run.sh's children) once silt answers.
    (cd "$dir/silt" && exec /usr/bin/time -f "run.sh (install-deps, setup, build, serve) user=%Us sys=%Ss" \
      -o "$dir/run.time" scripts/run.sh --address "127.0.0.1:$port" >"$dir/run.log" 2>&1) &
    until curl -fsS "http://127.0.0.1:$port/_silt/health/live" >/dev/null 2>&1; do
      if ! kill -0 $! 2>/dev/null; then
        tail -20 "$dir/run.log"
        exit 1
      fi
      sleep 1
    done
    echo "clone to serving: wall=$(echo "$(date +%s.%N) - $start" | bc)s (after the clone)"
    # $! is /usr/bin/time; its one child is silt (run.sh execs it).
    kill -INT "$(pgrep -P $!)" || true
    wait $! || true
    cat "$dir/run.time"
    touch_rebuild "$dir/silt"
    echo "load average (1, 5, 15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "build dir kept for inspection: $dir/silt/build (rm -rf $dir)"
    ;;
  fresh)
    ref=${2:-HEAD}
    dir=$(mktemp -d /tmp/silt-fresh.XXXXXX)
    engine=${SILT_DOCKER_DIR:-$repo/build/docker-engine}
    port=$((20000 + RANDOM % 20000))
    git clone -q "$repo" "$dir/silt"
    git -C "$dir/silt" checkout -q "$(git rev-parse "$ref")"
    scripts/docker-engine.sh start "$engine"
    trap 'scripts/docker-engine.sh stop "$engine"' EXIT
    export DOCKER_HOST=unix://$engine/docker.sock DOCKER_CONFIG=$engine/client
    start=$(date +%s.%N)
    /usr/bin/docker run -d --name "silt-fresh-$port" --network host -v "$dir/silt:/silt" -w /silt \
      debian:bookworm scripts/run.sh --address "127.0.0.1:$port" >/dev/null
    until curl -fsS "http://127.0.0.1:$port/_silt/health/live" >/dev/null 2>&1; do
      if [ "$(/usr/bin/docker inspect -f '{{.State.Running}}' "silt-fresh-$port")" != true ]; then
        /usr/bin/docker logs "silt-fresh-$port" 2>&1 | tail -20
        exit 1
      fi
      sleep 1
    done
    echo "fresh bookworm container to serving (apt + build + start): wall=$(echo "$(date +%s.%N) - $start" | bc)s"
    /usr/bin/docker logs "silt-fresh-$port" 2>&1 | grep -E '^installing:' | cut -c1-200 || true
    /usr/bin/docker rm -f "silt-fresh-$port" >/dev/null
    echo "load average (1, 5, 15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -rf "$dir" 2>/dev/null || echo "left $dir (files the container's root made)"
    ;;
  touch) touch_rebuild "$repo" ;;
  tu)
    shift
    for f in "$@"; do
      # The object goes to a scratch file, without a depfile: ./build stays as ninja left it.
      cmd=$(python3 -c 'import json, os, shlex, sys
f = os.path.abspath(sys.argv[1])
a = shlex.split(next(e["command"] for e in json.load(open("build/compile_commands.json"))
                     if os.path.normpath(os.path.join(e["directory"], e["file"])) == f))
for opt in ("-MQ", "-MF", "-o"):
    i = a.index(opt)
    del a[i:i + 2]
a.remove("-MD")
print(shlex.join(a + ["-o", "/tmp/build_time_tu.o"]))' "$f")
      (cd build && timed "$f ${SILT_TU_FLAGS:-}" sh -c "$cmd ${SILT_TU_FLAGS:-}")
    done
    ;;
  tus)
    # .ninja_log: start ms, end ms, mtime, output, hash; the last line per output wins.
    awk -v OFS='\t' 'NR > 1 { t[$4] = ($2 - $1) / 1000 } END { for (o in t) print t[o], o }' "${3:-build}/.ninja_log" |
      sort -rn | head -"${2:-15}"
    ;;
  apt)
    dir=$(mktemp -d /tmp/silt-apt-time.XXXXXX)
    eval "$(sed -n '/^build_pkgs=(/,/)$/p' scripts/install-deps.sh)"
    closure() {  # PKG...: PKG and everything it depends on (no recommends), one a line
      apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "$@" 2>/dev/null | grep -v '^[ <]' | sort -u
    }
    # A minbase system: the Essential and Priority: required packages, apt, and what they need.
    closure apt $(apt-cache dumpavail | awk '/^Package:/ { p = $2 } /^(Priority: required|Essential: yes)/ { print p }' |
      sort -u) >"$dir/base"
    closure "${build_pkgs[@]}" | comm -23 - "$dir/base" >"$dir/new"
    mkdir "$dir/debs" "$dir/root"
    # apt-get warns that root downloads unsandboxed; the timing line is /usr/bin/time's stderr.
    (cd "$dir/debs" && timed "apt-get download of $(wc -l <"$dir/new") packages" \
      sh -c 'apt-get download -qq "$@" 2>/dev/null' sh $(cat "$dir/new"))
    echo "downloaded: $(du -sm "$dir/debs" | cut -f1) MB"
    timed "dpkg-deb -x of each" sh -c 'for d in "$1"/debs/*.deb; do dpkg-deb -x "$d" "$1/root"; done' sh "$dir"
    echo "unpacked: $(du -sm "$dir/root" | cut -f1) MB"
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,17p' "$0"
    exit 2
    ;;
esac
