"""Multipart uploads with boto3 (Debian 1.26): create / upload_part / complete /
abort / list_parts / list_multipart_uploads, the error codes of Complete,
UploadPartCopy, upload ids across a restart, and the space freed by Abort.
clients.md §1.9 X-CK-05, §1.10, §2 B-01/B-09; issue 3 item 1."""
import base64
import concurrent.futures
import hashlib
import os
import time
import zlib

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from silt_server import extra_headers
from s3assert import client_error, code, md5_etag

MiB = 1 << 20
PART = 5 * MiB


def mpu_etag(parts) -> str:
    """S3's multipart ETag: md5 of the concatenated binary part md5s, then -N."""
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def create(s3, bucket, key, **kw):
    return s3.create_multipart_upload(Bucket=bucket, Key=key, **kw)["UploadId"]


def put_part(s3, bucket, key, uid, n, data, **kw):
    return s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data,
                          **kw)["ETag"]


def complete(s3, bucket, key, uid, parts, **kw):
    """parts: list of (number, etag)."""
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]}, **kw)


# --- the happy path --------------------------------------------------------------

def test_out_of_order_concurrent_parts_complete(silt, s3, bucket):
    parts = [os.urandom(PART) for _ in range(3)] + [os.urandom(12345)]
    created = s3.create_multipart_upload(Bucket=bucket, Key="dir/big.bin",
                                         ContentType="application/x-test",
                                         Metadata={"origin": "mpu"})
    assert created["Bucket"] == bucket and created["Key"] == "dir/big.bin"
    uid = created["UploadId"]
    assert uid
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futs = {n: pool.submit(put_part, s3, bucket, "dir/big.bin", uid, n, parts[n - 1])
                for n in (4, 2, 3, 1)}
        etags = {n: f.result() for n, f in futs.items()}
    for n, e in etags.items():
        assert e == md5_etag(parts[n - 1])  # a part's ETag is its md5
    # ETags are compared ignoring quotes (X-MPU-02): send part 2's without them.
    sent = [(n, etags[n].strip('"') if n == 2 else etags[n]) for n in (1, 2, 3, 4)]
    resp = complete(s3, bucket, "dir/big.bin", uid, sent)
    assert resp["ETag"] == mpu_etag(parts)
    assert resp["Bucket"] == bucket and resp["Key"] == "dir/big.bin"
    # The absolute URL of the object, as AWS gives it (a path used to be returned).
    assert resp["Location"] == f"{silt.endpoint}/{bucket}/dir/big.bin"
    data = b"".join(parts)
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == mpu_etag(parts)
    assert head["ContentType"] == "application/x-test"
    assert head["Metadata"] == {"origin": "mpu"}
    assert s3.get_object(Bucket=bucket, Key="dir/big.bin")["Body"].read() == data
    # A range across the part 1 / part 2 boundary.
    got = s3.get_object(Bucket=bucket, Key="dir/big.bin", Range=f"bytes={PART - 100}-{PART + 99}")
    assert got["Body"].read() == data[PART - 100:PART + 100]
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [
        ("dir/big.bin", len(data), mpu_etag(parts))]
    # The upload is gone once completed.
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_single_part_upload_and_empty_last_part(s3, bucket):
    data = os.urandom(1000)
    uid = create(s3, bucket, "one")
    e = put_part(s3, bucket, "one", uid, 1, data)
    assert complete(s3, bucket, "one", uid, [(1, e)])["ETag"] == mpu_etag([data])
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == data


def test_reupload_replaces_part(s3, bucket):
    first, second, last = os.urandom(PART), os.urandom(PART + 7), os.urandom(100)
    uid = create(s3, bucket, "k")
    put_part(s3, bucket, "k", uid, 1, first)
    e1 = put_part(s3, bucket, "k", uid, 1, second)
    e2 = put_part(s3, bucket, "k", uid, 2, last)
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in parts] == [
        (1, len(second), md5_etag(second)), (2, 100, md5_etag(last))]
    complete(s3, bucket, "k", uid, [(1, e1), (2, e2)])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == second + last


def test_complete_with_subset_of_parts(s3, bucket):
    p = [os.urandom(PART), os.urandom(PART), os.urandom(3000)]
    uid = create(s3, bucket, "k")
    etags = [put_part(s3, bucket, "k", uid, n, p[n - 1]) for n in (1, 2, 3)]
    resp = complete(s3, bucket, "k", uid, [(1, etags[0]), (3, etags[2])])
    assert resp["ETag"] == mpu_etag([p[0], p[2]])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == p[0] + p[2]


def test_part_numbers_are_sparse_and_bounded(s3, bucket):
    a, b = os.urandom(PART), os.urandom(10)
    uid = create(s3, bucket, "k")
    ea = put_part(s3, bucket, "k", uid, 7, a)
    eb = put_part(s3, bucket, "k", uid, 10000, b)
    for bad in (0, 10001):
        e = client_error(put_part, s3, bucket, "k", uid, bad, b"x")
        assert code(e) == ("InvalidArgument", 400)
    complete(s3, bucket, "k", uid, [(7, ea), (10000, eb)])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == a + b


# --- listings ---------------------------------------------------------------------

def test_list_parts_pagination(s3, bucket):
    data = [os.urandom(1000 + n) for n in range(1, 8)]
    uid = create(s3, bucket, "k")
    for n in (5, 1, 7, 3, 2, 6, 4):
        put_part(s3, bucket, "k", uid, n, data[n - 1])
    seen, marker, pages = [], 0, 0
    while True:
        resp = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=3,
                             PartNumberMarker=marker)
        pages += 1
        assert resp["UploadId"] == uid and resp["Key"] == "k" and resp["MaxParts"] == 3
        assert len(resp["Parts"]) <= 3
        for p in resp["Parts"]:
            assert p["LastModified"] and p["Size"] == len(data[p["PartNumber"] - 1])
            assert p["ETag"] == md5_etag(data[p["PartNumber"] - 1])
        seen += [p["PartNumber"] for p in resp["Parts"]]
        if not resp["IsTruncated"]:
            break
        marker = resp["NextPartNumberMarker"]
        assert marker == seen[-1]
    assert seen == [1, 2, 3, 4, 5, 6, 7]
    assert pages == 3
    paged = [p["PartNumber"] for page in s3.get_paginator("list_parts").paginate(
        Bucket=bucket, Key="k", UploadId=uid, PaginationConfig={"PageSize": 2})
        for p in page.get("Parts", [])]
    assert paged == seen
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)


def test_list_multipart_uploads_prefix_delimiter_markers(s3, bucket):
    keys = ["a/1", "a/2", "a/2", "a/sub/3", "b/x", "c", "d%+ sp"]
    uploads = [(k, create(s3, bucket, k)) for k in keys]
    resp = s3.list_multipart_uploads(Bucket=bucket)
    got = [(u["Key"], u["UploadId"]) for u in resp["Uploads"]]
    assert sorted(got) == sorted(uploads)
    assert [k for k, _ in got] == sorted(k for k, _ in got)  # ordered by key
    for u in resp["Uploads"]:
        assert u["Initiated"] and u.get("StorageClass", "STANDARD") == "STANDARD"
    # prefix
    resp = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert sorted((u["Key"], u["UploadId"]) for u in resp["Uploads"]) == sorted(
        u for u in uploads if u[0].startswith("a/"))
    # delimiter
    resp = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["a/", "b/"]
    assert sorted(u["Key"] for u in resp["Uploads"]) == ["c", "d%+ sp"]
    resp = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["a/sub/"]
    assert sorted(u["Key"] for u in resp["Uploads"]) == ["a/1", "a/2", "a/2"]
    # key-marker alone skips every upload of that key
    resp = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a/2")
    assert [u["Key"] for u in resp["Uploads"]] == ["a/sub/3", "b/x", "c", "d%+ sp"]
    # pagination with key and upload-id markers visits each upload exactly once
    seen, kw = [], {}
    while True:
        resp = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2, **kw)
        assert len(resp.get("Uploads", [])) <= 2
        seen += [(u["Key"], u["UploadId"]) for u in resp.get("Uploads", [])]
        if not resp["IsTruncated"]:
            break
        kw = {"KeyMarker": resp["NextKeyMarker"], "UploadIdMarker": resp["NextUploadIdMarker"]}
        assert (kw["KeyMarker"], kw["UploadIdMarker"]) == seen[-1]
    assert sorted(seen) == sorted(uploads) and len(seen) == len(uploads)
    # odd keys come back intact
    resp = s3.list_multipart_uploads(Bucket=bucket, Prefix="d")
    assert [u["Key"] for u in resp["Uploads"]] == ["d%+ sp"]
    for k, uid in uploads:
        s3.abort_multipart_upload(Bucket=bucket, Key=k, UploadId=uid)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# --- errors -----------------------------------------------------------------------

def test_entity_too_small(s3, bucket):
    uid = create(s3, bucket, "k")
    e1 = put_part(s3, bucket, "k", uid, 1, os.urandom(MiB))
    e2 = put_part(s3, bucket, "k", uid, 2, os.urandom(MiB))
    e = client_error(complete, s3, bucket, "k", uid, [(1, e1), (2, e2)])
    assert code(e) == ("EntityTooSmall", 400)
    # The upload is still there after a failed Complete.
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 2
    client_error(s3.head_object, Bucket=bucket, Key="k")


def test_invalid_part_wrong_etag_or_missing_part(s3, bucket):
    uid = create(s3, bucket, "k")
    e1 = put_part(s3, bucket, "k", uid, 1, os.urandom(PART))
    wrong = '"' + "0" * 32 + '"'
    assert code(client_error(complete, s3, bucket, "k", uid, [(1, wrong)])) == ("InvalidPart", 400)
    assert code(client_error(complete, s3, bucket, "k", uid, [(1, e1), (2, e1)])) == (
        "InvalidPart", 400)
    complete(s3, bucket, "k", uid, [(1, e1)])


def test_invalid_part_order(s3, bucket):
    uid = create(s3, bucket, "k")
    e1 = put_part(s3, bucket, "k", uid, 1, os.urandom(PART))
    e2 = put_part(s3, bucket, "k", uid, 2, os.urandom(PART))
    e = client_error(complete, s3, bucket, "k", uid, [(2, e2), (1, e1)])
    assert code(e) == ("InvalidPartOrder", 400)
    e = client_error(complete, s3, bucket, "k", uid, [(1, e1), (1, e1)])
    assert code(e)[1] == 400 and code(e)[0] in ("InvalidPartOrder", "InvalidPart")


def test_no_such_upload(s3, bucket):
    uid = create(s3, bucket, "k")
    e1 = put_part(s3, bucket, "k", uid, 1, b"abc")
    assert s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)[
        "ResponseMetadata"]["HTTPStatusCode"] == 204
    for fn, kw in [
        (s3.abort_multipart_upload, {}),
        (s3.complete_multipart_upload,
         {"MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": e1}]}}),
        (s3.upload_part, {"PartNumber": 2, "Body": b"x"}),
        (s3.list_parts, {}),
    ]:
        e = client_error(fn, Bucket=bucket, Key="k", UploadId=uid, **kw)
        assert code(e) == ("NoSuchUpload", 404), fn
    e = client_error(s3.abort_multipart_upload, Bucket=bucket, Key="k", UploadId="not-an-id")
    assert code(e) == ("NoSuchUpload", 404)
    # An upload id belongs to its key.
    uid2 = create(s3, bucket, "k2")
    e = client_error(s3.upload_part, Bucket=bucket, Key="other", UploadId=uid2, PartNumber=1,
                     Body=b"x")
    assert code(e) == ("NoSuchUpload", 404)
    s3.abort_multipart_upload(Bucket=bucket, Key="k2", UploadId=uid2)


def test_complete_twice_is_safe(s3, bucket):
    data = os.urandom(2000)
    uid = create(s3, bucket, "k")
    e1 = put_part(s3, bucket, "k", uid, 1, data)
    first = complete(s3, bucket, "k", uid, [(1, e1)])
    # A retried Complete either succeeds again with the same ETag or says NoSuchUpload.
    try:
        again = complete(s3, bucket, "k", uid, [(1, e1)])
        assert again["ETag"] == first["ETag"]
    except ClientError as e:
        assert code(e) == ("NoSuchUpload", 404)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data


def test_upload_part_content_md5_mismatch_is_bad_digest(s3, bucket):
    uid = create(s3, bucket, "k")
    data = os.urandom(50_000)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    e = client_error(s3.upload_part, Bucket=bucket, Key="k", UploadId=uid, PartNumber=1,
                     Body=data, ContentMD5=wrong)
    assert code(e) == ("BadDigest", 400)
    right = base64.b64encode(hashlib.md5(data).digest()).decode()
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=data,
                   ContentMD5=right)
    e = client_error(s3.upload_part, Bucket=bucket, Key="k", UploadId=uid, PartNumber=2,
                     Body=data, ChecksumCRC32=crc32_b64(b"other"))
    assert code(e)[1] == 400 and code(e)[0] in ("BadDigest", "XAmzContentChecksumMismatch")
    # The rejected part did not replace or add anything.
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in parts] == [(1, md5_etag(data))]
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)


def test_complete_with_per_part_crc32(s3, bucket):
    """s3transfer copies ChecksumCRC32 of each UploadPart into Complete (X-CK-05)."""
    parts = [os.urandom(PART), os.urandom(4321)]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32")["UploadId"]
    done = []
    for n, data in enumerate(parts, 1):
        resp = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=data,
                              ChecksumAlgorithm="CRC32")
        if "ChecksumCRC32" in resp:  # echoing it is a SHOULD
            assert resp["ChecksumCRC32"] == crc32_b64(data)
        done.append({"PartNumber": n, "ETag": resp["ETag"], "ChecksumCRC32": crc32_b64(data)})
    resp = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": done})
    assert resp["ETag"] == mpu_etag(parts)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"".join(parts)


def test_s3transfer_upload_with_crc32_and_download(s3, bucket, rand, tmp_path):
    src = rand(13 * MiB + 5)
    cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                         max_concurrency=4)
    s3.upload_file(str(src), bucket, "t.bin", Config=cfg,
                   ExtraArgs={"ChecksumAlgorithm": "CRC32"})
    data = src.read_bytes()
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    assert s3.head_object(Bucket=bucket, Key="t.bin")["ETag"] == mpu_etag(chunks)
    dst = tmp_path / "down.bin"
    s3.download_file(bucket, "t.bin", str(dst), Config=cfg)
    assert dst.read_bytes() == data


# --- lifetime ---------------------------------------------------------------------

def test_upload_id_survives_restart_and_second_client(silt, s3, bucket):
    p1, p2 = os.urandom(PART), os.urandom(777)
    uid = create(s3, bucket, "late", Metadata={"job": "42"})
    e1 = put_part(s3, bucket, "late", uid, 1, p1)
    silt.restart()
    other = silt.boto3()
    ups = other.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in ups] == [("late", uid)]
    parts = other.list_parts(Bucket=bucket, Key="late", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in parts] == [(1, e1)]
    e2 = put_part(other, bucket, "late", uid, 2, p2)
    resp = complete(other, bucket, "late", uid, [(1, e1), (2, e2)])
    assert resp["ETag"] == mpu_etag([p1, p2])
    got = s3.get_object(Bucket=bucket, Key="late")
    assert got["Body"].read() == p1 + p2
    assert got["Metadata"] == {"job": "42"}


def test_abort_frees_part_space(silt, s3, bucket):
    def usage():
        return silt.drive_usage()[1]

    before = usage()
    uid = create(s3, bucket, "k")
    for n in (1, 2, 3):
        put_part(s3, bucket, "k", uid, n, os.urandom(PART))
    grown = usage()
    assert grown >= before + 3 * PART  # erasure coding stores at least the data
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    deadline = time.time() + 15
    while usage() > before + MiB and time.time() < deadline:
        time.sleep(0.2)
    assert usage() <= before + MiB, (before, grown, usage())


def test_replaced_part_space_is_freed(silt, s3, bucket):
    uid = create(s3, bucket, "k")
    put_part(s3, bucket, "k", uid, 1, os.urandom(PART))
    once = silt.drive_usage()[1]
    for _ in range(4):
        put_part(s3, bucket, "k", uid, 1, os.urandom(PART))
    deadline = time.time() + 15
    while silt.drive_usage()[1] > once + MiB and time.time() < deadline:
        time.sleep(0.2)
    assert silt.drive_usage()[1] <= once + MiB
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)


# --- UploadPartCopy ---------------------------------------------------------------

def test_upload_part_copy_ranges_and_if_match(s3, bucket):
    src = os.urandom(12 * MiB + 3)
    src_etag = s3.put_object(Bucket=bucket, Key="src/o b+c", Body=src)["ETag"]
    uid = create(s3, bucket, "dst")
    source = {"Bucket": bucket, "Key": "src/o b+c"}
    r1 = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                             CopySource=source, CopySourceRange=f"bytes=0-{PART - 1}",
                             CopySourceIfMatch=src_etag)
    assert r1["CopyPartResult"]["ETag"] == md5_etag(src[:PART])
    assert r1["CopyPartResult"]["LastModified"]
    e = client_error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                     CopySource=source, CopySourceRange=f"bytes={PART}-{len(src) - 1}",
                     CopySourceIfMatch='"' + "1" * 32 + '"')
    assert code(e) == ("PreconditionFailed", 412)
    r2 = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                             CopySource=source, CopySourceRange=f"bytes={PART}-{len(src) - 1}")
    # A third part copied from the whole source (no range).
    r3 = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=3,
                             CopySource=f"{bucket}/src/o b+c")
    resp = complete(s3, bucket, "dst", uid, [(1, r1["CopyPartResult"]["ETag"]),
                                             (2, r2["CopyPartResult"]["ETag"]),
                                             (3, r3["CopyPartResult"]["ETag"])])
    assert resp["ETag"] == mpu_etag([src[:PART], src[PART:], src])
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == src + src


def test_upload_part_copy_bad_range_and_missing_source(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    uid = create(s3, bucket, "dst")
    e = client_error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                     CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=5-20")
    assert code(e)[1] in (400, 416)
    e = client_error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                     CopySource={"Bucket": bucket, "Key": "nope"})
    assert code(e) == ("NoSuchKey", 404)
    s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=uid)


# --- GET by part number -----------------------------------------------------------

def test_get_and_head_part_number(s3, bucket):
    parts = [os.urandom(PART), os.urandom(PART), os.urandom(999)]
    uid = create(s3, bucket, "k")
    etags = [put_part(s3, bucket, "k", uid, n, d) for n, d in enumerate(parts, 1)]
    complete(s3, bucket, "k", uid, list(enumerate(etags, 1)))
    try:
        got = s3.get_object(Bucket=bucket, Key="k", PartNumber=2)
    except ClientError as e:
        if code(e) == ("NotImplemented", 501):
            pytest.skip("GET ?partNumber not implemented")
        raise
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["PartsCount"] == 3
    assert got["ContentRange"] == f"bytes {PART}-{2 * PART - 1}/{2 * PART + 999}"
    assert got["Body"].read() == parts[1]
    head = s3.head_object(Bucket=bucket, Key="k", PartNumber=3)
    assert head["ContentLength"] == 999 and head["PartsCount"] == 3
    e = client_error(s3.get_object, Bucket=bucket, Key="k", PartNumber=4)
    assert code(e)[1] in (400, 416)


# --- copy at scale --------------------------------------------------------------------

def md5_of_body(body):
    h = hashlib.md5()
    for block in iter(lambda: body.read(MiB), b""):
        h.update(block)
    return h.hexdigest()


def test_copy_object_64mib_server_side(s3, bucket):
    data = os.urandom(64 * MiB)
    src_etag = s3.put_object(Bucket=bucket, Key="src/big", Body=data,
                             Metadata={"k": "v"}, ContentType="application/x-big")["ETag"]
    resp = s3.copy_object(Bucket=bucket, Key="dst/big", CopySource={"Bucket": bucket,
                                                                   "Key": "src/big"})
    # A single-part source keeps its md5 ETag through the copy (rclone relies on it, R-06).
    assert resp["CopyObjectResult"]["ETag"] == src_etag == md5_etag(data)
    head = s3.head_object(Bucket=bucket, Key="dst/big")
    assert head["ContentLength"] == len(data) and head["ETag"] == src_etag
    assert head["Metadata"] == {"k": "v"} and head["ContentType"] == "application/x-big"
    got = s3.get_object(Bucket=bucket, Key="dst/big")["Body"]
    assert md5_of_body(got) == hashlib.md5(data).hexdigest()
    # REPLACE takes metadata from the request, also for a copy onto itself.
    s3.copy_object(Bucket=bucket, Key="src/big", CopySource={"Bucket": bucket, "Key": "src/big"},
                   MetadataDirective="REPLACE", Metadata={"new": "1"}, ContentType="text/plain")
    head = s3.head_object(Bucket=bucket, Key="src/big")
    assert head["Metadata"] == {"new": "1"} and head["ContentType"] == "text/plain"
    assert head["ETag"] == src_etag


def test_copy_object_of_multipart_source(s3, bucket):
    parts = [os.urandom(PART), os.urandom(PART), os.urandom(10)]
    uid = create(s3, bucket, "mp")
    etags = [put_part(s3, bucket, "mp", uid, n, p) for n, p in enumerate(parts, 1)]
    complete(s3, bucket, "mp", uid, list(enumerate(etags, 1)))
    s3.copy_object(Bucket=bucket, Key="mp-copy", CopySource={"Bucket": bucket, "Key": "mp"})
    got = s3.get_object(Bucket=bucket, Key="mp-copy")
    assert got["ContentLength"] == 2 * PART + 10
    assert got["Body"].read() == b"".join(parts)


def test_s3transfer_copy_uses_upload_part_copy(s3, bucket):
    """s3.copy(): HeadObject, then CreateMPU + UploadPartCopy in 8 MiB ranges + Complete."""
    data = os.urandom(20 * MiB + 3)
    s3.put_object(Bucket=bucket, Key="src", Body=data)
    s3.copy({"Bucket": bucket, "Key": "src"}, bucket, "dst", ExtraArgs={"Metadata": {"a": "b"}})
    chunks = [data[i:i + 8 * MiB] for i in range(0, len(data), 8 * MiB)]
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["ETag"] == mpu_etag(chunks)  # three UploadPartCopy parts, not one CopyObject
    assert head["ContentLength"] == len(data)
    assert head["Metadata"] == {"a": "b"}  # ExtraArgs go onto CreateMultipartUpload
    assert md5_of_body(s3.get_object(Bucket=bucket, Key="dst")["Body"]) == (
        hashlib.md5(data).hexdigest())
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# --- whole-object checksums of multipart objects (X-CK-05/06) -------------------------------

def upload_crc32_parts(s3, bucket, key, parts, create_headers=None):
    with extra_headers(s3, create_headers or {}, "CreateMultipartUpload"):
        uid = s3.create_multipart_upload(Bucket=bucket, Key=key,
                                         ChecksumAlgorithm="CRC32")["UploadId"]
    done = []
    for n, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data,
                           ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": crc32_b64(data)})
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                        MultipartUpload={"Parts": done})


def test_composite_checksum_of_multipart_object(s3, bucket):
    parts = [os.urandom(PART), os.urandom(777)]
    upload_crc32_parts(s3, bucket, "k", parts)
    raw = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    composite = crc32_b64(raw) + "-2"
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == composite
    assert head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-checksum-type",
                                                       "COMPOSITE") == "COMPOSITE"
    # botocore skips validating -N checksums: full and ranged GETs both read fine.
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"".join(parts)
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED", Range="bytes=0-9")
    assert got["Body"].read() == parts[0][:10]


def test_full_object_checksum_of_multipart_object(s3, bucket):
    parts = [os.urandom(PART), os.urandom(PART), os.urandom(5)]
    upload_crc32_parts(s3, bucket, "k", parts, {"x-amz-checksum-type": "FULL_OBJECT"})
    data = b"".join(parts)
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(data)  # no -N: it covers the whole body
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "FULL_OBJECT"
    # botocore validates a full-object checksum on a full GET: it must be right.
    assert s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")["Body"].read() == data
    # ... and it must not be sent on a 206 (X-CK-04).
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED", Range="bytes=5-20")
    assert got["Body"].read() == data[5:21]
