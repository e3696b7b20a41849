"""The backend conformance suite (test/unit/conformance, build/test/unit/conformance/unit_conformance)
against the RADOS backend on the shared throwaway Ceph cluster: with SILT_CEPH_CONF set the suite
registers the RADOS backend beside erasure, so every case is held to the same assertions on both;
SILT_CONFORMANCE_ONLY=rados runs the RADOS half alone here (`meson test` runs the erasure ones).
Cases RADOS cannot run yet are on its skip list (test/unit/conformance/rados_backend.cpp); each is
reported as a warning, and this test prints them and checks none is skipped silently."""
import os
import pathlib
import re
import subprocess

import pytest

from ceph_cluster import REPO, ceph_cluster  # noqa: F401

SKIP_LIST = REPO / "test" / "unit" / "conformance" / "rados_backend.cpp"


def unit_binary():
    silt = pathlib.Path(os.environ.get("SILT_BIN") or REPO / "build" / "silt")
    return silt.parent / "test" / "unit" / "conformance" / "unit_conformance"


def skip_list():
    """The test case names on the RADOS backend's skip list, as written in its source."""
    text = SKIP_LIST.read_text()
    block = text[text.index("std::vector<Skip> skipped = {"):]
    block = block[:block.index("};")]
    return re.findall(r'\{"([^"]+)", "[^"]+"\}', block)


def test_conformance_suite_on_rados(ceph_cluster):
    binary = unit_binary()
    if not binary.exists():
        pytest.fail(f"{binary} not built", pytrace=False)
    # The compact reporter prints the warnings of passing cases too, one line each: each skip shows.
    r = subprocess.run([str(binary), "--reporter", "compact"], capture_output=True, text=True, timeout=1800,
                       env=dict(os.environ, SILT_CEPH_CONF=str(ceph_cluster.conf), SILT_CONFORMANCE_ONLY="rados"))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-30000:]
    assert "Passed all" in out, out[-5000:]
    listed = skip_list()
    print(f"\nconformance on rados: {len(listed)} cases skipped (test/unit/conformance/rados_backend.cpp):")
    for name in listed:
        print(f"  - {name}")
    # Each listed case said so in the output (so RADOS ran the suite), and no other case did.
    said = set(re.findall(r'skipped on rados: "([^"]+)"', out))
    assert said == set(listed), (sorted(said ^ set(listed)), out[-8000:])
