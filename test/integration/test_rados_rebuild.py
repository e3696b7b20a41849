"""`silt admin rados rebuild-index` (issue 17 item 2, docs/cluster.md) on the shared throwaway Ceph
cluster: objects above inline_bytes are PUT through a real gateway (plain, three versions in a
versioned bucket, multipart, a compressed class), their O/V entries are then removed from the shard
omap with python3-rados, and the command restores them from the "silt.record" xattrs on the data:
GET, ListObjectsV2 and ListObjectVersions give back what they gave before; a second run changes
nothing. A bucket missing from silt.root is reported, not recreated; data waiting for GC (an
overwritten version) does not come back; an inlined object cannot come back.

Each test runs its own gateway in a RADOS namespace of its own."""
import hashlib
import json
import os
import re
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from ceph_cluster import NamespaceIO, ceph_cluster  # noqa: F401
from silt_server import bucket_name, silt_binary
from test_rados_backend import start_gateway

STRIPE = 1 << 20
MiB = 1 << 20


class Namespace(NamespaceIO):
    """The namespace's index and data objects as RADOS has them (python3-rados)."""

    def __init__(self, conf, namespace):
        super().__init__(conf, namespace, ("silt.meta", "silt.std", "silt.cold"))
        self.index = self.io["silt.meta"]
        self.data = [self.io["silt.std"], self.io["silt.cold"]]

    def omap(self, oid, prefix=""):
        import rados
        out, after = {}, ""
        while True:
            with rados.ReadOpCtx() as op:
                it, _ = self.index.get_omap_vals(op, after, prefix, 1000)
                self.index.operate_read_op(op, oid)
                page = dict(it)
            out.update(page)
            if len(page) < 1000:
                return out
            after = max(page)

    def bucket_record(self, bucket):
        return self.omap("silt.root", "B" + bucket).get("B" + bucket)

    def shards(self, bucket):
        bucket_id = json.loads(self.bucket_record(bucket))["id"]
        prefix = f"silt.b.{bucket_id}.s."
        return [o.key for o in self.index.list_objects() if o.key.startswith(prefix)]

    def remove_entries(self, bucket):
        """Drops every O/V (and U/P) entry of the bucket's shards: each shard object is removed and
        re-created with its xattrs and only its D and G entries (python3-rados cuts names at the
        NUL that V entries carry, so they cannot be removed one by one)."""
        import rados
        for shard in self.shards(bucket):
            xattrs = dict(self.index.get_xattrs(shard))
            keep = {k: v for k, v in self.omap(shard).items() if k[:1] in ("D", "G")}
            self.index.remove_object(shard)
            self.index.write_full(shard, b"")
            for name, value in xattrs.items():
                self.index.set_xattr(shard, name, value)
            if keep:
                with rados.WriteOpCtx() as op:
                    self.index.set_omap(op, tuple(keep), tuple(keep.values()))
                    self.index.operate_write_op(op, shard)

    def record_copies(self):
        """Data objects carrying a silt.record xattr."""
        import rados
        n = 0
        for io in self.data:
            for o in io.list_objects():
                if o.key.endswith(".0"):
                    try:
                        io.get_xattr(o.key, "silt.record")
                        n += 1
                    except rados.NoData:
                        pass
        return n

    def wait_record_copies(self, n, timeout=30):
        """The copies are written asynchronously after each commit: wait for n of them."""
        deadline = time.monotonic() + timeout
        while self.record_copies() < n:
            assert time.monotonic() < deadline, f"only {self.record_copies()} of {n} record copies appeared"
            time.sleep(0.2)


def write_config(path, ceph_conf, namespace):
    path.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_conf), "namespace": namespace, "stripe_bytes": STRIPE},
        "pools": [{"name": "standard", "rados_pool": "silt.std"},
                  {"name": "cold", "rados_pool": "silt.cold", "zstd_level": 3}],
        "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"},
    }))
    return path


@pytest.fixture
def env(ceph_cluster, tmp_path):  # noqa: F811
    """(boto3 client, Namespace, run) for one gateway in a fresh namespace; run(*args) runs the
    command and returns its stdout after asserting exit 0."""
    namespace = "rebuild-" + os.urandom(6).hex()
    config = write_config(tmp_path / "silt.json", ceph_cluster.conf, namespace)
    server = start_gateway(tmp_path / "gw", config)
    ns = Namespace(ceph_cluster.conf, namespace)

    def run(*args):
        p = subprocess.run([silt_binary(), "admin", "rados", "rebuild-index", "--config", str(config), *args],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr + p.stdout
        return p.stdout

    yield server.boto3(), ns, run
    ns.close()
    assert server.stop(timeout=10) == 0, server.log_tail()


def counts(out):
    """The figures of the command's output."""
    m = re.search(r"versions +(\d+) restored, (\d+) already present", out)
    o = re.search(r"latest \(O\) +(\d+) restored", out)
    s = re.search(r"skipped +(\d+) data objects missing, (\d+) awaiting GC, (\d+) unreadable", out)
    b = re.search(r"missing buckets +(\d+) \((\d+) records; not recreated\)(.*)", out)
    assert m and o and s and b, out
    return {"restored": int(m[1]), "present": int(m[2]), "latest": int(o[1]), "missing_data": int(s[1]),
            "gc": int(s[2]), "unreadable": int(s[3]), "missing_buckets": int(b[1]), "no_bucket_records": int(b[2]),
            "bucket_names": b[3].split()}


def view(s3, bucket):
    """What clients see of a bucket: listing, versions, and each latest object's bytes."""
    listing = [(o["Key"], o["ETag"], o["Size"], o["StorageClass"], o["LastModified"])
               for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    versions = [(v["Key"], v["VersionId"], v["IsLatest"], v["ETag"], v["Size"])
                for v in s3.list_object_versions(Bucket=bucket).get("Versions", [])]
    bodies = {}
    for key, *_ in listing:
        got = s3.get_object(Bucket=bucket, Key=key)
        bodies[key] = (got["ETag"], got["ContentLength"], got.get("Metadata"), hashlib.md5(got["Body"].read()).digest())
    by_version = {}
    for key, vid, *_ in versions:
        got = s3.get_object(Bucket=bucket, Key=key, VersionId=vid)
        by_version[(key, vid)] = hashlib.md5(got["Body"].read()).digest()
    return listing, versions, bodies, by_version


def test_rebuild_restores_removed_entries(env):
    s3, ns, run = env
    plain, versioned = bucket_name("rb-plain"), bucket_name("rb-versioned")
    s3.create_bucket(Bucket=plain)
    s3.create_bucket(Bucket=versioned)
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})

    s3.put_object(Bucket=plain, Key="plain/big.bin", Body=os.urandom(2 * STRIPE + 777), Metadata={"color": "red"})
    s3.put_object(Bucket=plain, Key="cold.txt", Body=b"compressible line\n" * 100000, StorageClass="STANDARD_IA")
    up = s3.create_multipart_upload(Bucket=plain, Key="multi")
    parts = [os.urandom(5 * MiB), os.urandom(MiB + 3)]
    etags = [s3.upload_part(Bucket=plain, Key="multi", UploadId=up["UploadId"], PartNumber=i + 1, Body=p)["ETag"]
             for i, p in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=plain, Key="multi", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    for i in range(3):
        s3.put_object(Bucket=versioned, Key="doc", Body=os.urandom(8000 + i))
    ns.wait_record_copies(6)
    before = {b: view(s3, b) for b in (plain, versioned)}
    assert len(before[versioned][1]) == 3 and len(before[plain][0]) == 3

    ns.remove_entries(plain)
    ns.remove_entries(versioned)
    with pytest.raises(ClientError) as e:  # the removal is real: the gateway no longer finds them
        s3.get_object(Bucket=plain, Key="multi")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert s3.list_object_versions(Bucket=versioned).get("Versions", []) == []

    out = run()
    print(out)  # the timing line: docs/cluster.md quotes it
    c = counts(out)
    assert (c["restored"], c["present"], c["latest"]) == (6, 0, 4), c
    assert (c["missing_data"], c["gc"], c["unreadable"], c["missing_buckets"]) == (0, 0, 0, 0), c
    assert {b: view(s3, b) for b in (plain, versioned)} == before

    out = run()
    print(out)
    again = counts(out)  # idempotent
    assert (again["restored"], again["present"], again["latest"]) == (0, 6, 0), again
    assert {b: view(s3, b) for b in (plain, versioned)} == before
    s3.put_object(Bucket=versioned, Key="doc", Body=b"after the rebuild" * 1000)  # still writable
    assert len(s3.list_object_versions(Bucket=versioned)["Versions"]) == 4


def test_entries_present_are_kept_and_inline_is_not_restorable(env):
    s3, ns, run = env
    bucket = bucket_name("rb-partial")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="tiny", Body=b"inlined in the index")
    for i in range(2):
        s3.put_object(Bucket=bucket, Key="k", Body=os.urandom(9000 + i))
    ns.wait_record_copies(2)
    old = view(s3, bucket)[1]
    ns.remove_entries(bucket)
    # A version written after the loss is in the index: it stays the latest, nothing replaces it.
    newest = os.urandom(9500)
    vid = s3.put_object(Bucket=bucket, Key="k", Body=newest)["VersionId"]
    ns.wait_record_copies(3)
    out = run("--bucket", bucket)
    c = counts(out)
    assert (c["restored"], c["present"], c["latest"]) == (2, 1, 0), c
    assert "inlined versions" in out
    listing, versions, bodies, _ = view(s3, bucket)
    assert [(v[0], v[1], v[2]) for v in versions] == [("k", vid, True)] + [
        (v[0], v[1], False) for v in old if v[0] == "k"]
    assert bodies["k"][3] == hashlib.md5(newest).digest()
    with pytest.raises(ClientError) as e:  # no data object, no copy: gone with its entries
        s3.get_object(Bucket=bucket, Key="tiny")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert [o[0] for o in listing] == ["k"]


def test_overwritten_data_awaiting_gc_is_not_restored(env):
    s3, ns, run = env
    bucket = bucket_name("rb-gc")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=os.urandom(10000))
    new = os.urandom(10001)
    s3.put_object(Bucket=bucket, Key="k", Body=new)  # the first data waits for GC (15 min grace)
    ns.wait_record_copies(2)
    before = view(s3, bucket)
    ns.remove_entries(bucket)
    c = counts(run("--bucket", bucket))
    assert (c["restored"], c["latest"], c["gc"]) == (1, 1, 1), c
    assert view(s3, bucket) == before
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == new


def test_bucket_missing_from_root_is_reported_not_recreated(env):
    s3, ns, run = env
    bucket = bucket_name("rb-gone")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=os.urandom(10000))
    ns.wait_record_copies(1)
    import rados
    record = ns.bucket_record(bucket)
    with rados.WriteOpCtx() as op:
        ns.index.remove_omap_keys(op, ("B" + bucket,))
        ns.index.operate_write_op(op, "silt.root")
    try:
        c = counts(run())
        assert (c["missing_buckets"], c["no_bucket_records"], c["bucket_names"]) == (1, 1, [bucket]), c
        assert c["restored"] == 0
        assert ns.bucket_record(bucket) is None  # not recreated
    finally:
        with rados.WriteOpCtx() as op:
            ns.index.set_omap(op, ("B" + bucket,), (record,))
            ns.index.operate_write_op(op, "silt.root")
