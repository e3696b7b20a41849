"""ListObjects of packed buckets on RADOS (docs/cluster.md, "Packed listings";
rados/list_pack.h): buckets this build creates list from K<last key> blocks and L<key>
deltas; older buckets list from their O entries. The truth a page is checked against comes
from elsewhere: the bucket's O entries, read from its shards with python3-rados (each key's
latest version, written in the op of every commit), less the keys whose HEAD answers 404 (a
delete marker is the latest), with each key's ETag, size, date and class from its HEAD (the
record, not the listing); the expected pages are cut from that, by S3's rules. So:

- a bucket this build created and wrote (every kind of commit, splits, deletes, blocks
  compacted by this build) lists its O entries, page by page, for every prefix, delimiter,
  start-after and page size;
- a bucket without the packed flag (as every gateway before packed listings created them:
  the flag taken out of its record, a fresh gateway) lists the same before and after writes,
  and gets no deltas or blocks (no migration);
- a corrupt block answers 500 InternalError (never a page with keys missing), and the
  gateway keeps serving.
Shards split at 300 entries here and compaction runs every 18 commits to a shard, so a
few hundred PUTs give blocks, deltas over them and splits across them.
"""
import json
import os
import time
import concurrent.futures as cf

import pytest
from botocore.exceptions import ClientError

from ceph_cluster import ceph_cluster  # noqa: F401
from silt_server import bucket_name
from test_rados_backend import rados_config, start_gateway, stop_gateway

MiB = 1 << 20
SPLIT_ENTRIES = 300


@pytest.fixture(scope="module")
def namespace():
    return "itest-list-" + os.urandom(6).hex()


@pytest.fixture(scope="module")
def config(ceph_cluster, tmp_path_factory, namespace):  # noqa: F811
    base = tmp_path_factory.mktemp("rados-list")
    return base, rados_config(base / "silt.json", ceph_cluster.conf, namespace,
                              rados={"split_entries": SPLIT_ENTRIES})


@pytest.fixture(scope="module")
def gateway(config):
    base, conf = config
    gw = start_gateway(base / "gw", conf)
    yield gw
    stop_gateway(gw)


@pytest.fixture(scope="module")
def s3(gateway):
    return gateway.boto3()


@pytest.fixture(scope="module")
def index(ceph_cluster, namespace):  # noqa: F811
    """python3-rados on the index pool, in the gateways' namespace."""
    import rados
    cluster = rados.Rados(conffile=str(ceph_cluster.conf))
    cluster.connect(timeout=30)
    io = cluster.open_ioctx("silt.meta")
    io.set_namespace(namespace)
    yield io
    io.close()
    cluster.shutdown()


def omap(io, oid, prefix):
    """The entries of oid starting with prefix. python3-rados passes start_after as a C
    string: page only over names without a NUL (O, L, M, K and B entries)."""
    import rados
    out, after = {}, ""
    while True:
        with rados.ReadOpCtx() as op:
            it, _ = io.get_omap_vals(op, after, prefix, 1000)
            io.operate_read_op(op, oid)
            page = dict(it)
        out.update(page)
        if not page:
            return out
        after = max(page)


def bucket_record(io, bucket):
    return json.loads(omap(io, "silt.root", "B" + bucket)["B" + bucket])


def set_bucket_record(io, bucket, record):
    import rados
    with rados.WriteOpCtx() as op:
        io.set_omap(op, ("B" + bucket,), (json.dumps(record).encode(),))
        io.operate_write_op(op, "silt.root")


def shards(io, bucket):
    prefix = f"silt.b.{bucket_record(io, bucket)['id']}.s."
    return [o.key for o in io.list_objects() if o.key.startswith(prefix)]


def deltas(io, oid):
    """The listing deltas of shard oid, of every epoch: L<key> (epoch 0) and
    M<16 hex digits><key> (rados/list_epochs.h)."""
    return {**omap(io, oid, "L"), **omap(io, oid, "M")}


def kinds(io, bucket):
    """How many K (blocks) entries and deltas the bucket's shards hold, and its shards."""
    k = l = 0
    names = shards(io, bucket)
    for oid in names:
        k += len(omap(io, oid, "K"))
        l += len(deltas(io, oid))
    return k, l, len(names)


def settled(io, bucket, timeout=30):
    """Waits until the bucket's shards, their blocks and deltas stop changing for a second:
    compactions and splits run on each gateway's upkeep worker after the commits that made
    them due have been answered (rados/upkeep.h)."""
    last, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = [(oid, sorted(omap(io, oid, "K")), sorted(deltas(io, oid))) for oid in sorted(shards(io, bucket))]
        if now == last:
            return
        last = now
        time.sleep(1)
    raise AssertionError(f"the shards of {bucket} still changing after {timeout} s")


PARAMS = [dict(), dict(Prefix="a/"), dict(Delimiter="/"), dict(Prefix="a/", Delimiter="/"),
          dict(StartAfter="a/b"), dict(Prefix="dir/", Delimiter="/", StartAfter="dir/x"),
          dict(Prefix="n/1"), dict(Prefix="n/", Delimiter="5")]


def pages(client, bucket, max_keys, **kw):
    """Every page of a ListObjectsV2 walk, as the fields a client sees."""
    out, token = [], None
    for _ in range(2000):
        args = dict(Bucket=bucket, MaxKeys=max_keys, **kw)
        if token:
            args["ContinuationToken"] = token
        r = client.list_objects_v2(**args)
        out.append(([(c["Key"], c["ETag"], c["Size"], c["LastModified"], c["StorageClass"])
                     for c in r.get("Contents", [])],
                    [p["Prefix"] for p in r.get("CommonPrefixes", [])], r["IsTruncated"], r["KeyCount"]))
        if not r["IsTruncated"]:
            return out
        token = r["NextContinuationToken"]
    raise AssertionError("listing did not end")


def truth(client, io, bucket):
    """Each listed key's (Key, ETag, Size, LastModified, StorageClass) as its O entry and its
    HEAD have them: the keys of the O entries of every shard (the omap names, "O" + key),
    without those whose latest version is a delete marker (HEAD 404)."""
    names = [n[1:] for oid in shards(io, bucket) for n in omap(io, oid, "O")]

    def head(key):
        try:
            h = client.head_object(Bucket=bucket, Key=key)
        except ClientError as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, e.response
            return None
        return (key, h["ETag"], h["ContentLength"], h["LastModified"], h.get("StorageClass", "STANDARD"))

    with cf.ThreadPoolExecutor(8) as ex:
        return sorted(c for c in ex.map(head, names) if c)


def expected_pages(objects, max_keys, Prefix="", Delimiter=None, StartAfter=""):
    """pages() of a ListObjectsV2 walk over objects (truth()), cut by S3's rules: keys after
    StartAfter under Prefix, those with Delimiter after the prefix rolled up into one
    CommonPrefix each, then max_keys items (keys and prefixes) a page."""
    items, seen = [], set()
    for c in objects:  # in key order: code points sort as UTF-8 bytes do
        key = c[0]
        if not key.startswith(Prefix) or key <= StartAfter:
            continue
        cut = key.find(Delimiter, len(Prefix)) if Delimiter else -1
        if cut >= 0:
            common = key[:cut + len(Delimiter)]
            if common not in seen:
                seen.add(common)
                items.append(("p", common))
        else:
            items.append(("k", c))
    chunks = [items[i:i + max_keys] for i in range(0, len(items), max_keys)] or [[]]
    return [([c for t, c in chunk if t == "k"], [c for t, c in chunk if t == "p"], n < len(chunks) - 1, len(chunk))
            for n, chunk in enumerate(chunks)]


def seconds(page_list):
    """LastModified to whole seconds: a HEAD's date has no milliseconds, a listing's has."""
    return [([(k, e, s, d.replace(microsecond=0), c) for k, e, s, d, c in keys], prefixes, truncated, count)
            for keys, prefixes, truncated, count in page_list]


def expected_v1(objects):
    """listings()' ListObjects v1 walk (7 a page, Delimiter "/") over objects."""
    return [([c[0] for c in keys], prefixes) for keys, prefixes, _, _ in expected_pages(objects, 7, Delimiter="/")]


def expected_listings(objects):
    return [expected_pages(objects, m, **p) for p in PARAMS for m in (1, 7, 1000)] + [expected_v1(objects)]


def assert_lists_its_o_entries(client, io, bucket):
    """Every walk of listings() equals the one cut from truth()."""
    objects = truth(client, io, bucket)
    got = listings(client, bucket)
    want = expected_listings(objects)
    for n, (g, w) in enumerate(zip(got[:-1], want[:-1])):
        assert seconds(g) == seconds(w), f"walk {n}: {PARAMS[n // 3]}, {(1, 7, 1000)[n % 3]} a page"
    assert got[-1] == want[-1], "the ListObjects v1 walk"
    return objects


def listings(client, bucket):
    v1 = []
    marker = None
    while True:  # ListObjects v1 with markers, too
        args = dict(Bucket=bucket, MaxKeys=7, Delimiter="/")
        if marker:
            args["Marker"] = marker
        r = client.list_objects(**args)
        v1.append(([c["Key"] for c in r.get("Contents", [])], [p["Prefix"] for p in r.get("CommonPrefixes", [])]))
        if not r["IsTruncated"]:
            break
        marker = r.get("NextMarker") or r["Contents"][-1]["Key"]
    return [pages(client, bucket, m, **p) for p in PARAMS for m in (1, 7, 1000)] + [v1]


# The last one has bytes the page's XML escapes, copied in runs between them (server/s3/xml_writer.h).
KEYS = ["a", "a/b", "a/b/c", "a/c", "a/d/e", "ab", "b/1", "c.txt", "dir/x/1", "dir/x/2", "dir/y", "z",
        "\u20ac", "e\u00e9", "q&a<b>'\"c&&"]


def put_many(s3, bucket, keys, body=b""):
    with cf.ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=body), keys))


def write_everything(s3, bucket):
    """PUTs, an overwrite, a copy, tags, a multipart object, versions, delete markers and
    version deletes: every kind of commit that sets or removes an O entry."""
    for i, k in enumerate(KEYS):
        s3.put_object(Bucket=bucket, Key=k, Body=b"y" * i, StorageClass="STANDARD_IA" if i % 5 == 0 else "STANDARD")
    s3.put_object(Bucket=bucket, Key="a", Body=b"overwritten")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "a/b"})
    s3.put_object_tagging(Bucket=bucket, Key="ab", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
    up = s3.create_multipart_upload(Bucket=bucket, Key="dir/multi")
    parts = []
    for n in (1, 2):
        r = s3.upload_part(Bucket=bucket, Key="dir/multi", UploadId=up["UploadId"], PartNumber=n,
                           Body=os.urandom(5 * MiB if n == 1 else 1000))
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="dir/multi", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": parts})
    s3.delete_object(Bucket=bucket, Key="z")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="v", Body=b"one")
    v2 = s3.put_object(Bucket=bucket, Key="v", Body=b"two!")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="v", VersionId=v2)  # O goes back to v1
    s3.delete_object(Bucket=bucket, Key="b/1")  # a delete marker: the key is not listed
    w = s3.put_object(Bucket=bucket, Key="w", Body=b"w")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="w", VersionId=w)  # its last version: O goes


# churn's keys left: 700, less those deleted and not put again (indices 0 mod 3, not 1 mod
# 7), plus 300.
LIVE_AFTER_CHURN = 700 - len(set(range(0, 700, 3)) - set(range(1, 700, 7))) + 300


def churn(s3, index, bucket):
    """Enough PUTs for compactions and splits (blocks, deltas over them, blocks cut at
    bounds), then deletes and overwrites over blocks; the pages list the O entries throughout.
    Returns the keys listed."""
    many = [f"n/{i:04d}" for i in range(700)]
    put_many(s3, bucket, many)
    settled(index, bucket)
    blocks, deltas, nshards = kinds(index, bucket)
    assert blocks > 0 and nshards > 1, (blocks, deltas, nshards)
    assert_lists_its_o_entries(s3, index, bucket)
    with cf.ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda k: s3.delete_object(Bucket=bucket, Key=k), many[::3]))
        list(ex.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=b"again"), many[1::7]))
    put_many(s3, bucket, [f"n/{i:04d}x" for i in range(300)])  # more compactions
    assert_lists_its_o_entries(s3, index, bucket)
    got = [c for p in pages(s3, bucket, 1000) for c in p[0]]
    keys = [c[0] for c in got]
    assert len(keys) == len(set(keys))
    assert "n/0000" not in keys and "n/0001" in keys and "n/0002" in keys
    assert {c[0]: c[2] for c in got}["n/0001"] == 5
    return keys


def test_new_bucket_lists_the_same_from_blocks_and_deltas_as_from_o(s3, index):
    """Versioned: deletes add delete markers over block entries."""
    bucket = bucket_name("packed")
    s3.create_bucket(Bucket=bucket)
    assert bucket_record(index, bucket).get("packed_list") is True
    write_everything(s3, bucket)
    assert_lists_its_o_entries(s3, index, bucket)  # deltas alone
    keys = churn(s3, index, bucket)
    assert "b/1" not in keys and "z" not in keys and "w" not in keys
    assert len(keys) == len(KEYS) - 2 + 3 + LIVE_AFTER_CHURN
    sizes = {c[0]: c[2] for p in pages(s3, bucket, 1000) for c in p[0]}
    assert sizes["v"] == 3 and sizes["dir/multi"] == 5 * MiB + 1000


def test_new_unversioned_bucket_lists_the_same_after_deletes_over_blocks(s3, index):
    """Unversioned: deletes leave tombstones over block entries, compacted away later."""
    bucket = bucket_name("plain")
    s3.create_bucket(Bucket=bucket)
    keys = churn(s3, index, bucket)
    assert len(keys) == LIVE_AFTER_CHURN


def test_old_bucket_lists_from_o_entries_before_and_after_new_writes(s3, index, config):
    """A bucket record without packed_list (every bucket made before packed listings) keeps
    listing from O entries, and writes to it add no deltas or blocks. The flag is taken out
    of a new bucket's record before any write, and a gateway started after that (nothing
    cached) does every write and listing."""
    base, conf = config
    bucket = bucket_name("old-bucket")
    s3.create_bucket(Bucket=bucket)
    record = bucket_record(index, bucket)
    del record["packed_list"]
    set_bucket_record(index, bucket, record)
    fresh = start_gateway(base / "fresh", conf)
    try:
        old = fresh.boto3()
        for i, k in enumerate(KEYS):
            old.put_object(Bucket=bucket, Key=k, Body=b"x" * i)
        before = assert_lists_its_o_entries(old, index, bucket)
        assert len(before) == len(KEYS)

        old.put_object(Bucket=bucket, Key="a/new", Body=b"new")
        old.put_object(Bucket=bucket, Key="c.txt", Body=b"changed")
        old.delete_object(Bucket=bucket, Key="dir/y")
        old.copy_object(Bucket=bucket, Key="dir/x/3", CopySource={"Bucket": bucket, "Key": "a"})
        after = [c[0] for c in assert_lists_its_o_entries(old, index, bucket)]
        assert "a/new" in after and "dir/x/3" in after and "dir/y" not in after
        assert "packed_list" not in bucket_record(index, bucket)
        assert kinds(index, bucket)[:2] == (0, 0)  # no deltas, no blocks: nothing reads them
    finally:
        stop_gateway(fresh)


def test_corrupt_block_is_reported_not_skipped(s3, index):
    """A page that meets a block it cannot decode answers 500 InternalError rather than a
    page with keys missing; the gateway keeps serving, and pages before it still list."""
    import rados
    bucket = bucket_name("corrupt")
    s3.create_bucket(Bucket=bucket)
    put_many(s3, bucket, [f"k{i:03d}" for i in range(600)])  # compactions, and splits
    settled(index, bucket)  # none of them rewrites the block damaged below
    # A block of a shard after the first (s.0 holds the first range): pages in s.0 list.
    later = [(oid, sorted(omap(index, oid, "K"))) for oid in shards(index, bucket) if not oid.endswith(".s.0")]
    oid, blocks = next((o, b) for o, b in later if b)
    with rados.WriteOpCtx() as op:
        index.set_omap(op, (blocks[0],), (b"\x04\x02\x01k",))  # two entries promised, one cut short
        index.operate_write_op(op, oid)
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "InternalError"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=5)  # within the first block
    assert [c["Key"] for c in first["Contents"]] == ["k000", "k001", "k002", "k003", "k004"]
    assert s3.head_object(Bucket=bucket, Key="k100")["ContentLength"] == 0
