#!/usr/bin/env bash
# Installs the Debian packages silt needs, only those that are missing.
#   scripts/install-deps.sh          build + run dependencies
#   scripts/install-deps.sh --test   also the real S3 clients the tests drive, and the Ceph
#                                    daemons + librados for the throwaway test cluster
#                                    (scripts/ceph-cluster.sh, test/integration/ceph_cluster.py)
#   scripts/install-deps.sh --bench  what bench/run.sh needs: nginx, wrk, Ceph RGW (the peer), perf,
#                                    valgrind, aws cli and rclone; not part of CI
set -euo pipefail

build_pkgs=(g++ meson ninja-build pkg-config libboost1.81-dev libisal-dev libleveldb-dev
  nlohmann-json3-dev catch2 libssl-dev libpugixml-dev libspdlog-dev libcli11-dev libzstd-dev)
test_pkgs=(rclone s3cmd awscli python3-boto3 python3-pytest python3-requests python3-yaml python3-prometheus-client curl openssl
  docker.io docker-compose mmdebstrap  # a private engine runs the image (test_docker.py, scripts/docker-engine.sh)
  clang libclang-rt-14-dev  # clang + its runtimes: the libFuzzer targets (test/fuzz)
  chromium  # headless, driven by playwright-core: the web console test (test_console.py)
  s3fs restic  # SSE-C through a FUSE mount, backups on encrypted buckets (test_sse_clients.py)
  gdb)  # stops silt at an exact function for a kill -9 there (test_object_lock.py)
# The throwaway Ceph cluster (scripts/ceph-cluster.sh): one mon and three OSDs, a mgr when a test
# asks for pool statistics (SILT_CEPH_MGR=1: the usage cross-check), no radosgw; the `rados`
# Python binding issues the pool commands, librados-dev/libradospp-dev build test/rados_smoke
# (meson -Drados=auto finds them).
ceph_pkgs=(ceph-mon ceph-osd ceph-mgr ceph-common python3-rados librados-dev libradospp-dev)
# bench/run.sh: the peers (Ceph RGW with its mgr, nginx as the byte-serving ceiling), wrk, the
# profilers, and the clients it times.
bench_pkgs=(nginx-light wrk ceph-mon ceph-osd ceph-mgr radosgw ceph-common ceph-base linux-perf valgrind rclone curl)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}" "${ceph_pkgs[@]}")
[ "${1:-}" = "--bench" ] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The tests drive the aws cli on PATH (a pip-installed v1 where there is one) and Debian's
# v2 at /usr/bin/aws (in test_pkgs); the bench times whichever is on PATH.
if [ "${1:-}" = "--bench" ]; then
  command -v aws >/dev/null 2>&1 || missing+=(awscli)
fi
# s3rver (a bench peer) installs with npm; any node/npm on PATH will do.
if [ "${1:-}" = "--bench" ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The node SDK tests (test/integration/test_node_sdk.py) drive the AWS SDK for
# JavaScript v3 pinned in package-lock.json. node >= 20 comes from outside Debian
# (bookworm's is 18), so it is not installed here; without it those tests skip.
# npm writes node_modules/.package-lock.json last, so it marks a finished install.
if [ "${1:-}" = "--test" ]; then
  node_dir="$(cd "$(dirname "$0")/.." && pwd)/test/integration/node"
  stamp="$node_dir/node_modules/.package-lock.json"
  # A symlinked node_modules is another checkout's (a git worktree sharing it): npm ci would
  # empty that one, so leave it to its owner.
  if [ -L "$node_dir/node_modules" ]; then
    :
  elif [ ! -e "$stamp" ] || [ "$node_dir/package-lock.json" -nt "$stamp" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "installing npm packages in $node_dir"
      npm ci --no-audit --no-fund --prefix "$node_dir"
    else
      echo "npm not found: install node >= 20 to run test/integration/test_node_sdk.py" >&2
    fi
  fi
fi
