"""`silt admin rados orphans` (issue 18 item 3): data objects no index entry names, and write
intents older than the timeout, on the suite's shared cluster in a namespace of this module.

A gateway with every kind of live data (inlined, striped, multipart completed and in progress,
versions and a delete marker, replaced data waiting for GC) is clean; an object written raw
into the data pool with silt's naming is reported; the data of a gateway killed mid-PUT is
named by its intent and reported (as a stale intent) only once the intent is older than the
timeout, and the check is clean again once a gateway's sweeper has reclaimed it."""
import json
import os
import signal
import subprocess
import time

import pytest

import s3raw
from ceph_cluster import ceph_cluster  # noqa: F401
from silt_server import bucket_name, silt_binary
from test_rados_backend import start_gateway as start
from test_rados_crash import Namespace

STRIPE = 64 << 10


def config_file(path, conf, namespace, **rados):
    path.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(conf), "namespace": namespace, "stripe_bytes": STRIPE, **rados},
        "pools": [{"name": "standard", "rados_pool": "silt.std"},
                  {"name": "cold", "rados_pool": "silt.cold", "zstd_level": 3}],
        "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"},
    }))
    return path


def orphans(config, *args):
    """Runs the check; returns (exit code, stdout)."""
    r = subprocess.run([str(silt_binary()), "admin", "rados", "orphans", "--config", str(config), *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1), f"rc {r.returncode}\n{r.stdout}{r.stderr}"
    return r.returncode, r.stdout


def lines(out, kind):
    return [line.split() for line in out.splitlines() if line.startswith(kind + " ")]


@pytest.fixture(scope="module")
def cluster_ns(ceph_cluster, tmp_path_factory):  # noqa: F811
    """A gateway (GC thread off, so nothing is swept behind the tests' backs) holding every kind
    of live data, its config, and a python3-rados view of its namespace."""
    base = tmp_path_factory.mktemp("orphans")
    namespace = "orphans-" + os.urandom(6).hex()
    config = config_file(base / "silt.json", ceph_cluster.conf, namespace, gc_interval_seconds=0)
    gw = start(base / "gw", config)
    ns = Namespace(ceph_cluster.conf, namespace)
    ns.namespace = namespace
    s3 = gw.boto3()
    bucket = bucket_name("orph")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="inline", Body=b"x" * 100)
    s3.put_object(Bucket=bucket, Key="striped", Body=os.urandom(3 * STRIPE + 5))
    s3.put_object(Bucket=bucket, Key="cold", Body=b"{\"a\": 1}\n" * 20000, StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="replaced", Body=os.urandom(STRIPE))
    s3.put_object(Bucket=bucket, Key="replaced", Body=os.urandom(STRIPE))  # the first waits in G
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=n,
                                                      Body=os.urandom(5 << 20 if n == 1 else 1000))["ETag"]}
             for n in (1, 2)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload={"Parts": parts})
    open_up = s3.create_multipart_upload(Bucket=bucket, Key="open")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="open", UploadId=open_up, PartNumber=1, Body=os.urandom(STRIPE + 1))
    vbucket = bucket_name("orphv")
    s3.create_bucket(Bucket=vbucket)
    s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Enabled"})
    for i in range(3):
        s3.put_object(Bucket=vbucket, Key="v", Body=os.urandom(STRIPE + i))
    s3.delete_object(Bucket=vbucket, Key="v")
    assert ns.entries("G") >= 1 and ns.entries("P") >= 1
    yield config, gw, ns, bucket
    ns.close()
    gw.stop()


def data_objects(ns):
    """Objects of the namespace in both data pools."""
    cold = ns.cluster.open_ioctx("silt.cold")
    cold.set_namespace(ns.namespace)
    try:
        return sum(1 for _ in ns.data.list_objects()) + sum(1 for _ in cold.list_objects())
    finally:
        cold.close()


def test_clean_cluster_reports_none(cluster_ns):
    config, _, ns, _ = cluster_ns
    rc, out = orphans(config)
    assert rc == 0, out
    assert not lines(out, "orphan") and not lines(out, "stale-intent"), out
    assert "orphans          0" in out and "stale intents    0" in out, out
    # It looked at every data object of the namespace (the striped, cold, multipart, versioned
    # and replaced data: more than 10), none of them foreign.
    total = data_objects(ns)
    assert total > 10
    assert f" and {total} data objects in 2 pools" in out, out
    assert "0 objects without silt's data names" in out, out


def test_raw_object_with_silt_naming_is_reported(cluster_ns):
    config, gw, ns, bucket = cluster_ns
    stray = os.urandom(16).hex()
    ns.data.write_full(f"{stray}.0", b"a" * 1000)
    ns.data.write_full(f"{stray}.1", b"b" * 10)
    ns.data.write_full("not-silt-data", b"c")  # not silt's naming: counted, never judged
    try:
        rc, out = orphans(config)
        assert rc == 1, out
        found = sorted(line[2] for line in lines(out, "orphan"))
        assert found == [f"{stray}.0", f"{stray}.1"], out
        assert lines(out, "orphan")[0][1] == "standard", out
        assert not lines(out, "stale-intent"), out
        assert "1 objects without silt's data names" in out, out
    finally:
        for oid in (f"{stray}.0", f"{stray}.1", "not-silt-data"):
            ns.data.remove_object(oid)
    assert orphans(config)[0] == 0
    # The gateway keeps serving.
    assert gw.boto3().get_object(Bucket=bucket, Key="inline")["Body"].read() == b"x" * 100


def test_killed_mid_put_reported_after_the_intent_timeout(cluster_ns, tmp_path):
    config, gw, ns, bucket = cluster_ns
    victim = start(tmp_path / "victim", config)
    try:
        # A PUT of 2 MiB whose client sent half: the gateway holds its intent and has written
        # stripes of it, and will never commit.
        size, sent = 2 << 20, 1 << 20
        path = s3raw.key_path(bucket, "half")
        headers = victim.signer().sign("PUT", path, (), {"Content-Length": str(size)}, s3raw.UNSIGNED)
        before = ns.data_ids()
        conn = victim.raw()
        conn.send_head("PUT", path, headers)
        conn.send(os.urandom(sent))
        deadline = time.monotonic() + 30
        while (ns.entries("I") == 0 or not ns.data_ids() - before) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ns.entries("I") == 1, "the half-sent PUT holds no intent"
        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait()
        killed = time.monotonic()
        conn.close()
    finally:
        victim.stop()

    # Before the timeout: the data is named by a live intent, so nothing is reported.
    rc, out = orphans(config, "--intent-timeout", "8")
    assert time.monotonic() - killed < 8, "too slow to check before the timeout"
    assert rc == 0, out
    # After it: the intent is stale and names the data it left; the data is not an orphan.
    time.sleep(max(0.0, 8.5 - (time.monotonic() - killed)))
    rc, out = orphans(config, "--intent-timeout", "8")
    assert rc == 1, out
    stale = lines(out, "stale-intent")
    assert len(stale) == 1 and not lines(out, "orphan"), out
    assert "key=half" in stale[0] and "pool=standard" in stale[0], out
    objects = int(stale[0][stale[0].index("objects") - 2])
    assert objects >= 1, out
    assert sum(1 for o in ns.data.list_objects() if o.key.startswith(stale[0][2] + ".")) == objects

    # A gateway with its sweeper on reclaims it; then the check is clean again.
    sweeper_config = config_file(tmp_path / "sweeper.json", json.loads(config.read_text())["rados"]["ceph_conf"],
                                 json.loads(config.read_text())["rados"]["namespace"],
                                 intent_timeout_seconds=8, gc_interval_seconds=1, gc_grace_seconds=900)
    sweeper = start(tmp_path / "sweeper", sweeper_config)
    try:
        deadline = time.monotonic() + 60
        while ns.entries("I") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ns.entries("I") == 0
    finally:
        sweeper.stop()
    rc, out = orphans(config, "--intent-timeout", "8")
    assert rc == 0, out

