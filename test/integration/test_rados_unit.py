"""The RADOS backend's Catch2 unit tests (test/unit/rados, build/test/unit/rados/unit_rados),
run against the shared throwaway Ceph cluster: meson test has no cluster, this has."""
import os
import pathlib
import subprocess

import pytest

from ceph_cluster import REPO, ceph_cluster  # noqa: F401


def unit_binary():
    silt = pathlib.Path(os.environ.get("SILT_BIN") or REPO / "build" / "silt")
    return silt.parent / "test" / "unit" / "rados" / "unit_rados"


def test_rados_unit_tests(ceph_cluster):
    binary = unit_binary()
    if not binary.exists():
        pytest.fail(f"{binary} not built although the Ceph packages are installed: meson finds librados "
                    "only at setup (meson setup --reconfigure build)", pytrace=False)
    r = subprocess.run([str(binary)], capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, SILT_CEPH_CONF=str(ceph_cluster.conf)))
    assert r.returncode == 0, r.stdout[-20000:] + r.stderr[-5000:]
    assert "All tests passed" in r.stdout, r.stdout[-5000:]


@pytest.mark.slow
def test_rados_split_of_1m_keys(ceph_cluster):
    """The 1M-key bucket split under concurrent PUTs (hidden "[.slow]" Catch2 case): every key
    listed exactly once on both gateways."""
    binary = unit_binary()
    if not binary.exists():
        pytest.fail(f"{binary} not built", pytrace=False)
    r = subprocess.run([str(binary), "rados split: 1M keys seeded and split under concurrent PUTs are each listed once"],
                       capture_output=True, text=True, timeout=3600,
                       env=dict(os.environ, SILT_CEPH_CONF=str(ceph_cluster.conf)))
    assert r.returncode == 0, r.stdout[-20000:] + r.stderr[-5000:]
    assert "All tests passed" in r.stdout, r.stdout[-5000:]
