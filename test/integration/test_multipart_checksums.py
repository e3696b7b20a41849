"""What CompleteMultipartUpload claims about the object, checked as AWS checks it
(issue 19 item 6): the part checksums listed in the XML, the whole-object
x-amz-checksum-<algo> (COMPOSITE: checksum of the part checksums, "-N" optional;
FULL_OBJECT: CRC of the whole body), x-amz-checksum-type. Each refusal leaves the
upload open: the same upload then completes with the right values.
boto3 1.26 (Debian) knows Checksum<algo> on Complete but not ChecksumType: that
header is added (and signed) with extra_headers."""
import base64
import os

import pytest

from checksums import b64, digest
from silt_server import extra_headers
from s3assert import client_error, code

MiB = 1 << 20
PART = 5 * MiB


def absent(s3, bucket, key):
    return code(client_error(s3.head_object, Bucket=bucket, Key=key))[1] == 404


def start(s3, bucket, key, algo, parts, checksum_type=None):
    """An upload with algo, its parts uploaded with their checksums; the Complete list."""
    headers = {"x-amz-checksum-type": checksum_type} if checksum_type else {}
    with extra_headers(s3, headers, "CreateMultipartUpload"):
        uid = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=algo)["UploadId"]
    listed = []
    for n, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data,
                           **{"Checksum" + algo: b64(algo, data)})
        listed.append({"PartNumber": n, "ETag": r["ETag"], "Checksum" + algo: b64(algo, data)})
    return uid, listed


def complete(s3, bucket, key, uid, listed, headers=None, **kwargs):
    with extra_headers(s3, headers or {}, "CompleteMultipartUpload"):
        return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                            MultipartUpload={"Parts": listed}, **kwargs)


def refused(s3, bucket, key, uid, listed, headers=None, **kwargs):
    e = client_error(complete, s3, bucket, key, uid, listed, headers, **kwargs)
    assert absent(s3, bucket, key)
    return code(e)


def composite(algo, parts):
    return base64.b64encode(digest(algo, b"".join(digest(algo, p) for p in parts))).decode()


@pytest.mark.parametrize("algo", ["CRC32", "CRC32C", "SHA256"])
def test_composite_whole_object_checksum(s3, bucket, algo):
    parts = [os.urandom(PART), os.urandom(999)]
    uid, listed = start(s3, bucket, "k", algo, parts)
    right = composite(algo, parts)
    wrong = composite(algo, parts[::-1])
    arg = "Checksum" + algo
    assert refused(s3, bucket, "k", uid, listed, **{arg: wrong}) == ("BadDigest", 400)
    assert refused(s3, bucket, "k", uid, listed, **{arg: wrong + "-2"}) == ("BadDigest", 400)
    assert refused(s3, bucket, "k", uid, listed, **{arg: right + "-3"}) == ("BadDigest", 400)
    # The full-body checksum is not a composite upload's value.
    assert refused(s3, bucket, "k", uid, listed, **{arg: b64(algo, b"".join(parts))}) == ("BadDigest", 400)
    # A part's listed checksum that is not the stored one: InvalidPart, as AWS.
    bad = [dict(listed[0]), listed[1]]
    bad[0][arg] = b64(algo, parts[1])
    assert refused(s3, bucket, "k", uid, bad, **{arg: right}) == ("InvalidPart", 400)
    # With or without "-N", the right value completes the same upload.
    value = right + "-2" if algo == "CRC32" else right
    done = complete(s3, bucket, "k", uid, listed, **{arg: value})
    assert done[arg] == right + "-2"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"".join(parts)


@pytest.mark.parametrize("algo", ["CRC32", "CRC32C"])
def test_full_object_whole_object_checksum(s3, bucket, algo):
    parts = [os.urandom(PART), os.urandom(PART), os.urandom(7)]
    uid, listed = start(s3, bucket, "k", algo, parts, "FULL_OBJECT")
    body = b"".join(parts)
    arg = "Checksum" + algo
    assert refused(s3, bucket, "k", uid, listed, **{arg: b64(algo, body[1:])}) == ("BadDigest", 400)
    # The composite value is not a FULL_OBJECT upload's, with or without "-N".
    assert refused(s3, bucket, "k", uid, listed, **{arg: composite(algo, parts)}) == ("BadDigest", 400)
    assert refused(s3, bucket, "k", uid, listed, **{arg: composite(algo, parts) + "-3"}) == ("BadDigest", 400)
    done = complete(s3, bucket, "k", uid, listed, {"x-amz-checksum-type": "FULL_OBJECT"},
                    **{arg: b64(algo, body)})
    assert done[arg] == b64(algo, body)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == body


def test_whole_object_checksum_of_another_algorithm(s3, bucket):
    """The parts carry CRC32 only: a SHA256 or CRC32C claim cannot be checked, so it is refused."""
    parts = [os.urandom(PART), b"end"]
    uid, listed = start(s3, bucket, "k", "CRC32", parts)
    sha = base64.b64encode(digest("SHA256", b"".join(parts))).decode()
    assert refused(s3, bucket, "k", uid, listed, ChecksumSHA256=sha) == ("InvalidRequest", 400)
    assert refused(s3, bucket, "k", uid, listed, ChecksumCRC32C=composite("CRC32C", parts)) == ("InvalidRequest", 400)
    # ... even next to a right CRC32.
    assert refused(s3, bucket, "k", uid, listed, ChecksumCRC32=composite("CRC32", parts),
                   ChecksumSHA256=sha) == ("InvalidRequest", 400)
    complete(s3, bucket, "k", uid, listed, ChecksumCRC32=composite("CRC32", parts))
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == PART + 3


def test_whole_object_checksum_without_part_checksums(s3, bucket):
    """An upload whose parts carry no checksum makes an object without one: any claim is refused."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"only")
    listed = [{"PartNumber": 1, "ETag": r["ETag"]}]
    assert refused(s3, bucket, "k", uid, listed, ChecksumCRC32=b64("CRC32", b"only")) == ("InvalidRequest", 400)
    complete(s3, bucket, "k", uid, listed)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"only"


@pytest.mark.parametrize("declared", [None, "COMPOSITE", "FULL_OBJECT"])
def test_checksum_type_on_complete(s3, bucket, declared):
    """x-amz-checksum-type on Complete must be the upload's type (BadDigest, as AWS documents)."""
    parts = [os.urandom(PART), b"x" * 10]
    uid, listed = start(s3, bucket, "k", "CRC32", parts, declared)
    actual = declared or "COMPOSITE"
    other = "FULL_OBJECT" if actual == "COMPOSITE" else "COMPOSITE"
    assert refused(s3, bucket, "k", uid, listed, {"x-amz-checksum-type": other}) == ("BadDigest", 400)
    assert refused(s3, bucket, "k", uid, listed, {"x-amz-checksum-type": "crc"}) == ("InvalidArgument", 400)
    done = complete(s3, bucket, "k", uid, listed, {"x-amz-checksum-type": actual})
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == actual


def test_refused_complete_keeps_serving(s3, bucket):
    parts = [b"a" * 100]
    uid, listed = start(s3, bucket, "k", "CRC32", parts)
    assert refused(s3, bucket, "k", uid, listed, ChecksumCRC32="AAAAAA==") == ("BadDigest", 400)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == [uid]
    s3.put_object(Bucket=bucket, Key="after", Body=b"fine")
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"fine"


def test_awscli_cp_with_crc32(silt, s3, bucket, tmp_path):
    """aws cli v1 (botocore 1.43): a multipart `s3 cp` lists each part's CRC32 on Complete."""
    src = tmp_path / "big.bin"
    data = os.urandom(19 * MiB + 3)
    src.write_bytes(data)
    silt.aws("s3", "cp", str(src), f"s3://{bucket}/big.bin", "--checksum-algorithm", "CRC32")
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')  # 8 MiB parts: multipart, so Complete was checked
    assert head["ChecksumCRC32"].endswith("-3")
    dst = tmp_path / "back.bin"
    silt.aws("s3", "cp", f"s3://{bucket}/big.bin", str(dst))
    assert dst.read_bytes() == data
