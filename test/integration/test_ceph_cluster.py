"""The throwaway Ceph cluster of scripts/ceph-cluster.sh, which the RADOS backend's tests will
run on (issue 17): it is ready with the pools the backend needs, librados does there what the
design relies on (test/rados_smoke), and `stop` leaves nothing behind."""
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

from ceph_cluster import (REPO, CephCluster, ceph_cluster, listeners, listening_ports,  # noqa: F401
                          pid_running, processes_using)


def smoke_binary():
    """build/test/rados_smoke beside $SILT_BIN's build, or $SILT_RADOS_SMOKE."""
    if os.environ.get("SILT_RADOS_SMOKE"):
        return pathlib.Path(os.environ["SILT_RADOS_SMOKE"])
    silt = pathlib.Path(os.environ.get("SILT_BIN") or REPO / "build" / "silt")
    return silt.parent / "test" / "rados_smoke"


def ceph_json(cluster, *args):
    r = subprocess.run(["ceph", "-c", str(cluster.conf), *args, "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_cluster_is_ready_with_the_backend_pools(ceph_cluster):
    r = ceph_cluster.status()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "osds: 3 total, 3 up, 3 in" in r.stdout, r.stdout
    assert set(ceph_cluster.daemons()) == {"mon.a", "osd.0", "osd.1", "osd.2"}

    pools = {p["pool_name"]: p for p in ceph_json(ceph_cluster, "osd", "pool", "ls", "detail")}
    assert set(pools) == {"silt.meta", "silt.std", "silt.cold"}
    assert (pools["silt.meta"]["type"], pools["silt.meta"]["size"]) == (1, 2)  # 1 = replicated
    for name in ("silt.std", "silt.cold"):
        assert pools[name]["type"] == 3, name  # 3 = erasure
        assert pools[name]["erasure_code_profile"] == "silt-isa-2-1"
        assert (pools[name]["size"], pools[name]["min_size"]) == (3, 2)
    assert pools["silt.cold"]["options"]["compression_algorithm"] == "zstd"
    assert pools["silt.cold"]["options"]["compression_mode"] == "aggressive"
    assert "compression_mode" not in pools["silt.std"]["options"]
    profile = ceph_json(ceph_cluster, "osd", "erasure-code-profile", "get", "silt-isa-2-1")
    assert (profile["plugin"], profile["k"], profile["m"], profile["crush-failure-domain"]) == \
        ("isa", "2", "1", "osd")

    # The mon listens inside the cluster's own window, not on Ceph's fixed 3300/6789.
    assert {ceph_cluster.port_base, ceph_cluster.port_base + 1} <= listening_ports(
        ceph_cluster.port_base, ceph_cluster.port_base + ceph_cluster.port_width)


def test_librados_smoke(ceph_cluster):
    smoke = smoke_binary()
    if not smoke.exists():
        pytest.fail(f"{smoke} not built although librados is installed: meson only looks for it "
                    "at setup, so run `meson setup --reconfigure build` (-Drados=auto) and build",
                    pytrace=False)
    r = subprocess.run([str(smoke), str(ceph_cluster.conf)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for line in ("aio_read returns the bytes written",
                 "omap_cmp-guarded set with a stale expected value fails -ECANCELED (r=-125)",
                 "exclusive create of an existing object fails -EEXIST (r=-17)",
                 "omap_get_vals2 pages of 100, 100, 50 with more=1, 1, 0",
                 "rados_smoke: all checks passed"):
        assert line in r.stdout, r.stdout
    # The smoke can fail: a pool that does not exist stops it at its first check.
    r = subprocess.run([str(smoke), str(ceph_cluster.conf), "silt.nonexistent"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "FAIL: open data pool silt.nonexistent" in r.stdout, r.stdout


def test_second_cluster_then_stop_leaves_nothing(ceph_cluster):
    """A second cluster starts beside the shared one (its own port window), and its `stop` ends
    exactly its recorded daemons: one that ignores TERM is KILLed, a recorded PID that now
    belongs to another process is left alone, and no process or listening port remains."""
    other = CephCluster()
    try:
        other.start()
        mine = range(ceph_cluster.port_base, ceph_cluster.port_base + ceph_cluster.port_width)
        theirs = range(other.port_base, other.port_base + other.port_width)
        assert not set(mine) & set(theirs)
        daemons = other.daemons()
        assert len(daemons) == 4 and all(pid_running(p) for p in daemons.values()), daemons
        before = listening_ports(other.port_base, other.port_base + other.port_width)
        assert {other.port_base, other.port_base + 1} <= before
        assert len(before) >= 2 + 3 * 2, before  # mon v2+v1, each OSD at least public v2+v1
        assert set(processes_using(other.dir)) == set(daemons.values())

        # osd.1 stops answering signals but KILL; an unrelated process takes a recorded line.
        os.kill(daemons["osd.1"], signal.SIGSTOP)
        decoy = subprocess.Popen(["sleep", "60"])
        with open(other.dir / "daemons", "a") as f:
            f.write(f"osd.9 {decoy.pid}\n")
        try:
            other.stop(remove=False, term_timeout=2)
            assert "KILL" in other.stop_output and str(daemons["osd.1"]) in other.stop_output
            assert decoy.poll() is None, "stop signalled a PID that is not one of its daemons"
        finally:
            decoy.kill()
            decoy.wait()

        assert [p for p in daemons.values() if pid_running(p)] == []
        assert processes_using(other.dir) == []
        # No listening socket of its own is left. The window is random, so another cluster on
        # this machine (a concurrent test run) may listen in it: only owners matter.
        # A KILLed daemon's sockets close once all its threads have exited, a moment after its
        # main thread shows as a zombie: wait for that, up to 10 s.
        def left():
            ours = set(processes_using(other.dir))
            return {port: pids for port, pids in
                    listeners(other.port_base, other.port_base + other.port_width).items()
                    if not pids or pids & ours}
        deadline = time.monotonic() + 10
        while left() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert left() == {}
        # The shared cluster did not notice.
        assert ceph_cluster.status().returncode == 0
    finally:
        other.stop(remove=False)
        subprocess.run(["rm", "-rf", str(other.dir)])
