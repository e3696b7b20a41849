#!/bin/bash
# A ListObjects page of 1000 on RADOS at 10k and at 1M keys (issue 17 item 6, docs/cluster.md
# "Index shards"): starts a throwaway Ceph cluster (scripts/ceph-cluster.sh), seeds two buckets
# with empty objects through the backend's own batched commit path (rados/seed.h; shards split
# at the default 100k entries as they fill), then times pages of 1000 at random positions in
# both, alternating, 3 runs; prints each run's medians, their ratio and the load average.
#   bench/rados_pages.sh [BUILD_DIR]      (a build with librados; default build)
set -euo pipefail
build=${1:-build}
bin=$build/test/unit/rados/unit_rados
[ -x "$bin" ] || { echo "$bin not built (meson finds librados at setup)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'scripts/ceph-cluster.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
rmdir "$dir"
scripts/ceph-cluster.sh start "$dir" | tail -1
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
SILT_CEPH_CONF=$dir/ceph.conf "$bin" "rados split: list page of 1000 at 10k and 1M keys" | grep -E "seeded|run [0-9]"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
