"""Object tagging and GetObjectAttributes with boto3: Put/Get/DeleteObjectTagging,
x-amz-tagging on PUT and Copy (x-amz-tagging-directive), x-amz-tagging-count on
GET/HEAD, InvalidTag, and GetObjectAttributes (ETag, Checksum, ObjectParts,
StorageClass, ObjectSize) of single-part and multipart objects.
clients.md §1.9 X-CK-06, §2 B-01; issue 3 item 5."""
import base64
import hashlib
import os
import zlib

import pytest
from s3assert import client_error, code, hdrs

MiB = 1 << 20
ALL_ATTRS = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def tags(s3, bucket, key, **kw):
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key,
                                                                 **kw)["TagSet"]}


def tagset(d):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in d.items()]}


def crc32_raw(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


# --- tagging ------------------------------------------------------------------------

def test_put_get_delete_object_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert tags(s3, bucket, "k") == {}
    want = {"project": "lake", "owner": "data team", "empty": "", "sym": "a+b=c:d/e@f"}
    resp = s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset(want))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert tags(s3, bucket, "k") == want
    head = s3.head_object(Bucket=bucket, Key="k")
    assert hdrs(head)["x-amz-tagging-count"] == "4"
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["TagCount"] == 4 and got["Body"].read() == b"x"
    # A PUT of tags replaces the whole set.
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"only": "one"}))
    assert tags(s3, bucket, "k") == {"only": "one"}
    resp = s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags(s3, bucket, "k") == {}
    assert "x-amz-tagging-count" not in hdrs(s3.head_object(Bucket=bucket, Key="k"))
    # Tagging does not touch the data or the ETag.
    assert s3.get_object(Bucket=bucket, Key="k")["ETag"] == (
        '"' + hashlib.md5(b"x").hexdigest() + '"')


def test_tagging_missing_key(s3, bucket):
    e = client_error(s3.get_object_tagging, Bucket=bucket, Key="nope")
    assert code(e) == ("NoSuchKey", 404)
    e = client_error(s3.put_object_tagging, Bucket=bucket, Key="nope", Tagging=tagset({"a": "b"}))
    assert code(e) == ("NoSuchKey", 404)


def test_tagging_header_on_put(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=x%20y&c=%2B%3D%3A")
    assert tags(s3, bucket, "k") == {"a": "1", "b": "x y", "c": "+=:"}
    assert s3.get_object(Bucket=bucket, Key="k")["TagCount"] == 3


def test_tagging_on_multipart_create(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="m", Tagging="stage=raw")["UploadId"]
    e = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e}]})
    assert tags(s3, bucket, "m") == {"stage": "raw"}


def test_tagging_directive_on_copy(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"data", Tagging="a=1&b=2")
    src = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="default", CopySource=src)
    assert tags(s3, bucket, "default") == {"a": "1", "b": "2"}  # COPY is the default
    s3.copy_object(Bucket=bucket, Key="copy", CopySource=src, TaggingDirective="COPY",
                   Tagging="ignored=yes")
    assert tags(s3, bucket, "copy") == {"a": "1", "b": "2"}
    s3.copy_object(Bucket=bucket, Key="replace", CopySource=src, TaggingDirective="REPLACE",
                   Tagging="c=3")
    assert tags(s3, bucket, "replace") == {"c": "3"}
    s3.copy_object(Bucket=bucket, Key="cleared", CopySource=src, TaggingDirective="REPLACE")
    assert tags(s3, bucket, "cleared") == {}
    # Copy onto itself replacing only the tags (metadata directive REPLACE keeps it legal).
    s3.copy_object(Bucket=bucket, Key="src", CopySource=src, MetadataDirective="REPLACE",
                   TaggingDirective="REPLACE", Tagging="new=1")
    assert tags(s3, bucket, "src") == {"new": "1"}
    e = client_error(s3.copy_object, Bucket=bucket, Key="x", CopySource=src,
                     TaggingDirective="SOMETIMES")
    assert code(e)[1] == 400


@pytest.mark.parametrize("bad", [
    {f"k{i}": "v" for i in range(11)},                 # more than 10 tags
    {"k" * 129: "v"},                                  # key longer than 128
    {"k": "v" * 257},                                  # value longer than 256
], ids=["11-tags", "long-key", "long-value"])
def test_invalid_tags(s3, bucket, bad):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=me")
    e = client_error(s3.put_object_tagging, Bucket=bucket, Key="k", Tagging=tagset(bad))
    assert code(e) == ("InvalidTag", 400)
    assert tags(s3, bucket, "k") == {"keep": "me"}  # unchanged
    header = "&".join(f"{k}={v}" for k, v in bad.items())
    e = client_error(s3.put_object, Bucket=bucket, Key="k2", Body=b"x", Tagging=header)
    assert code(e) == ("InvalidTag", 400)
    client_error(s3.head_object, Bucket=bucket, Key="k2")


def test_duplicate_tag_keys(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    e = client_error(s3.put_object_tagging, Bucket=bucket, Key="k", Tagging={"TagSet": [
        {"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]})
    assert code(e) == ("InvalidTag", 400)
    e = client_error(s3.put_object, Bucket=bucket, Key="k2", Body=b"x", Tagging="a=1&a=2")
    assert code(e) == ("InvalidTag", 400)


def test_tagging_versions(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"1", Tagging="v=1")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"2", Tagging="v=2")["VersionId"]
    assert tags(s3, bucket, "k") == {"v": "2"}
    assert tags(s3, bucket, "k", VersionId=v1) == {"v": "1"}
    resp = s3.put_object_tagging(Bucket=bucket, Key="k", VersionId=v1, Tagging=tagset({"x": "y"}))
    assert resp["VersionId"] == v1
    assert tags(s3, bucket, "k", VersionId=v1) == {"x": "y"}
    assert tags(s3, bucket, "k", VersionId=v2) == {"v": "2"}


# --- GetObjectAttributes --------------------------------------------------------------

def test_object_attributes_single_part(s3, bucket):
    data = os.urandom(100_000)
    s3.put_object(Bucket=bucket, Key="k", Body=data, ChecksumAlgorithm="CRC32")
    resp = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL_ATTRS)
    assert resp["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    assert resp["ObjectSize"] == len(data)
    assert resp["StorageClass"] == "STANDARD"
    assert resp["Checksum"]["ChecksumCRC32"] == base64.b64encode(crc32_raw(data)).decode()
    assert "ObjectParts" not in resp
    assert resp["LastModified"]
    # Only what was asked for.
    resp = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert resp["ObjectSize"] == len(data)
    assert "ETag" not in resp and "StorageClass" not in resp
    e = client_error(s3.get_object_attributes, Bucket=bucket, Key="nope",
                     ObjectAttributes=["ETag"])
    assert code(e) == ("NoSuchKey", 404)


def test_object_attributes_without_checksum(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    resp = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL_ATTRS)
    assert resp["ObjectSize"] == 5 and resp["StorageClass"] == "STANDARD"
    assert resp["ETag"].strip('"') == hashlib.md5(b"hello").hexdigest()


def test_object_attributes_multipart(s3, bucket):
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1234)]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="m",
                                     ChecksumAlgorithm="CRC32")["UploadId"]
    done = []
    for n, p in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=n, Body=p,
                           ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": n, "ETag": r["ETag"],
                     "ChecksumCRC32": base64.b64encode(crc32_raw(p)).decode()})
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=uid,
                                 MultipartUpload={"Parts": done})
    resp = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=ALL_ATTRS)
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert resp["ETag"].strip('"') == f"{hashlib.md5(md5s).hexdigest()}-3"
    assert resp["ObjectSize"] == sum(map(len, parts))
    assert resp["StorageClass"] == "STANDARD"
    op = resp["ObjectParts"]
    assert op["TotalPartsCount"] == 3
    # Composite checksum: the CRC32 of the part CRC32s, with the -N suffix.
    composite = base64.b64encode(crc32_raw(b"".join(crc32_raw(p) for p in parts))).decode()
    assert resp["Checksum"]["ChecksumCRC32"] in (composite + "-3", composite)
    # Parts carry their own checksums and sizes; page through them.
    first = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=["ObjectParts"],
                                     MaxParts=2)["ObjectParts"]
    assert first["IsTruncated"] is True and first["MaxParts"] == 2
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    rest = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=["ObjectParts"],
                                    MaxParts=2, PartNumberMarker=first["NextPartNumberMarker"])
    rest = rest["ObjectParts"]
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and not rest["IsTruncated"]
    for p in first["Parts"] + rest["Parts"]:
        data = parts[p["PartNumber"] - 1]
        assert p["Size"] == len(data)
        assert p["ChecksumCRC32"] == base64.b64encode(crc32_raw(data)).decode()


def test_object_attributes_multipart_without_checksums(s3, bucket):
    parts = [os.urandom(5 * MiB), os.urandom(10)]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=n, Body=p)["ETag"]
             for n, p in enumerate(parts, 1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    resp = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=ALL_ATTRS)
    assert resp["ObjectParts"]["TotalPartsCount"] == 2
    assert resp["ETag"].strip('"').endswith("-2")
    assert resp["ObjectSize"] == 5 * MiB + 10
