"""boto3 (Debian 1.26, the pre-2025 Content-MD5 era) against every operation in
scope now: buckets, objects, ranges, conditionals, copy, listings, presigned URLs.
clients.md §1.5-1.8, §2."""
import datetime
import hashlib
import os
import subprocess

import pytest
import requests
from boto3.s3.transfer import TransferConfig

from silt_server import bucket_name
from s3assert import client_error, code, hdrs, md5_etag

MiB = 1 << 20


# --- buckets -----------------------------------------------------------------

def test_list_buckets_shows_created_buckets(s3):
    names = {bucket_name("lb1"), bucket_name("lb2")}
    for n in names:
        s3.create_bucket(Bucket=n)
    resp = s3.list_buckets()
    listed = {b["Name"]: b for b in resp["Buckets"]}
    assert names <= set(listed)
    for n in names:
        created = listed[n]["CreationDate"]
        assert abs((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds()) < 300
    assert "ID" in resp["Owner"]
    assert hdrs(resp)["x-amz-request-id"] and hdrs(resp)["x-amz-id-2"]


def test_create_existing_bucket_is_already_owned(s3, bucket):
    # AWS's answer depends on the bucket's region: the legacy 200 in us-east-1 ...
    assert s3.create_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    # ... BucketAlreadyOwnedByYou everywhere else.
    eu = bucket_name("owned-eu")
    s3.create_bucket(Bucket=eu, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    e = client_error(s3.create_bucket, Bucket=eu, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert code(e) == ("BucketAlreadyOwnedByYou", 409)


def test_create_bucket_with_location_constraint_body(s3):
    name = bucket_name("loc")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert hdrs(s3.head_bucket(Bucket=name))["x-amz-bucket-region"] == "eu-west-1"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    # A constraint that is no region name is refused before anything is created.
    bad = bucket_name("badloc")
    e = client_error(s3.create_bucket, Bucket=bad, CreateBucketConfiguration={"LocationConstraint": "eu west\r\n"})
    assert code(e) == ("InvalidLocationConstraint", 400)
    assert code(client_error(s3.head_bucket, Bucket=bad)) == ("404", 404)


def test_head_bucket_region_and_missing(s3, bucket):
    resp = s3.head_bucket(Bucket=bucket)
    assert hdrs(resp)["x-amz-bucket-region"] == "us-east-1"
    e = client_error(s3.head_bucket, Bucket=bucket_name("missing"))
    assert code(e) == ("404", 404)


def test_get_bucket_location(s3, bucket):
    resp = s3.get_bucket_location(Bucket=bucket)
    assert resp["LocationConstraint"] in (None, "")  # us-east-1 is the empty constraint
    e = client_error(s3.get_bucket_location, Bucket=bucket_name("missing"))
    assert code(e) == ("NoSuchBucket", 404)


def test_delete_bucket_not_empty_then_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    e = client_error(s3.delete_bucket, Bucket=bucket)
    assert code(e) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket=bucket, Key="k")
    resp = s3.delete_bucket(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code(client_error(s3.head_bucket, Bucket=bucket)) == ("404", 404)
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert code(client_error(s3.delete_bucket, Bucket=bucket)) == ("NoSuchBucket", 404)


def test_object_ops_on_missing_bucket(s3):
    missing = bucket_name("missing")
    assert code(client_error(s3.get_object, Bucket=missing, Key="k")) == ("NoSuchBucket", 404)
    assert code(client_error(s3.put_object, Bucket=missing, Key="k", Body=b"x")) == \
        ("NoSuchBucket", 404)
    assert code(client_error(s3.list_objects_v2, Bucket=missing)) == ("NoSuchBucket", 404)


# --- put / get / head / delete ---------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 1000, 4 * MiB + 3])
def test_put_get_roundtrip_etag_is_md5(s3, bucket, size):
    data = os.urandom(size)
    put = s3.put_object(Bucket=bucket, Key="obj", Body=data)
    assert put["ETag"] == md5_etag(data)
    got = s3.get_object(Bucket=bucket, Key="obj")
    assert got["Body"].read() == data
    assert got["ETag"] == md5_etag(data)
    assert got["ContentLength"] == size
    head = s3.head_object(Bucket=bucket, Key="obj")
    assert head["ETag"] == md5_etag(data) and head["ContentLength"] == size
    if size == 0:
        assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_overwrite_replaces_content(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first version")
    s3.put_object(Bucket=bucket, Key="k", Body=b"second")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"


def test_metadata_and_content_headers_round_trip(s3, bucket):
    expires = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    s3.put_object(Bucket=bucket, Key="m", Body=b"meta",
                  Metadata={"color": "blue", "Mixed-Case": "Value With Spaces", "mtime": "1700000000.5"},
                  ContentType="text/x-silt", ContentEncoding="x-custom",
                  ContentDisposition='attachment; filename="a b.txt"', ContentLanguage="de-CH",
                  CacheControl="max-age=60", Expires=expires)
    for resp in (s3.head_object(Bucket=bucket, Key="m"), s3.get_object(Bucket=bucket, Key="m")):
        assert resp["Metadata"] == {"color": "blue", "mixed-case": "Value With Spaces",
                                    "mtime": "1700000000.5"}
        assert resp["ContentType"] == "text/x-silt"
        assert resp["ContentEncoding"] == "x-custom"
        assert resp["ContentDisposition"] == 'attachment; filename="a b.txt"'
        assert resp["ContentLanguage"] == "de-CH"
        assert resp["CacheControl"] == "max-age=60"
        assert resp["Expires"] == expires
        assert "x-amz-meta-color" in hdrs(resp)
        lm = hdrs(resp)["last-modified"]
        datetime.datetime.strptime(lm, "%a, %d %b %Y %H:%M:%S GMT")


def test_get_missing_key_is_nosuchkey(s3, bucket):
    e = client_error(s3.get_object, Bucket=bucket, Key="nope/missing")
    assert code(e) == ("NoSuchKey", 404)
    assert e.response["ResponseMetadata"]["RequestId"]


def test_head_missing_key_is_404(s3, bucket):
    e = client_error(s3.head_object, Bucket=bucket, Key="missing")
    assert code(e) == ("404", 404)


def test_delete_object_and_missing_key_both_204(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("404", 404)
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_content_md5_verified_by_boto3_put(s3, bucket):
    # Debian boto3 1.26 sends Content-MD5 itself; a wrong one must be BadDigest.
    e = client_error(s3.put_object, Bucket=bucket, Key="bad", Body=b"payload",
                     ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")
    assert code(e) == ("BadDigest", 400)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="bad")) == ("404", 404)


# --- ranges ----------------------------------------------------------------

@pytest.fixture
def thousand(s3, bucket):
    data = os.urandom(1000)
    s3.put_object(Bucket=bucket, Key="r", Body=data)
    return bucket, data


@pytest.mark.parametrize("rng,start,end", [
    ("bytes=0-9", 0, 9), ("bytes=990-", 990, 999), ("bytes=-10", 990, 999),
    ("bytes=995-2000", 995, 999), ("bytes=0-0", 0, 0), ("bytes=0-999", 0, 999),
])
def test_range_get(s3, thousand, rng, start, end):
    bucket, data = thousand
    resp = s3.get_object(Bucket=bucket, Key="r", Range=rng)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert resp["ContentRange"] == f"bytes {start}-{end}/1000"
    assert resp["ContentLength"] == end - start + 1
    assert resp["Body"].read() == data[start:end + 1]
    assert resp["ETag"] == md5_etag(data)


def test_range_not_satisfiable(s3, thousand):
    bucket, _ = thousand
    e = client_error(s3.get_object, Bucket=bucket, Key="r", Range="bytes=1000-")
    assert code(e) == ("InvalidRange", 416)
    assert e.response["ResponseMetadata"]["HTTPHeaders"]["content-range"] == "bytes */1000"


def test_range_with_if_match(s3, thousand):
    bucket, data = thousand
    resp = s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-19", IfMatch=md5_etag(data))
    assert resp["Body"].read() == data[10:20]
    e = client_error(s3.get_object, Bucket=bucket, Key="r", Range="bytes=10-19",
                     IfMatch='"00000000000000000000000000000000"')
    assert code(e) == ("PreconditionFailed", 412)


def test_download_file_20mib_uses_ranged_gets(s3, bucket, rand, tmp_path):
    src = rand(20 * MiB)
    s3.upload_file(str(src), bucket, "big")  # stock s3transfer: three 8 MiB parts
    dst = tmp_path / "down.bin"
    cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB,
                         max_concurrency=4)
    s3.download_file(bucket, "big", str(dst), Config=cfg)
    assert hashlib.md5(dst.read_bytes()).digest() == hashlib.md5(src.read_bytes()).digest()


def test_response_header_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="o", Body=b"override", ContentType="text/plain")
    resp = s3.get_object(Bucket=bucket, Key="o", ResponseContentType="application/x-over",
                         ResponseContentDisposition="inline", ResponseCacheControl="no-cache",
                         ResponseContentLanguage="fr", ResponseContentEncoding="x-enc",
                         ResponseExpires=datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc))
    assert resp["ContentType"] == "application/x-over"
    assert resp["ContentDisposition"] == "inline"
    assert resp["CacheControl"] == "no-cache"
    assert resp["ContentLanguage"] == "fr"
    assert resp["ContentEncoding"] == "x-enc"
    assert resp["Body"].read() == b"override"
    # The stored values are untouched.
    assert s3.head_object(Bucket=bucket, Key="o")["ContentType"] == "text/plain"


# --- conditionals ------------------------------------------------------------

def test_conditional_get_and_head(s3, bucket):
    data = b"conditional"
    etag = s3.put_object(Bucket=bucket, Key="c", Body=data)["ETag"]
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    for op in (s3.get_object, s3.head_object):
        assert op(Bucket=bucket, Key="c", IfMatch=etag)["ETag"] == etag
        assert op(Bucket=bucket, Key="c", IfMatch=etag.strip('"'))["ETag"] == etag
        assert code(client_error(op, Bucket=bucket, Key="c", IfMatch='"abc"'))[1] == 412
        assert code(client_error(op, Bucket=bucket, Key="c", IfNoneMatch=etag))[1] == 304
        assert op(Bucket=bucket, Key="c", IfNoneMatch='"abc"')["ETag"] == etag
        assert code(client_error(op, Bucket=bucket, Key="c", IfModifiedSince=future))[1] == 304
        assert op(Bucket=bucket, Key="c", IfModifiedSince=past)["ETag"] == etag
        assert code(client_error(op, Bucket=bucket, Key="c", IfUnmodifiedSince=past))[1] == 412
        assert op(Bucket=bucket, Key="c", IfUnmodifiedSince=future)["ETag"] == etag
    e = client_error(s3.get_object, Bucket=bucket, Key="c", IfMatch='"abc"')
    assert code(e) == ("PreconditionFailed", 412)


# --- delete objects ------------------------------------------------------------

def test_delete_objects_reports_missing_as_deleted(s3, bucket):
    keys = [f"d/{i}" for i in range(5)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    req = [{"Key": k} for k in keys + ["never-1", "never-2"]]
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": req})
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(keys + ["never-1", "never-2"])
    assert not resp.get("Errors")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_quiet(s3, bucket):
    for k in ("q1", "q2"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"q")
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "q1"}, {"Key": "q2"}],
                                                    "Quiet": True})
    assert not resp.get("Deleted") and not resp.get("Errors")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_1000_ok_1001_malformed(s3, bucket):
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"k{i}"} for i in range(1000)],
                                                    "Quiet": True})
    assert not resp.get("Errors")
    e = client_error(s3.delete_objects, Bucket=bucket,
                     Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]})
    assert code(e) == ("MalformedXML", 400)


# --- copy ------------------------------------------------------------------------

def test_copy_object_copy_directive_keeps_metadata(s3, bucket):
    data = os.urandom(5000)
    s3.put_object(Bucket=bucket, Key="src key+1", Body=data, ContentType="image/x-src",
                  Metadata={"a": "1"})
    dst_bucket = bucket_name("copydst")
    s3.create_bucket(Bucket=dst_bucket)
    resp = s3.copy_object(Bucket=dst_bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src key+1"})
    assert resp["CopyObjectResult"]["ETag"] == md5_etag(data)
    got = s3.get_object(Bucket=dst_bucket, Key="dst")
    assert got["Body"].read() == data
    assert got["ContentType"] == "image/x-src" and got["Metadata"] == {"a": "1"}
    assert got["ETag"] == md5_etag(data)


def test_copy_object_replace_directive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="s", Body=b"abc", ContentType="text/a", Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="d", CopySource=f"{bucket}/s", MetadataDirective="REPLACE",
                   ContentType="text/b", Metadata={"b": "2"})
    head = s3.head_object(Bucket=bucket, Key="d")
    assert head["ContentType"] == "text/b" and head["Metadata"] == {"b": "2"}


def test_copy_onto_itself(s3, bucket):
    s3.put_object(Bucket=bucket, Key="self", Body=b"same", Metadata={"mtime": "1"})
    e = client_error(s3.copy_object, Bucket=bucket, Key="self", CopySource=f"{bucket}/self")
    assert code(e) == ("InvalidRequest", 400)
    s3.copy_object(Bucket=bucket, Key="self", CopySource=f"{bucket}/self",
                   MetadataDirective="REPLACE", Metadata={"mtime": "2"})
    got = s3.get_object(Bucket=bucket, Key="self")
    assert got["Metadata"] == {"mtime": "2"} and got["Body"].read() == b"same"


def test_copy_source_conditions(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="s", Body=b"cond")["ETag"]
    src = {"Bucket": bucket, "Key": "s"}
    s3.copy_object(Bucket=bucket, Key="ok", CopySource=src, CopySourceIfMatch=etag)
    assert code(client_error(s3.copy_object, Bucket=bucket, Key="x", CopySource=src,
                             CopySourceIfMatch='"0123"')) == ("PreconditionFailed", 412)
    assert code(client_error(s3.copy_object, Bucket=bucket, Key="x", CopySource=src,
                             CopySourceIfNoneMatch=etag)) == ("PreconditionFailed", 412)
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    assert code(client_error(s3.copy_object, Bucket=bucket, Key="x", CopySource=src,
                             CopySourceIfUnmodifiedSince=past)) == ("PreconditionFailed", 412)
    s3.copy_object(Bucket=bucket, Key="ok2", CopySource=src, CopySourceIfModifiedSince=past)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="x")) == ("404", 404)


def test_copy_missing_source(s3, bucket):
    e = client_error(s3.copy_object, Bucket=bucket, Key="d", CopySource=f"{bucket}/missing")
    assert code(e) == ("NoSuchKey", 404)


# --- listings ----------------------------------------------------------------------

@pytest.fixture
def tree(s3, bucket):
    keys = ["a/1", "a/2", "a/b/3", "a/b/4", "c", "d/", "d/e", "z"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    return bucket, keys


def test_list_v2_prefix_delimiter(s3, tree):
    bucket, keys = tree
    r = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in r["Contents"]] == sorted(keys)
    assert r["KeyCount"] == len(keys) and not r["IsTruncated"]
    o = r["Contents"][0]
    assert o["ETag"] == md5_etag(o["Key"].encode()) and o["Size"] == len(o["Key"])
    assert "Owner" not in o
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["c", "z"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "d/"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    # A directory marker is in Contents of its own prefix listing (X-LST-04).
    r = s3.list_objects_v2(Bucket=bucket, Prefix="d/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["d/", "d/e"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="nothing")
    assert r["KeyCount"] == 0 and "Contents" not in r


def test_list_v2_pagination_start_after_fetch_owner(s3, tree):
    bucket, keys = tree
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=bucket, MaxKeys=3, **kw)
        assert r["KeyCount"] == len(r.get("Contents", [])) <= 3
        seen += [o["Key"] for o in r.get("Contents", [])]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert seen == sorted(keys)
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="a/b/4")
    assert [o["Key"] for o in r["Contents"]] == ["c", "d/", "d/e", "z"]
    r = s3.list_objects_v2(Bucket=bucket, FetchOwner=True, MaxKeys=1)
    assert "ID" in r["Contents"][0]["Owner"]
    r = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert r["MaxKeys"] == 1000 and r["KeyCount"] == len(keys)


def test_list_v2_delimiter_pagination_counts_prefixes(s3, tree):
    bucket, _ = tree
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}))
    entries = []
    for p in pages:
        page = [o["Key"] for o in p.get("Contents", [])] + \
            [c["Prefix"] for c in p.get("CommonPrefixes", [])]
        assert len(page) <= 1, page  # MaxKeys counts Contents plus CommonPrefixes
        entries += page
    assert sorted(entries) == ["a/", "c", "d/", "z"]


def test_list_v1_marker_and_next_marker(s3, tree):
    bucket, keys = tree
    r = s3.list_objects(Bucket=bucket, MaxKeys=2)
    assert r["IsTruncated"] and [o["Key"] for o in r["Contents"]] == sorted(keys)[:2]
    r = s3.list_objects(Bucket=bucket, Marker="a/b/4")
    assert [o["Key"] for o in r["Contents"]] == ["c", "d/", "d/e", "z"]
    # With a delimiter, a truncated page must carry NextMarker (X-LST-02).
    r = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1)
    assert r["IsTruncated"] and r.get("NextMarker")
    seen = []
    for p in s3.get_paginator("list_objects").paginate(Bucket=bucket, Delimiter="/",
                                                       PaginationConfig={"PageSize": 1}):
        seen += [o["Key"] for o in p.get("Contents", [])] + \
                [c["Prefix"] for c in p.get("CommonPrefixes", [])]
    assert seen == ["a/", "c", "d/", "z"]


# --- presigned URLs ------------------------------------------------------------------

def test_presigned_get_and_put(s3, bucket, rand):
    data = os.urandom(3000)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"},
                                        ExpiresIn=300)
    r = requests.put(put_url, data=data, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == md5_etag(data)
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"},
                                        ExpiresIn=604800)
    r = requests.get(get_url, timeout=30)
    assert r.status_code == 200 and r.content == data
    out = subprocess.run(["curl", "-sS", "-f", get_url], capture_output=True, timeout=30)
    assert out.returncode == 0 and out.stdout == data
    # Tampering with the key invalidates the signature.
    r = requests.get(get_url.replace("/p?", "/q?"), timeout=30)
    assert r.status_code == 403


def test_presigned_put_with_curl(s3, bucket, rand):
    src = rand(100_000)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "curl"},
                                    ExpiresIn=60)
    out = subprocess.run(["curl", "-sS", "-f", "-T", str(src), url], capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert s3.get_object(Bucket=bucket, Key="curl")["Body"].read() == src.read_bytes()
