"""Small objects in segment files (`silt server --inline-threshold`, docs/format.md
"Segment files") on a real silt: no data dir per object, bitrot in a segment shard
read through parity (and beyond parity a clean 500 while silt keeps serving), and
`silt admin rebuild-index` from drives that hold small objects."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from crash_harness import read_segment
from silt_server import SiltServer, silt_binary

SMALL = ("--inline-threshold", str(128 * 1024))


@pytest.fixture
def server(tmp_path):
    s = SiltServer(tmp_path)
    s.args = SMALL
    s.start()
    yield s
    s.stop()


def shard_places(server, bucket, key):
    """[(segment file, offset of the shard image)] of bucket/key, in shard order, from
    the segment files alone (the entry's record copy names bucket and key)."""
    found = {}
    for drive in server.drives():
        for path in sorted((drive / "segments").glob("*.seg")):
            at = 32
            for kind, shard, did, shard_len, rec in read_segment(path):
                if kind == 1 and rec:
                    r = json.loads(rec)
                    if (r["bucket"], r["key"]) == (bucket, key):
                        found[shard] = (path, at + 60)
                at += 60 + shard_len + (len(rec) if rec is not None else 0) + 4
    return [found[i] for i in sorted(found)]


def flip(path, at):
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x5A]))


def data_dirs(server):
    return [p for d in server.drives() for p in (d / "data").glob("*/*")]


def test_small_objects_have_no_data_dirs_and_survive_bitrot(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="small")
    data = os.urandom(100_000)
    s3.put_object(Bucket="small", Key="k", Body=data)
    s3.put_object(Bucket="small", Key="big", Body=os.urandom(128 * 1024 + 1))
    # Only the object over the threshold has data dirs (one per drive).
    assert len(data_dirs(server)) == 6
    places = shard_places(server, "small", "k")
    assert len(places) == 6
    # Bitrot in two shards (past the 32-byte shard header, in the first block).
    for path, at in places[:2]:
        flip(path, at + 32 + 10)
    assert s3.get_object(Bucket="small", Key="k")["Body"].read() == data
    got = s3.get_object(Bucket="small", Key="k", Range="bytes=99990-")["Body"].read()
    assert got == data[99990:]
    # A third damaged shard is beyond parity: a clean 500, and silt keeps serving.
    path, at = places[2]
    flip(path, at + 32 + 10)
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.get_object(Bucket="small", Key="k")["Body"].read()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert e.value.response["Error"]["Code"] == "InternalError"
    s3.put_object(Bucket="small", Key="after", Body=b"still serving")
    assert s3.get_object(Bucket="small", Key="after")["Body"].read() == b"still serving"


def test_rebuild_index_from_drives_holding_small_objects(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="plain")
    s3.create_bucket(Bucket="ver")
    s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": "Enabled"})
    bodies = {("plain", f"k{i}"): os.urandom(i * 997) for i in range(20)}
    for (b, k), v in bodies.items():
        s3.put_object(Bucket=b, Key=k, Body=v, Metadata={"n": k})
    s3.put_object(Bucket="plain", Key="k3", Body=b"overwritten")
    bodies[("plain", "k3")] = b"overwritten"
    s3.delete_object(Bucket="plain", Key="k4")
    del bodies[("plain", "k4")]
    s3.put_object_tagging(Bucket="plain", Key="k5", Tagging={"TagSet": [{"Key": "t", "Value": "v"}]})
    ids = [s3.put_object(Bucket="ver", Key="v", Body=f"version {i}".encode())["VersionId"] for i in range(3)]
    s3.delete_object(Bucket="ver", Key="v", VersionId=ids[1])
    assert data_dirs(server) == []  # all small: segments only (no delete marker here)

    def state():
        listing = [(o["Key"], o["ETag"], o["Size"]) for o in s3.list_objects_v2(Bucket="plain")["Contents"]]
        versions = [(v["Key"], v["VersionId"], v["ETag"]) for v in s3.list_object_versions(Bucket="ver")["Versions"]]
        got = {(b, k): hashlib.sha256(s3.get_object(Bucket=b, Key=k)["Body"].read()).hexdigest()
               for b, k in bodies}
        heads = {k: s3.head_object(Bucket="plain", Key=k)["Metadata"] for _, k in bodies}
        tags = s3.get_object_tagging(Bucket="plain", Key="k5")["TagSet"]
        return listing, versions, got, heads, tags

    before = state()
    assert before[2] == {bk: hashlib.sha256(v).hexdigest() for bk, v in bodies.items()}
    assert server.stop() == 0
    shutil.rmtree(server.data_dir / "index")
    r = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(server.data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "versions        21" in r.stdout and "skipped files   0" in r.stdout, r.stdout
    server.start()
    assert state() == before
    with pytest.raises(s3.exceptions.ClientError) as e:
        s3.head_object(Bucket="plain", Key="k4")
    assert e.value.response["Error"]["Code"] == "404"
