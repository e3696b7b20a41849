"""The crash harness (crash_harness.py) against two RADOS-backed gateways on the suite's shared
cluster (issue 18 item 3): the mixed workload (PUT, DELETE, versions, DeleteObjects, copies,
multipart complete and abort) spread over both gateways, `kill -9` of either at random moments
(sometimes again during its restart), then a check through the other gateway: every
acknowledged operation's result read back whole, nothing half-written listed, no data object
the index does not name (`silt admin rados orphans`), and, once the sweepers ran, no write
intent left.

The short run is in the default suite; the long one is behind `slow` (SILT_SLOW=1). By hand:
    /usr/bin/python3 test/integration/crash_harness.py --kills 50 --ceph-conf DIR/ceph.conf
"""
import os
import time

import pytest

import crash_harness as ch
from ceph_cluster import ceph_cluster  # noqa: F401


def run(ceph_cluster, tmp_path, kills, seconds):  # noqa: F811
    start = time.time()
    h = ch.run(tmp_path, kills=kills, max_interval=2.0, deadline=start + seconds, log=None,
               rados={"ceph_conf": ceph_cluster.conf, "namespace": "crash-" + os.urandom(6).hex()})
    elapsed = time.time() - start
    report = f"seed {h.seed}, kills {h.kills}, stats {h.stats}, ops {h.by_op}\n" + "\n".join(
        h.violations + h.unexpected)
    print(f"\nRADOS crash harness: {h.kills} kills (gateway 0: {h.stats['rados_kills'][0]}, "
          f"gateway 1: {h.stats['rados_kills'][1]}), {h.stats['startup_kills']} during a restart, "
          f"{h.stats['acked_ops']} operations acknowledged, {h.stats['unacked_ops']} cut short, "
          f"{h.stats['versions_checked']} versions read back, {h.stats['orphan_checks']} orphan checks, "
          f"{len(h.violations)} violations (lost: 0 when none), {elapsed:.0f} s, seed {h.seed}")
    assert not h.violations, report
    assert not h.unexpected, report
    assert h.kills >= max(2, kills // 2), f"only {h.kills} kills in {elapsed:.0f} s\n{report}"
    assert h.stats["unacked_ops"] > 0, report
    assert h.stats["acked_ops"] > 5 * h.kills and h.stats["versions_checked"] > 0, report
    # verify() ran the orphan check after every kill, and the final sweep check ran.
    assert h.stats["orphan_checks"] == h.kills + 1, report
    return h


def test_kill9_either_gateway_loses_nothing_acknowledged(ceph_cluster, tmp_path):  # noqa: F811
    run(ceph_cluster, tmp_path, kills=6, seconds=75)


@pytest.mark.slow
def test_kill9_either_gateway_long(ceph_cluster, tmp_path):  # noqa: F811
    h = run(ceph_cluster, tmp_path, kills=40, seconds=1200)
    assert min(h.stats["rados_kills"]) > 0, h.stats  # both gateways were killed


def test_harness_reports_cluster_damage(ceph_cluster, tmp_path):  # noqa: F811
    """The RADOS checks can fail: a data object written behind the gateways' backs (silt's
    naming, no index entry) and an acknowledged object deleted by someone else are reported."""
    import rados
    namespace = "crash-" + os.urandom(6).hex()
    h = ch.Harness(tmp_path, workers=2, seed=7, max_interval=1.5, log=None,
                   rados={"ceph_conf": ceph_cluster.conf, "namespace": namespace})
    h.setup()
    cluster = rados.Rados(conffile=str(ceph_cluster.conf))
    cluster.connect(timeout=30)
    try:
        h.round()
        h.start()
        h.verify()
        assert not h.violations and not h.unexpected, h.violations + h.unexpected
        stray = os.urandom(16).hex() + ".0"
        with cluster.open_ioctx("silt.std") as io:
            io.set_namespace(namespace)
            io.write_full(stray, b"not named by the index")
        gone = next(k for w in h.workers for k in w.keys if not k.versioned and ch.ABSENT not in k.possible)
        h.reader.boto3().delete_object(Bucket=gone.bucket, Key=gone.key)
        h.verify()
    finally:
        cluster.shutdown()
        for g in h.gateways:
            g.stop()
    found = "\n".join(h.violations)
    assert f"orphan standard {stray} " in found, found
    assert f"{gone.bucket}/{gone.key}: acknowledged object lost" in found, found
