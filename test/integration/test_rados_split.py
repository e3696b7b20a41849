"""Range-partitioned index shards and their online split (issue 17 items 3 and 6,
docs/cluster.md "Index shards"), through two real gateways on the shared throwaway Ceph
cluster, with a split threshold of 200 omap entries so shards split within a test:
concurrent PUTs on both gateways while shards split lose no key and list none twice on
the other gateway; a gateway holding a stale shard map recovers; versions, uploads and
DeleteBucket see every shard. The 1M-key case is the Catch2 "[.slow]" one
(test/unit/rados/rados_split_test.cpp, run by test_rados_unit.py --slow)."""
import concurrent.futures
import json
import os
import time

import pytest
from botocore.exceptions import ClientError

from ceph_cluster import ceph_cluster  # noqa: F401
# The fixtures s3, s3b (a client of each gateway) and bucket (a fresh one) work on this
# module's gateways.
from test_rados_backend import bucket, s3, s3b, start_gateway, stop_gateway  # noqa: F401

SPLIT_ENTRIES = 200


def rados_config(path, ceph_conf, namespace):
    path.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_conf), "namespace": namespace, "split_entries": SPLIT_ENTRIES},
        "pools": [{"name": "standard", "rados_pool": "silt.std", "price_per_tb_month": 20}],
        "storage_classes": {"STANDARD": "standard"},
    }))
    return path


@pytest.fixture(scope="module")
def namespace():
    return "isplit-" + os.urandom(8).hex()


@pytest.fixture(scope="module")
def gateways(ceph_cluster, namespace, tmp_path_factory):  # noqa: F811
    base = tmp_path_factory.mktemp("rados-split")
    config = rados_config(base / "silt.json", ceph_cluster.conf, namespace)
    servers = [start_gateway(base / name, config) for name in ("gw1", "gw2")]
    yield servers
    for s in servers:
        stop_gateway(s)


@pytest.fixture
def shards(ceph_cluster, namespace):  # noqa: F811
    """shards(bucket) -> how many index shard objects the bucket has (python3-rados)."""
    import rados
    cluster = rados.Rados(conffile=str(ceph_cluster.conf))
    cluster.connect(timeout=30)
    io = cluster.open_ioctx("silt.meta")
    io.set_namespace(namespace)

    def count(bucket):
        with rados.ReadOpCtx() as op:
            it, _ = io.get_omap_vals_by_keys(op, ("B" + bucket,))
            io.operate_read_op(op, "silt.root")
            bucket_id = json.loads(dict(it)["B" + bucket])["id"]
        prefix = f"silt.b.{bucket_id}.s."
        return sum(1 for o in io.list_objects() if o.key.startswith(prefix))

    yield count
    io.close()
    cluster.shutdown()


def at_least(shards, bucket, n, timeout=30):
    """Waits for the bucket to have n shards or more (splits run on the gateways' upkeep
    workers after the PUTs that made them due were answered); returns the count."""
    deadline = time.monotonic() + timeout
    while (got := shards(bucket)) < n and time.monotonic() < deadline:
        time.sleep(0.2)
    return got


def all_keys(client, bucket, page=100, **kw):
    keys = []
    for p in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": page},
                                                               **kw):
        keys += [o["Key"] for o in p.get("Contents", [])]
    return keys


def key(i):
    return "logs/%05d" % i


def test_puts_on_two_gateways_while_shards_split(s3, s3b, bucket, shards):
    n = 600
    bodies = {key(i): (os.urandom(5000) if i % 50 == 0 else b"x%d" % i) for i in range(n)}

    def put(i):
        (s3 if i % 2 else s3b).put_object(Bucket=bucket, Key=key(i), Body=bodies[key(i)])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(n)))
    assert at_least(shards, bucket, 4) >= 4  # 600 keys x 2-3 entries at 200 entries a shard
    # List-after-write on each gateway: every key exactly once, in order, across pages
    # that cross shard boundaries.
    for client in (s3, s3b):
        got = all_keys(client, bucket)
        assert got == sorted(bodies), (len(got), len(set(got)))
    assert all_keys(s3b, bucket, page=1000, Prefix="logs/003") == [key(i) for i in range(300, 400)]
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["logs/"] and "Contents" not in r
    # Read-after-write on the other gateway, inline and pooled data alike.
    for i in (0, 1, 299, 300, 550, 599):
        assert s3b.get_object(Bucket=bucket, Key=key(i))["Body"].read() == bodies[key(i)]
        assert s3.get_object(Bucket=bucket, Key=key(i))["Body"].read() == bodies[key(i)]
    # DeleteBucket sees every shard: refused while any holds a key, then allowed.
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key(i)} for i in range(n - 1)]})
    with pytest.raises(ClientError) as e:
        s3b.delete_bucket(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "BucketNotEmpty"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert all_keys(s3, bucket) == [key(n - 1)]
    s3b.delete_object(Bucket=bucket, Key=key(n - 1))
    s3b.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=bucket)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.list_buckets()  # still serving


def test_stale_map_gateway_recovers(s3, s3b, bucket, shards):
    s3.put_object(Bucket=bucket, Key=key(0), Body=b"first")
    assert s3b.get_object(Bucket=bucket, Key=key(0))["Body"].read() == b"first"  # gw2 learns the map
    for i in range(1, 300):  # gw1 splits the shard several times
        s3.put_object(Bucket=bucket, Key=key(i), Body=b"x")
    assert at_least(shards, bucket, 3) >= 3
    # gw2's map is stale now: its reads, writes and deletes still land right.
    assert s3b.get_object(Bucket=bucket, Key=key(299))["Body"].read() == b"x"
    s3b.put_object(Bucket=bucket, Key=key(250), Body=b"from gw2")
    assert s3.get_object(Bucket=bucket, Key=key(250))["Body"].read() == b"from gw2"
    s3b.delete_object(Bucket=bucket, Key=key(251))
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key(251))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    want = [key(i) for i in range(300) if i != 251]
    assert all_keys(s3b, bucket) == want
    assert all_keys(s3, bucket, page=1000) == want


def test_versions_and_uploads_across_shards(s3, s3b, bucket, shards):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    uploads = {}
    for i in range(200):
        s3.put_object(Bucket=bucket, Key=key(i), Body=b"v1")
        if i % 40 == 0:
            uploads[key(i)] = s3b.create_multipart_upload(Bucket=bucket, Key=key(i))["UploadId"]
    for i in range(0, 200, 5):
        s3b.put_object(Bucket=bucket, Key=key(i), Body=b"v2")
    assert at_least(shards, bucket, 3) >= 3
    versions = []
    for p in s3b.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 17}):
        versions += [(v["Key"], v["VersionId"]) for v in p.get("Versions", [])]
    assert len(versions) == len(set(versions)) == 200 + 40
    listed = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    assert listed == sorted(uploads)
    # An upload whose key moved to another shard completes.
    k = key(160)
    part = s3.upload_part(Bucket=bucket, Key=k, UploadId=uploads[k], PartNumber=1, Body=b"p" * 100)
    s3b.complete_multipart_upload(Bucket=bucket, Key=k, UploadId=uploads[k],
                                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == b"p" * 100
