"""Server-side encryption (issue 19 item 1; docs/encryption.md) against a real silt over
https with a master key file and an SSE-KMS keyring: SSE-S3, SSE-C and SSE-KMS on
PUT/GET/HEAD/Range, multipart, CopyObject and UploadPartCopy; bucket default encryption;
every refusal as AWS answers it, each followed by a request that shows silt still serves;
the drives hold no plaintext of an encrypted object; keys survive restarts and rotation.
Clients: boto3 (Debian's), aws cli v1 (PATH) and v2 (/usr/bin/aws), rclone.
"""
import base64
import datetime
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import zlib

import pytest
import requests

from botocore.config import Config

from s3assert import client_error, code, ok
from silt_server import SiltServer, bucket_name, extra_headers, s3_client, silt_binary
from test_aws_answers import newer_boto3
from test_bucket_apis import ALL_ON, read_back, terraform_setup
from test_tls import Pki, TlsSilt

KiB = 1 << 10
MiB = 1 << 20
PACKAGE = 64 * KiB
SSEC_KEY = b"0123456789abcdef0123456789abcdef"  # 32 bytes, as AES256 takes
OTHER_KEY = b"fedcba9876543210fedcba9876543210"
SSEC = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=SSEC_KEY)
WRONG = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=OTHER_KEY)
AWS_V2 = "/usr/bin/aws"


def key_line(name):
    return f"{name}:{base64.b64encode(os.urandom(32)).decode()}\n"


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    (d / "master.key").write_text(key_line("m1"))
    (d / "keyring").write_text(key_line("lake-key") + key_line("other-key"))
    return d


@pytest.fixture(scope="module")
def silt(tmp_path_factory, keys_dir):
    server = TlsSilt(tmp_path_factory.mktemp("silt-sse"), Pki(tmp_path_factory.mktemp("pki")),
                     extra=("--sse-master-key-file", str(keys_dir / "master.key"),
                            "--sse-keyring-file", str(keys_dir / "keyring")))
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    yield server
    assert server.stop(timeout=10) == 0, server.log_tail()


@pytest.fixture(scope="module")
def s3(silt):
    return silt.boto3()


@pytest.fixture
def bucket(s3, request):
    name = bucket_name(request.node.name)
    s3.create_bucket(Bucket=name)
    return name


def body(size, seed=b""):
    """size bytes that differ at every offset (a misplaced range shows)."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(seed + i.to_bytes(8, "big")).digest()
        i += 1
    return bytes(out[:size])


def refused(e, want_code, status):
    assert code(e) == (want_code, status), e.response


def still_serving(s3, bucket):
    s3.put_object(Bucket=bucket, Key="after-refusal", Body=b"fine")
    assert s3.get_object(Bucket=bucket, Key="after-refusal")["Body"].read() == b"fine"


def md5_b64(key):
    return base64.b64encode(hashlib.md5(key).digest()).decode()


def ranges_match(s3, bucket, key, data, extra=None):
    """Ranges around package and stripe edges return exactly those plaintext bytes."""
    n = len(data)
    for first, last in [(0, 0), (0, PACKAGE - 1), (PACKAGE - 1, PACKAGE), (PACKAGE, 2 * PACKAGE + 10),
                        (n - 1, n - 1), (n // 2, n - 1), (12345, 12345 + 3 * PACKAGE)]:
        last = min(last, n - 1)
        if first > last:
            continue
        r = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={first}-{last}", **(extra or {}))
        assert r["Body"].read() == data[first:last + 1], (first, last)
        assert r["ContentRange"] == f"bytes {first}-{last}/{n}"
    r = s3.get_object(Bucket=bucket, Key=key, Range="bytes=-100", **(extra or {}))
    assert r["Body"].read() == data[-100:]


# --- SSE-S3 ---------------------------------------------------------------------------------------

def test_sse_s3_put_get_head_range(s3, bucket):
    data = body(3 * PACKAGE + 777)
    put = s3.put_object(Bucket=bucket, Key="k", Body=data, ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    # As on AWS, an SSE-S3 object's ETag is its plaintext's MD5.
    assert put["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data
    assert got["ServerSideEncryption"] == "AES256"
    assert got["ContentLength"] == len(data)
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["ContentLength"] == len(data) and head["ServerSideEncryption"] == "AES256"
    assert head["ETag"] == put["ETag"]
    ranges_match(s3, bucket, "k", data)
    # Listings print the plaintext's size, as AWS.
    assert [o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [len(data)]
    assert [o["Size"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == [len(data)]
    assert [v["Size"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [len(data)]
    # A plain object says nothing about encryption.
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="plain")


@pytest.mark.parametrize("size", [0, 1, PACKAGE - 1, PACKAGE, PACKAGE + 1, 2 * PACKAGE, 300 * KiB + 5])
def test_sse_s3_sizes_at_package_edges(s3, bucket, size):
    data = body(size, b"edge")
    s3.put_object(Bucket=bucket, Key="k", Body=data, ServerSideEncryption="AES256")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == size


def test_sse_s3_content_md5_is_of_the_plaintext(silt, s3, bucket):
    data = body(1000)
    good = base64.b64encode(hashlib.md5(data).digest()).decode()
    r = silt.boto3().put_object(Bucket=bucket, Key="k", Body=data, ContentMD5=good, ServerSideEncryption="AES256")
    assert r["ServerSideEncryption"] == "AES256"
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    refused(client_error(s3.put_object, Bucket=bucket, Key="bad", Body=data, ContentMD5=bad,
                         ServerSideEncryption="AES256"), "BadDigest", 400)
    still_serving(s3, bucket)


def test_unknown_algorithm_is_refused(s3, bucket):
    with extra_headers(s3, {"x-amz-server-side-encryption": "AES128"}, "PutObject"):
        e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x")
    refused(e, "InvalidArgument", 400)
    refused(client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms:dsse"),
            "NotImplemented", 501)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("404", 404)
    still_serving(s3, bucket)


# --- SSE-C ----------------------------------------------------------------------------------------

def test_sse_c_put_get_head_range(s3, bucket):
    data = body(2 * PACKAGE + 100, b"ssec")
    put = s3.put_object(Bucket=bucket, Key="k", Body=data, **SSEC)
    assert put["SSECustomerAlgorithm"] == "AES256"
    assert put["SSECustomerKeyMD5"] == md5_b64(SSEC_KEY)
    assert "ServerSideEncryption" not in put
    # AWS's ETag of an SSE-C object is no MD5 of its data, which would tell of the plaintext.
    assert put["ETag"] != '"' + hashlib.md5(data).hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key="k", **SSEC)
    assert got["Body"].read() == data
    assert got["SSECustomerKeyMD5"] == md5_b64(SSEC_KEY)
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="k", **SSEC)
    assert head["ContentLength"] == len(data) and head["SSECustomerAlgorithm"] == "AES256"
    ranges_match(s3, bucket, "k", data, SSEC)


def test_sse_c_object_is_unreadable_without_its_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"customer secret", **SSEC)
    e = client_error(s3.get_object, Bucket=bucket, Key="k")
    refused(e, "InvalidRequest", 400)
    assert "correct parameters must be provided" in e.response["Error"]["Message"]
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("400", 400)
    refused(client_error(s3.get_object, Bucket=bucket, Key="k", **WRONG), "AccessDenied", 403)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k", **WRONG)) == ("403", 403)
    refused(client_error(s3.get_object, Bucket=bucket, Key="k", Range="bytes=2-5", **WRONG), "AccessDenied", 403)
    # SSE-S3 is not SSE-C: asking with a server-side header reads nothing either.
    refused(client_error(s3.get_object, Bucket=bucket, Key="k"), "InvalidRequest", 400)
    assert s3.get_object(Bucket=bucket, Key="k", **SSEC)["Body"].read() == b"customer secret"
    still_serving(s3, bucket)


def test_sse_c_bad_key_headers_are_refused(s3, bucket):
    key_b64 = base64.b64encode(SSEC_KEY).decode()
    cases = [
        # The MD5 is not the key's.
        (dict(SSECustomerAlgorithm="AES256", SSECustomerKey=key_b64, SSECustomerKeyMD5=md5_b64(b"nope")),
         "The calculated MD5 hash of the key did not match the hash that was provided."),
        # 16 bytes are no AES-256 key.
        (dict(SSECustomerAlgorithm="AES256", SSECustomerKey=base64.b64encode(b"k" * 16).decode(),
              SSECustomerKeyMD5=md5_b64(b"k" * 16)),
         "The secret key was invalid for the specified algorithm."),
        (dict(SSECustomerAlgorithm="AES128", SSECustomerKey=SSEC_KEY),
         "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption "
         "algorithm."),
    ]
    for args, message in cases:
        e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", **args)
        refused(e, "InvalidArgument", 400)
        assert e.response["Error"]["Message"] == message
    # SSE-C and SSE-S3 at once.
    refused(client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256", **SSEC),
            "InvalidArgument", 400)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("404", 404)
    # A key offered for a plain object fits nothing.
    s3.put_object(Bucket=bucket, Key="plain", Body=b"p")
    e = client_error(s3.get_object, Bucket=bucket, Key="plain", **SSEC)
    refused(e, "InvalidRequest", 400)
    assert e.response["Error"]["Message"] == "The encryption parameters are not applicable to this object."
    still_serving(s3, bucket)


def test_sse_c_multipart(s3, bucket):
    parts = [body(5 * MiB + 3, b"p1"), body(2 * PACKAGE + 9, b"p2")]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", **SSEC)
    assert up["SSECustomerKeyMD5"] == md5_b64(SSEC_KEY)
    uid = up["UploadId"]
    # Each part needs the upload's key: none, or another, is refused and stores nothing.
    refused(client_error(s3.upload_part, Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=parts[0]),
            "InvalidRequest", 400)
    refused(client_error(s3.upload_part, Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=parts[0],
                         **WRONG), "AccessDenied", 403)
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)
    etags = []
    for i, p in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=i, Body=p, **SSEC)
        assert r["SSECustomerKeyMD5"] == md5_b64(SSEC_KEY)
        etags.append(r["ETag"])
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["Parts"]
    assert [p["Size"] for p in listed] == [len(p) for p in parts]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": i, "ETag": e} for i, e in enumerate(etags, 1)]})
    whole = b"".join(parts)
    got = s3.get_object(Bucket=bucket, Key="mp", **SSEC)
    assert got["ContentLength"] == len(whole)
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Size"] == len(whole)
    assert got["Body"].read() == whole
    edge = len(parts[0])
    r = s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={edge - 10}-{edge + PACKAGE + 5}", **SSEC)
    assert r["Body"].read() == whole[edge - 10:edge + PACKAGE + 6]
    p2 = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2, **SSEC)
    assert p2["Body"].read() == parts[1]
    refused(client_error(s3.get_object, Bucket=bucket, Key="mp"), "InvalidRequest", 400)
    still_serving(s3, bucket)


def test_sse_s3_multipart_etag_is_of_plaintext_parts(s3, bucket):
    parts = [body(5 * MiB, b"a"), body(1000, b"b")]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ServerSideEncryption="AES256")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=i, Body=p)["ETag"]
             for i, p in enumerate(parts, 1)]
    assert etags == ['"' + hashlib.md5(p).hexdigest() + '"' for p in parts]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": i, "ETag": e} for i, e in enumerate(etags, 1)]})
    want = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-2"
    assert done["ETag"] == f'"{want}"'
    assert done["ServerSideEncryption"] == "AES256"
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == b"".join(parts)


def test_full_object_crc_of_an_encrypted_multipart_object(s3, bucket):
    """FULL_OBJECT CRCs combine the parts' plaintext CRCs by the plaintext lengths."""
    parts = [body(5 * MiB + 7, b"f1"), body(3 * PACKAGE + 1, b"f2")]
    with extra_headers(s3, {"x-amz-checksum-type": "FULL_OBJECT"}, "CreateMultipartUpload"):
        uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32",
                                         ServerSideEncryption="AES256")["UploadId"]
    done = [s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=i, Body=p, ChecksumAlgorithm="CRC32")
            for i, p in enumerate(parts, 1)]
    r = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": i, "ETag": d["ETag"], "ChecksumCRC32": d["ChecksumCRC32"]} for i, d in enumerate(done, 1)]})
    whole = b"".join(parts)
    want = base64.b64encode(zlib.crc32(whole).to_bytes(4, "big")).decode()
    assert r["ChecksumCRC32"] == want
    got = s3.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == want and got["Body"].read() == whole


# --- copies ---------------------------------------------------------------------------------------

def test_copy_object_between_encryptions(s3, bucket):
    data = body(PACKAGE * 2 + 5, b"copy")
    s3.put_object(Bucket=bucket, Key="c-src", Body=data, **SSEC)
    src = {"Bucket": bucket, "Key": "c-src"}
    src_key = dict(CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=SSEC_KEY)
    # Without the source's key the copy reads nothing.
    refused(client_error(s3.copy_object, Bucket=bucket, Key="x", CopySource=src), "InvalidRequest", 400)
    refused(client_error(s3.copy_object, Bucket=bucket, Key="x", CopySource=src,
                         CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=OTHER_KEY),
            "AccessDenied", 403)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="x")) == ("404", 404)
    # SSE-C -> SSE-S3.
    r = s3.copy_object(Bucket=bucket, Key="s3", CopySource=src, ServerSideEncryption="AES256", **src_key)
    assert r["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="s3")["Body"].read() == data
    # SSE-S3 -> SSE-C with another key, and onto itself with a new key.
    r = s3.copy_object(Bucket=bucket, Key="c2", CopySource={"Bucket": bucket, "Key": "s3"}, **WRONG)
    assert r["SSECustomerKeyMD5"] == md5_b64(OTHER_KEY)
    assert s3.get_object(Bucket=bucket, Key="c2", **WRONG)["Body"].read() == data
    s3.copy_object(Bucket=bucket, Key="c-src", CopySource=src, **src_key, **WRONG)
    assert s3.get_object(Bucket=bucket, Key="c-src", **WRONG)["Body"].read() == data
    refused(client_error(s3.get_object, Bucket=bucket, Key="c-src", **SSEC), "AccessDenied", 403)
    # SSE-C -> plain: the copy is stored as the request says, not as the source was.
    s3.copy_object(Bucket=bucket, Key="clear", CopySource={"Bucket": bucket, "Key": "c2"},
                   CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=OTHER_KEY)
    got = s3.get_object(Bucket=bucket, Key="clear")
    assert got["Body"].read() == data and "ServerSideEncryption" not in got
    # Same bytes, new metadata, still encrypted (the record keeps its sealed key).
    s3.copy_object(Bucket=bucket, Key="s3", CopySource={"Bucket": bucket, "Key": "s3"}, MetadataDirective="REPLACE",
                   Metadata={"m": "1"}, ServerSideEncryption="AES256")
    got = s3.get_object(Bucket=bucket, Key="s3")
    assert got["Body"].read() == data and got["Metadata"] == {"m": "1"} and got["ServerSideEncryption"] == "AES256"
    still_serving(s3, bucket)


def test_upload_part_copy_decrypts_and_encrypts(s3, bucket):
    first = body(5 * MiB + 1, b"upc")
    s3.put_object(Bucket=bucket, Key="src", Body=first, **SSEC)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ServerSideEncryption="AES256")["UploadId"]
    src_key = dict(CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=SSEC_KEY)
    refused(client_error(s3.upload_part_copy, Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1,
                         CopySource={"Bucket": bucket, "Key": "src"}), "InvalidRequest", 400)
    p1 = s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "src"}, **src_key)
    p2 = s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=100-70099",
                             **src_key)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]},
        {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == first + first[100:70100]


# --- SSE-KMS with the local keyring ------------------------------------------------------------------

def arn(silt, key_id):
    """The ARN AWS (and silt) answers SSEKMSKeyId with, whichever form the request named."""
    return f"arn:aws:kms:{silt.region}:000000000000:key/{key_id}"


def test_sse_kms_with_keyring(silt, s3, bucket):
    data = body(PACKAGE + 3, b"kms")
    r = s3.put_object(Bucket=bucket, Key="k", Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId="other-key")
    assert r["ServerSideEncryption"] == "aws:kms" and r["SSEKMSKeyId"] == arn(silt, "other-key")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data and got["SSEKMSKeyId"] == arn(silt, "other-key")
    # An ARN naming a keyring key, an alias, and no key id at all (the keyring's first key).
    r = s3.put_object(Bucket=bucket, Key="arn", Body=data, ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=arn(silt, "lake-key"))
    assert r["SSEKMSKeyId"] == arn(silt, "lake-key")
    r = s3.put_object(Bucket=bucket, Key="alias", Body=data, ServerSideEncryption="aws:kms",
                      SSEKMSKeyId="alias/other-key")
    assert r["SSEKMSKeyId"] == arn(silt, "other-key")
    r = s3.put_object(Bucket=bucket, Key="default", Body=data, ServerSideEncryption="aws:kms")
    assert r["SSEKMSKeyId"] == arn(silt, "lake-key")
    assert s3.get_object(Bucket=bucket, Key="default")["Body"].read() == data
    e = client_error(s3.put_object, Bucket=bucket, Key="nokey", Body=data, ServerSideEncryption="aws:kms",
                     SSEKMSKeyId="no-such-key")
    refused(e, "KMS.NotFoundException", 400)
    # A key id without aws:kms.
    refused(client_error(s3.put_object, Bucket=bucket, Key="nokey", Body=data, ServerSideEncryption="AES256",
                         SSEKMSKeyId="lake-key"), "InvalidArgument", 400)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="nokey")) == ("404", 404)
    still_serving(s3, bucket)


def test_sse_kms_key_arn_is_echoed_by_every_operation(silt, s3, bucket):
    want = arn(silt, "other-key")
    kms = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId="other-key")
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"v", **kms)["SSEKMSKeyId"] == want
    assert s3.head_object(Bucket=bucket, Key="k")["SSEKMSKeyId"] == want
    assert s3.get_object(Bucket=bucket, Key="k", Range="bytes=0-0")["SSEKMSKeyId"] == want
    copy = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k"}, **kms)
    assert copy["SSEKMSKeyId"] == want
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", **kms)
    assert up["SSEKMSKeyId"] == want
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"p")
    assert part["SSEKMSKeyId"] == want
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["SSEKMSKeyId"] == want
    # GetBucketEncryption answers the key id as it was configured, as AWS does.
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/other-key"}}]})
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == "alias/other-key"
    assert s3.put_object(Bucket=bucket, Key="d", Body=b"d")["SSEKMSKeyId"] == want
    # aws cli shows the same ARN.
    out = json.loads(silt.aws("s3api", "head-object", "--bucket", bucket, "--key", "d").stdout)
    assert out["SSEKMSKeyId"] == want
    still_serving(s3, bucket)


def b64json(obj):
    return base64.b64encode(json.dumps(obj).encode()).decode()


def context_of(r):
    """The encryption context a response echoed, decoded."""
    return json.loads(base64.b64decode(r["SSEKMSEncryptionContext"]))


def test_sse_kms_encryption_context(silt, s3, bucket):
    data = body(PACKAGE + 5, b"ctx")
    mine = {"team": "lake", "stage": "raw"}
    r = s3.put_object(Bucket=bucket, Key="k", Body=data, ServerSideEncryption="aws:kms",
                      SSEKMSEncryptionContext=b64json(mine))
    # AWS adds the object's ARN to the context it was given.
    assert context_of(r) == {**mine, "aws:s3:arn": f"arn:aws:s3:::{bucket}/k"}
    got = s3.get_object(Bucket=bucket, Key="k", Range="bytes=65530-65539")
    assert got["Body"].read() == data[65530:65540] and got["ServerSideEncryption"] == "aws:kms"
    # Without one, the context is the ARN alone; an aws:s3:arn of the client's own is kept.
    r = s3.put_object(Bucket=bucket, Key="plain", Body=b"p", ServerSideEncryption="aws:kms")
    assert context_of(r) == {"aws:s3:arn": f"arn:aws:s3:::{bucket}/plain"}
    r = s3.put_object(Bucket=bucket, Key="own", Body=b"o", ServerSideEncryption="aws:kms",
                      SSEKMSEncryptionContext=b64json({"aws:s3:arn": "arn:aws:s3:::elsewhere"}))
    assert context_of(r) == {"aws:s3:arn": "arn:aws:s3:::elsewhere"}
    assert s3.get_object(Bucket=bucket, Key="own")["Body"].read() == b"o"
    # A copy takes the request's context (or its own ARN), never the source's, as on AWS.
    c = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k"},
                       ServerSideEncryption="aws:kms")
    assert context_of(c) == {"aws:s3:arn": f"arn:aws:s3:::{bucket}/copy"}
    c = s3.copy_object(Bucket=bucket, Key="copy2", CopySource={"Bucket": bucket, "Key": "k"},
                       ServerSideEncryption="aws:kms", SSEKMSEncryptionContext=b64json({"v": "2"}))
    assert context_of(c) == {"v": "2", "aws:s3:arn": f"arn:aws:s3:::{bucket}/copy2"}
    assert s3.get_object(Bucket=bucket, Key="copy2")["Body"].read() == data
    # Multipart: the upload's context seals the data key every part is written with.
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ServerSideEncryption="aws:kms",
                                    SSEKMSEncryptionContext=b64json(mine))
    assert context_of(up) == {**mine, "aws:s3:arn": f"arn:aws:s3:::{bucket}/mp"}
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=data)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == data
    # The context survives a restart (it is in the record, and the data key opens with it).
    silt.restart()
    s3b = silt.boto3()
    assert s3b.get_object(Bucket=bucket, Key="k")["Body"].read() == data
    assert s3b.get_object(Bucket=bucket, Key="mp")["Body"].read() == data
    # aws cli passes it as given and shows it back.
    out = json.loads(silt.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli", "--server-side-encryption",
                              "aws:kms", "--ssekms-encryption-context", b64json({"tool": "cli"})).stdout)
    assert json.loads(base64.b64decode(out["SSEKMSEncryptionContext"]))["tool"] == "cli"


CONTEXT_MESSAGE = ("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string "
                   "holding JSON which represents a string-string map")


@pytest.mark.parametrize("value", [
    "not base64!",
    base64.b64encode(b"not json").decode(),
    b64json(["a", "b"]),
    b64json({"a": 1}),
    b64json({"a": {"b": "c"}}),
    base64.b64encode(b'{"a":"\xff"}').decode(),
], ids=["base64", "json", "array", "number", "nested", "not-utf8"])
def test_sse_kms_bad_context_is_invalid_argument(silt, s3, bucket, value):
    e = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms",
                     SSEKMSEncryptionContext=value)
    refused(e, "InvalidArgument", 400)
    assert e.response["Error"]["Message"] == CONTEXT_MESSAGE
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("404", 404)
    still_serving(s3, bucket)


def signed_with(silt, operation, headers):
    """A boto3 client that adds headers (signed) to every request of operation: the
    hostile values boto3's own parameters cannot carry."""
    client = silt.boto3()

    def add(request, **_):
        for k, v in headers.items():
            request.headers[k] = v
    client.meta.events.register(f"before-sign.s3.{operation}", add)
    return client


def test_sse_context_refusals(silt, s3, bucket):
    # Longer than 8 KiB: refused before anything is stored.
    e = client_error(s3.put_object, Bucket=bucket, Key="big", Body=b"x", ServerSideEncryption="aws:kms",
                     SSEKMSEncryptionContext=b64json({"k": "v" * 8200}))
    refused(e, "InvalidArgument", 400)
    assert e.response["ResponseMetadata"]["RequestId"]
    # A context without aws:kms (none, SSE-S3, SSE-C) is AWS's InvalidArgument.
    for sse in ({}, dict(ServerSideEncryption="AES256"), SSEC):
        e = client_error(s3.put_object, Bucket=bucket, Key="nokms", Body=b"x", SSEKMSEncryptionContext=b64json({}),
                         **sse)
        refused(e, "InvalidArgument", 400)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="nokms")) == ("404", 404)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="big")) == ("404", 404)
    still_serving(s3, bucket)


def test_sse_kms_bucket_keys(silt, s3, bucket):
    kms = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId="other-key")
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"v", BucketKeyEnabled=True, **kms)
    assert r["BucketKeyEnabled"] is True
    assert s3.head_object(Bucket=bucket, Key="k")["BucketKeyEnabled"] is True
    assert s3.get_object(Bucket=bucket, Key="k")["BucketKeyEnabled"] is True
    r = s3.put_object(Bucket=bucket, Key="off", Body=b"v", BucketKeyEnabled=False, **kms)
    assert "BucketKeyEnabled" not in r and "BucketKeyEnabled" not in s3.head_object(Bucket=bucket, Key="off")
    c = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k"}, BucketKeyEnabled=True,
                       **kms)
    assert c["BucketKeyEnabled"] is True
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", BucketKeyEnabled=True, **kms)
    assert up["BucketKeyEnabled"] is True
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"p")
    assert part["BucketKeyEnabled"] is True
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["BucketKeyEnabled"] is True
    # SSE-S3 objects have no bucket key to echo, as on AWS.
    r = s3.put_object(Bucket=bucket, Key="s3", Body=b"v", ServerSideEncryption="AES256", BucketKeyEnabled=True)
    assert "BucketKeyEnabled" not in r
    # The default's BucketKeyEnabled applies to new SSE-KMS objects (and is answered as put).
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "other-key"},
        "BucketKeyEnabled": True}]})
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["BucketKeyEnabled"] is True
    assert s3.put_object(Bucket=bucket, Key="d", Body=b"d")["BucketKeyEnabled"] is True
    assert s3.put_object(Bucket=bucket, Key="d2", Body=b"d", **kms)["BucketKeyEnabled"] is True
    assert "BucketKeyEnabled" not in s3.put_object(Bucket=bucket, Key="d3", Body=b"d", BucketKeyEnabled=False, **kms)
    # A value that is no boolean is refused, and nothing is stored.
    hostile = signed_with(silt, "PutObject", {"x-amz-server-side-encryption-bucket-key-enabled": "yes"})
    refused(client_error(hostile.put_object, Bucket=bucket, Key="bad", Body=b"x", ServerSideEncryption="aws:kms"),
            "InvalidArgument", 400)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="bad")) == ("404", 404)
    # aws cli (--bucket-key-enabled) too.
    out = json.loads(silt.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli", "--server-side-encryption",
                              "aws:kms", "--bucket-key-enabled").stdout)
    assert out["BucketKeyEnabled"] is True
    still_serving(s3, bucket)


# --- bucket default encryption --------------------------------------------------------------------

def test_bucket_default_encryption(silt, s3, bucket):
    e = client_error(s3.get_bucket_encryption, Bucket=bucket)
    refused(e, "ServerSideEncryptionConfigurationNotFoundError", 404)
    s3.put_object(Bucket=bucket, Key="before", Body=b"b")
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    r = s3.put_object(Bucket=bucket, Key="after", Body=b"a")
    assert r["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="after")["ServerSideEncryption"] == "AES256"
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="before")
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    assert up["ServerSideEncryption"] == "AES256"
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"])
    # A request's own choice wins over the default.
    r = s3.put_object(Bucket=bucket, Key="own", Body=b"o", **SSEC)
    assert "ServerSideEncryption" not in r and r["SSECustomerAlgorithm"] == "AES256"
    # aws:kms default with a keyring key; an unknown one is refused when configured.
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "other-key"},
        "BucketKeyEnabled": True}]})
    r = s3.put_object(Bucket=bucket, Key="kms", Body=b"k")
    assert r["ServerSideEncryption"] == "aws:kms" and r["SSEKMSKeyId"] == arn(silt, "other-key")
    refused(client_error(s3.put_bucket_encryption, Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "missing"}}]}),
        "KMS.NotFoundException", 400)
    s3.delete_bucket_encryption(Bucket=bucket)
    refused(client_error(s3.get_bucket_encryption, Bucket=bucket),
            "ServerSideEncryptionConfigurationNotFoundError", 404)
    assert "ServerSideEncryption" not in s3.put_object(Bucket=bucket, Key="later", Body=b"l")
    still_serving(s3, bucket)


def test_bucket_encryption_unknown_algorithm_is_malformed(s3, bucket):
    e = client_error(s3.put_bucket_encryption, Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}]})
    refused(e, "MalformedXML", 400)
    refused(client_error(s3.get_bucket_encryption, Bucket=bucket),
            "ServerSideEncryptionConfigurationNotFoundError", 404)
    still_serving(s3, bucket)


@pytest.mark.parametrize("default, want", [
    ({"SSEAlgorithm": "AES256"}, {"ServerSideEncryption": "AES256"}),
    ({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "other-key"},
     {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "arn:aws:kms:us-east-1:000000000000:key/other-key",
      "BucketKeyEnabled": True}),
], ids=["sse-s3", "sse-kms"])
def test_terraform_style_setup_with_default_encryption(silt, s3, default, want):
    """test_bucket_apis.py's Terraform replay (boto3) with its encryption step: create,
    tagging, default encryption, Block Public Access, ownership, versioning, lifecycle,
    policy; every document reads back as put (and again after a second apply), and an
    object PUT without SSE headers is stored as the default says."""
    rule = {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": default["SSEAlgorithm"] == "aws:kms"}
    b = bucket_name("tf-enc")
    terraform_setup(s3, b, encryption={"Rules": [rule]})
    got = read_back(s3, b, encryption=True)
    assert got["encryption"]["ServerSideEncryptionConfiguration"] == {"Rules": [rule]}
    assert got["tagging"]["TagSet"] == [{"Key": "Environment", "Value": "prod"}, {"Key": "Name", "Value": b}]
    assert got["block"]["PublicAccessBlockConfiguration"] == ALL_ON
    assert got["ownership"]["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert got["versioning"]["Status"] == "Enabled"
    assert got["lifecycle"]["Rules"] == [{"ID": "expire-raw", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
                                          "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]
    assert got["policy"]["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert got["status"]["PolicyStatus"]["IsPublic"] is False
    # An object written without SSE headers (over https, which the policy demands).
    marker = f"<<silt-marker-tf-{os.urandom(6).hex()}>>".encode()
    data = os.urandom(1000) + marker + os.urandom(PACKAGE)
    put = s3.put_object(Bucket=b, Key="raw/data.bin", Body=data)
    assert put["VersionId"] and put["VersionId"] != "null"
    head = s3.head_object(Bucket=b, Key="raw/data.bin")
    assert {k: head.get(k) for k in want} == want
    assert {k: put.get(k) for k in want} == want
    got_obj = s3.get_object(Bucket=b, Key="raw/data.bin")
    assert {k: got_obj.get(k) for k in want} == want
    assert got_obj["Body"].read() == data
    assert drives_hold(silt, marker) == []
    # A second apply changes nothing.
    terraform_setup(s3, b, encryption={"Rules": [rule]})
    assert read_back(s3, b, encryption=True) == got


# --- bucket policy: the s3:x-amz-server-side-encryption condition key -----------------------------

ALICE_SECRET = "alice-sse-secret-0123"


@pytest.fixture(scope="module")
def alice(silt):
    """A non-admin user (the admin is above every policy) with a boto3 client over https."""
    ok(silt.admin("--ca-bundle", str(silt.ca), "user", "add", "alice", "--secret-stdin", input=ALICE_SECRET + "\n"))
    return s3_client(endpoint_url=silt.endpoint, aws_access_key_id="alice", aws_secret_access_key=ALICE_SECRET,
                     region_name=silt.region, verify=str(silt.ca),
                     config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                   retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20))


def test_policy_condition_on_the_encryption_header_value(silt, alice):
    """AWS's "require SSE-S3" policy: Deny s3:PutObject when s3:x-amz-server-side-encryption is
    not AES256. The key is the request header's value: AES256 passes; aws:kms, no header,
    SSE-C (no such header) and a bucket default (not a header) are denied, the owner too."""
    b = bucket_name("cond-sse-value")
    alice.create_bucket(Bucket=b)
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "RequireSSES3", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{b}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}}]}))
    put = alice.put_object(Bucket=b, Key="s3", Body=b"sse-s3 body", ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    assert alice.get_object(Bucket=b, Key="s3")["Body"].read() == b"sse-s3 body"
    denied = [dict(ServerSideEncryption="aws:kms"), dict(ServerSideEncryption="aws:kms", SSEKMSKeyId="other-key"),
              {}, SSEC]
    for enc in denied:
        refused(client_error(alice.put_object, Bucket=b, Key="denied", Body=b"x", **enc), "AccessDenied", 403)
    # CreateMultipartUpload is s3:PutObject too.
    refused(client_error(alice.create_multipart_upload, Bucket=b, Key="denied", ServerSideEncryption="aws:kms"),
            "AccessDenied", 403)
    alice.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    refused(client_error(alice.put_object, Bucket=b, Key="denied", Body=b"x"), "AccessDenied", 403)
    assert code(client_error(alice.head_object, Bucket=b, Key="denied")) == ("404", 404)
    # The same with the header's value allowed through StringEquals on aws:kms instead.
    alice.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{b}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}]}))
    r = alice.put_object(Bucket=b, Key="kms", Body=b"kms body", ServerSideEncryption="aws:kms")
    assert r["ServerSideEncryption"] == "aws:kms"
    refused(client_error(alice.put_object, Bucket=b, Key="denied", Body=b"x", ServerSideEncryption="AES256"),
            "AccessDenied", 403)
    assert alice.get_object(Bucket=b, Key="kms")["Body"].read() == b"kms body"


# --- GetObjectAttributes and POST Object (browser forms) -----------------------------------------

def encoded(key):
    """SSE-C parameters as sent: Debian's botocore encodes the key for GET/HEAD/PUT, not for
    GetObjectAttributes."""
    return dict(SSECustomerAlgorithm="AES256", SSECustomerKey=base64.b64encode(key).decode(),
                SSECustomerKeyMD5=md5_b64(key))


def test_sse_c_get_object_attributes(silt, s3, bucket):
    data = body(PACKAGE + 7, b"attrs")
    put = s3.put_object(Bucket=bucket, Key="k", Body=data, **SSEC)
    r = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ETag", "ObjectSize"],
                                 **encoded(SSEC_KEY))
    assert r["ObjectSize"] == len(data) and '"' + r["ETag"] + '"' == put["ETag"]
    # As GET and HEAD: no key 400, another key 403, a key for an object written without one 400.
    e = client_error(s3.get_object_attributes, Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    refused(e, "InvalidRequest", 400)
    e = client_error(s3.get_object_attributes, Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"],
                     **encoded(OTHER_KEY))
    refused(e, "AccessDenied", 403)
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    e = client_error(s3.get_object_attributes, Bucket=bucket, Key="plain", ObjectAttributes=["ObjectSize"],
                     **encoded(SSEC_KEY))
    refused(e, "InvalidRequest", 400)
    # aws cli takes the key for it too; its botocore, like boto3's, encodes no key for this
    # operation, so the key goes base64 with its MD5 (as AWS needs them).
    out = silt.aws("s3api", "get-object-attributes", "--bucket", bucket, "--key", "k", "--object-attributes",
                   "ObjectSize", "--sse-customer-algorithm", "AES256", "--sse-customer-key",
                   base64.b64encode(SSEC_KEY).decode(), "--sse-customer-key-md5", md5_b64(SSEC_KEY)).stdout
    assert json.loads(out)["ObjectSize"] == len(data)
    still_serving(s3, bucket)


def post_upload(silt, s3, bucket, key, fields, data, conditions=None):
    """A browser form upload as boto3 signs it, every field in the policy."""
    post = s3.generate_presigned_post(bucket, key, Fields=fields, ExpiresIn=600,
                                      Conditions=[{k: v} for k, v in fields.items()] if conditions is None
                                      else conditions)
    return requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", data)},
                         verify=str(silt.ca), timeout=30)


def xml_code(r):
    return r.text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in r.text else None


def test_post_object_sse_s3_and_kms(silt, s3, bucket):
    data = body(PACKAGE + 11, b"post")
    r = post_upload(silt, s3, bucket, "s3", {"x-amz-server-side-encryption": "AES256"}, data)
    assert r.status_code == 204, r.text
    assert r.headers["x-amz-server-side-encryption"] == "AES256"
    head = s3.head_object(Bucket=bucket, Key="s3")
    assert head["ServerSideEncryption"] == "AES256"
    # The same ETag a PutObject with the same header gets: SSE-S3's is the plaintext's MD5.
    assert head["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    assert s3.get_object(Bucket=bucket, Key="s3")["Body"].read() == data
    r = post_upload(silt, s3, bucket, "kms", {"x-amz-server-side-encryption": "aws:kms",
                                              "x-amz-server-side-encryption-aws-kms-key-id": "other-key"}, data)
    assert r.status_code == 204, r.text
    got = s3.get_object(Bucket=bucket, Key="kms")
    assert got["ServerSideEncryption"] == "aws:kms" and got["SSEKMSKeyId"] == arn(silt, "other-key")
    assert got["Body"].read() == data
    # What PutObject refuses, the form does too, and stores nothing.
    r = post_upload(silt, s3, bucket, "bad", {"x-amz-server-side-encryption": "DES"}, data)
    assert (r.status_code, xml_code(r)) == (400, "InvalidArgument"), r.text
    r = post_upload(silt, s3, bucket, "bad", {"x-amz-server-side-encryption": "aws:kms",
                                              "x-amz-server-side-encryption-aws-kms-key-id": "no-such-key"}, data)
    assert (r.status_code, xml_code(r)) == (400, "KMS.NotFoundException"), r.text
    assert code(client_error(s3.head_object, Bucket=bucket, Key="bad")) == ("404", 404)
    still_serving(s3, bucket)


def test_post_object_sse_field_must_be_in_the_policy(silt, s3, bucket):
    # A field the policy does not cover is refused as every other field is: the encryption
    # is the signer's choice, not the form filler's.
    post = s3.generate_presigned_post(bucket, "k", ExpiresIn=600)
    fields = dict(post["fields"], **{"x-amz-server-side-encryption": "AES256"})
    r = requests.post(post["url"], data=fields, files={"file": ("f.bin", b"x")}, verify=str(silt.ca), timeout=30)
    assert (r.status_code, xml_code(r)) == (403, "AccessDenied"), r.text
    assert code(client_error(s3.head_object, Bucket=bucket, Key="k")) == ("404", 404)
    # The POST's own HTTP headers are not signed: they choose no encryption.
    post = s3.generate_presigned_post(bucket, "hdr", ExpiresIn=600)
    r = requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", b"x")},
                      headers={"x-amz-server-side-encryption": "AES256"}, verify=str(silt.ca), timeout=30)
    assert r.status_code == 204, r.text
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key="hdr")
    still_serving(s3, bucket)


def test_post_object_sse_c(silt, s3, bucket):
    data = body(2 * PACKAGE + 1, b"post-c")
    fields = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
              "x-amz-server-side-encryption-customer-key": base64.b64encode(SSEC_KEY).decode(),
              "x-amz-server-side-encryption-customer-key-MD5": md5_b64(SSEC_KEY)}
    r = post_upload(silt, s3, bucket, "c", fields, data)
    assert r.status_code == 204, r.text
    assert r.headers["x-amz-server-side-encryption-customer-key-MD5"] == md5_b64(SSEC_KEY)
    assert s3.get_object(Bucket=bucket, Key="c", **SSEC)["Body"].read() == data
    refused(client_error(s3.get_object, Bucket=bucket, Key="c"), "InvalidRequest", 400)
    refused(client_error(s3.get_object, Bucket=bucket, Key="c", **WRONG), "AccessDenied", 403)
    # An MD5 that is not the key's: InvalidArgument, as on PutObject.
    bad = dict(fields, **{"x-amz-server-side-encryption-customer-key-MD5": md5_b64(OTHER_KEY)})
    r = post_upload(silt, s3, bucket, "bad", bad, data)
    assert (r.status_code, xml_code(r)) == (400, "InvalidArgument"), r.text
    assert code(client_error(s3.head_object, Bucket=bucket, Key="bad", **SSEC)) == ("404", 404)
    still_serving(s3, bucket)


def test_post_object_sse_c_is_refused_over_http(tmp_path_factory):
    from silt_server import SiltServer
    server = SiltServer(tmp_path_factory.mktemp("silt-sse-http"))
    server.start()
    try:
        plain = server.boto3()
        b = bucket_name("post-ssec-http")
        plain.create_bucket(Bucket=b)
        fields = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
                  "x-amz-server-side-encryption-customer-key": base64.b64encode(SSEC_KEY).decode(),
                  "x-amz-server-side-encryption-customer-key-MD5": md5_b64(SSEC_KEY)}
        post = plain.generate_presigned_post(b, "c", Fields=fields, Conditions=[{k: v} for k, v in fields.items()],
                                             ExpiresIn=600)
        r = requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", b"x")}, timeout=30)
        assert (r.status_code, xml_code(r)) == (400, "InvalidRequest"), r.text
        assert "secure connection" in r.text
        assert code(client_error(plain.head_object, Bucket=b, Key="c")) == ("404", 404)
        still_serving(plain, b)
    finally:
        server.stop()


def test_post_object_takes_the_bucket_default(silt, s3, bucket):
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "other-key"}}]})
    marker = f"<<silt-marker-post-{os.urandom(6).hex()}>>".encode()
    data = os.urandom(1000) + marker + os.urandom(PACKAGE)
    r = post_upload(silt, s3, bucket, "d", {}, data)
    assert r.status_code == 204, r.text
    assert r.headers["x-amz-server-side-encryption"] == "aws:kms"
    head = s3.head_object(Bucket=bucket, Key="d")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == arn(silt, "other-key")
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == data
    assert drives_hold(silt, marker) == []
    # The form's own choice wins over the default, as a PutObject's does.
    r = post_upload(silt, s3, bucket, "own", {"x-amz-server-side-encryption": "AES256"}, data)
    assert r.status_code == 204, r.text
    assert s3.head_object(Bucket=bucket, Key="own")["ServerSideEncryption"] == "AES256"
    still_serving(s3, bucket)


# --- what the drives hold ---------------------------------------------------------------------------

def drive_files(silt):
    for root, _, files in os.walk(silt.data_dir):
        for f in files:
            yield pathlib.Path(root) / f


def drives_hold(silt, marker):
    return [str(p) for p in drive_files(silt) if marker in p.read_bytes()]


def test_drives_hold_no_plaintext_of_encrypted_objects(silt, s3, bucket):
    def marked(name):
        m = f"<<silt-marker-{name}-{os.urandom(6).hex()}>>".encode()
        return m, os.urandom(1000) + m + os.urandom(PACKAGE)
    control_marker, control = marked("control")
    s3.put_object(Bucket=bucket, Key="control", Body=control)
    secrets = {}
    m, d = marked("sse-s3")
    s3.put_object(Bucket=bucket, Key="sse-s3", Body=d, ServerSideEncryption="AES256")
    secrets["sse-s3"] = m
    m, d = marked("sse-c")
    s3.put_object(Bucket=bucket, Key="sse-c", Body=d, **SSEC)
    secrets["sse-c"] = m
    m, d = marked("kms")
    s3.put_object(Bucket=bucket, Key="kms", Body=d, ServerSideEncryption="aws:kms")
    secrets["kms"] = m
    m, d = marked("mp")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", **SSEC)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=d, **SSEC)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    secrets["mp"] = m
    # The control shows the search finds plaintext where there is some.
    assert drives_hold(silt, control_marker), "the plaintext control object was not found on the drives"
    for name, marker in secrets.items():
        assert drives_hold(silt, marker) == [], f"plaintext of {name} on the drives"
    # Nor does anything on the drives hold the customer's key.
    assert drives_hold(silt, SSEC_KEY) == []
    assert drives_hold(silt, base64.b64encode(SSEC_KEY)) == []


# --- sizes: everything a client or a rule sees is the plaintext's ------------------------------

def test_multipart_minimum_part_size_is_on_the_plaintext(s3, bucket):
    """A part 1 byte under 5 MiB is EntityTooSmall although its stored (sealed) size is over
    5 MiB; a part of exactly 5 MiB is fine, as on AWS."""
    def upload(first_size):
        uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", **SSEC)["UploadId"]
        parts = []
        for n, data in ((1, body(first_size, b"p1")), (2, b"tail")):
            etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n, Body=data, **SSEC)["ETag"]
            parts.append({"PartNumber": n, "ETag": etag})
        return lambda: s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid,
                                                    MultipartUpload={"Parts": parts})
    e = client_error(upload(5 * MiB - 1))
    refused(e, "EntityTooSmall", 400)
    assert e.response["Error"]["ProposedSize"] == str(5 * MiB - 1)
    upload(5 * MiB)()
    assert s3.head_object(Bucket=bucket, Key="mp", **SSEC)["ContentLength"] == 5 * MiB + 4
    still_serving(s3, bucket)


def admin_json(silt, *args):
    r = silt.admin("--json", "--ca-bundle", str(silt.ca), *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_lifecycle_size_filters_and_usage_see_the_plaintext_size(silt, s3, bucket):
    """ObjectSizeGreaterThan/LessThan select an encrypted object by its plaintext size (it is
    stored 28 bytes a package larger), and usage counts plaintext bytes as logical bytes."""
    size = 4 * PACKAGE
    s3.put_object(Bucket=bucket, Key="enc", Body=body(size, b"e"), ServerSideEncryption="AES256")
    s3.put_object(Bucket=bucket, Key="clear", Body=body(size, b"c"))
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": "exactly-size", "Status": "Enabled", "Expiration": {"Days": 1},
        "Filter": {"And": {"Prefix": "", "ObjectSizeGreaterThan": size - 1, "ObjectSizeLessThan": size + 1}}}]})
    sim = admin_json(silt, "lifecycle", "simulate", "--bucket", bucket, "--days", "2")
    h = sim["horizons"][0]
    assert (h["expired_objects"], h["expired_bytes"]) == (2, 2 * size)
    usage = admin_json(silt, "usage", "--bucket", bucket)["buckets"][0]["classes"]
    assert [(c["objects"], c["logical_bytes"]) for c in usage] == [(2, 2 * size)]


# --- compressed classes: compress, then encrypt ---------------------------------------------------

def compressible(size, marker):
    """Log-like lines, which zstd shrinks several times, with an island of random bytes
    holding marker every 3 MiB: zstd stores a block of incompressible bytes as it is, so a
    grep of the drives finds the marker wherever this plaintext is stored, compressed or not
    (in the text it would be Huffman-coded)."""
    out, i = bytearray(), 0
    while len(out) < size:
        if i % 50000 == 0:
            r = os.urandom
            out += r(128 * KiB) + marker + r(64 * KiB) + marker + r(128 * KiB)
        out += b'{"ts": %d, "path": "/api/v1/items/%d", "status": 200}\n' % (1_700_000_000_000 + i * 7,
                                                                             (i * 7919) % 100003)
        i += 1
    return bytes(out[:size])


def stored_bytes(silt, bucket, storage_class):
    classes = admin_json(silt, "usage", "--bucket", bucket)["buckets"][0]["classes"]
    return sum(c["stored_bytes"] for c in classes if c["storage_class"] == storage_class)


def test_compressed_class_compresses_before_it_encrypts(silt, s3, bucket):
    """STANDARD_IA is the zstd pool: an encrypted object there is compressed on its plaintext
    and then sealed, so it takes fewer drive bytes than its plaintext (with 4+2 parity), reads
    back byte-exact whole and by ranges, and the drives hold no plaintext of it."""
    size = 6 * MiB + 12345
    marker = f"silt-zmarker-{os.urandom(6).hex()}".encode()
    control_marker = f"silt-zcontrol-{os.urandom(6).hex()}".encode()
    objects = {
        "sse-s3": (compressible(size, marker + b"-s3"), dict(ServerSideEncryption="AES256")),
        "kms": (compressible(size, marker + b"-kms"), dict(ServerSideEncryption="aws:kms")),
        "sse-c": (compressible(size, marker + b"-c"), SSEC),
    }
    for key, (data, enc) in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data, StorageClass="STANDARD_IA", **enc)
    # A multipart SSE-C upload in the class: every part compresses with the upload's key.
    mp = compressible(size, marker + b"-mp")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", StorageClass="STANDARD_IA", **SSEC)["UploadId"]
    parts = []
    for n, off in enumerate(range(0, len(mp), 5 * MiB), start=1):
        etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n, Body=mp[off:off + 5 * MiB],
                              **SSEC)["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": parts})
    objects["mp"] = (mp, SSEC)

    plaintext = sum(len(d) for d, _ in objects.values())
    stored = stored_bytes(silt, bucket, "STANDARD_IA")
    # Ciphertext does not compress: stored after encryption, 4+2 parity makes it 1.5x.
    assert 0 < stored < plaintext * 0.6, (stored, plaintext)

    for key, (data, enc) in objects.items():
        read_key = SSEC if enc is SSEC else {}
        got = s3.get_object(Bucket=bucket, Key=key, **read_key)
        assert got["ContentLength"] == len(data)
        assert hashlib.md5(got["Body"].read()).digest() == hashlib.md5(data).digest(), key
        ranges_match(s3, bucket, key, data, read_key)
    # Ranges across mp's part boundary.
    for first, last in [(5 * MiB - 100, 5 * MiB + 100), (5 * MiB - PACKAGE - 3, 5 * MiB + 2 * PACKAGE)]:
        r = s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={first}-{last}", **SSEC)
        assert r["Body"].read() == mp[first:last + 1]
    assert [o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [size] * 4
    refused(client_error(lambda: s3.get_object(Bucket=bucket, Key="sse-c", **WRONG)), "AccessDenied", 403)

    # The control: the same kind of data in the clear in the class is found on the drives
    # (zstd keeps its marker literally), so the search would find plaintext of the others.
    s3.put_object(Bucket=bucket, Key="control", Body=compressible(size, control_marker), StorageClass="STANDARD_IA")
    assert drives_hold(silt, control_marker), "the plaintext control object was not found on the drives"
    assert drives_hold(silt, marker) == [], "plaintext of an encrypted object on the drives"


# --- keys across restarts: rotation --------------------------------------------------------------

def test_master_key_rotation_keeps_old_objects_readable(silt, s3, bucket, keys_dir):
    data = body(PACKAGE + 1, b"rotate")
    s3.put_object(Bucket=bucket, Key="old", Body=data, ServerSideEncryption="AES256")
    master = keys_dir / "master.key"
    original = master.read_text()
    master.write_text(key_line("m2") + original)
    try:
        silt.restart()
        s3 = silt.boto3()
        assert s3.get_object(Bucket=bucket, Key="old")["Body"].read() == data
        s3.put_object(Bucket=bucket, Key="new", Body=data, ServerSideEncryption="AES256")
        assert "SSE-S3 master key m2" in silt.log_since_start()
        # Without the old key, the old object cannot be read, and silt says so.
        master.write_text(key_line("m2"))
        silt.restart()
        s3 = silt.boto3()
        refused(client_error(s3.get_object, Bucket=bucket, Key="old"), "InternalError", 500)
    finally:
        master.write_text(original)
        silt.restart()
    s3 = silt.boto3()
    assert s3.get_object(Bucket=bucket, Key="old")["Body"].read() == data
    still_serving(s3, bucket)


def test_rebuild_index_keeps_encrypted_objects_readable(silt, s3, bucket):
    """The sealed data key lives in each object's meta.json: an index rebuilt from the
    drives alone still decrypts, and lists plaintext sizes."""
    data = body(PACKAGE + 99, b"rebuild")
    s3.put_object(Bucket=bucket, Key="s3", Body=data, ServerSideEncryption="AES256")
    s3.put_object(Bucket=bucket, Key="c", Body=data, **SSEC)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ServerSideEncryption="aws:kms")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=data)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert silt.stop() == 0
    shutil.rmtree(silt.data_dir / "index")
    p = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(silt.data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    silt.start()
    s3 = silt.boto3()
    assert s3.get_object(Bucket=bucket, Key="s3")["Body"].read() == data
    assert s3.get_object(Bucket=bucket, Key="c", **SSEC)["Body"].read() == data
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["Body"].read() == data and got["ServerSideEncryption"] == "aws:kms"
    assert {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == \
        {"s3": len(data), "c": len(data), "mp": len(data)}
    refused(client_error(s3.get_object, Bucket=bucket, Key="c"), "InvalidRequest", 400)


def test_bad_key_file_stops_startup(tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("m1:" + base64.b64encode(b"short").decode() + "\n")
    p = subprocess.run([str(silt_binary()), "server", "--data", str(tmp_path / "d"), "--address", "127.0.0.1:1",
                        "--sse-master-key-file", str(bad)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert "the key must be the base64 of 32 bytes" in p.stderr
    assert base64.b64encode(b"short").decode() not in p.stderr


def test_master_key_from_the_environment(tmp_path, monkeypatch):
    """SILT_SSE_MASTER_KEY holds the key file's text (entries separated by commas here), read
    when no --sse-master-key-file is given: a plain-http silt started with only the variable
    serves SSE-S3, its first entry sealing; without it the same objects no longer open."""
    first, second = key_line("env-m2").strip(), key_line("env-m1").strip()
    monkeypatch.setenv("SILT_SSE_MASTER_KEY", f"{first},{second}")
    server = SiltServer(tmp_path / "silt-env")
    server.start()
    try:
        assert "SSE-S3 master key env-m2" in server.log_since_start()
        s3 = server.boto3()
        b = bucket_name("env-key")
        s3.create_bucket(Bucket=b)
        marker = f"<<silt-marker-env-{os.urandom(6).hex()}>>".encode()
        data = os.urandom(1000) + marker + os.urandom(PACKAGE)
        put = s3.put_object(Bucket=b, Key="k", Body=data, ServerSideEncryption="AES256")
        assert put["ServerSideEncryption"] == "AES256"
        assert put["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
        got = s3.get_object(Bucket=b, Key="k")
        assert got["ServerSideEncryption"] == "AES256" and got["Body"].read() == data
        assert s3.head_object(Bucket=b, Key="k")["ServerSideEncryption"] == "AES256"
        assert drives_hold(server, marker) == []
        # The variable is read at every start.
        server.restart()
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
        # Started without it, the server has no master key: the object does not open
        # (500 naming the key id) and SSE-S3 is 501, never an unencrypted 200.
        monkeypatch.delenv("SILT_SSE_MASTER_KEY")
        server.restart()
        assert "SSE-S3 master key" not in server.log_since_start()
        refused(client_error(s3.get_object, Bucket=b, Key="k"), "InternalError", 500)
        refused(client_error(s3.put_object, Bucket=b, Key="new", Body=b"x", ServerSideEncryption="AES256"),
                "NotImplemented", 501)
        assert code(client_error(s3.head_object, Bucket=b, Key="new")) == ("404", 404)
    finally:
        assert server.stop() == 0, server.log_tail()


@pytest.mark.parametrize("value, message", [
    ("m1:" + base64.b64encode(b"short").decode(),
     "key entry 1: the key must be the base64 of 32 bytes (openssl rand -base64 32)"),
    ("no-colon-here", "key entry 1: expected ID:BASE64"),
    (key_line("m1").strip() + ",bad id:" + base64.b64encode(b"k" * 32).decode(),
     "key entry 2: the id must be 1-64 of A-Z a-z 0-9 - _ / ."),
    (key_line("m1").strip() + "," + key_line("m1").strip(), "key entry 2: repeats an id"),
], ids=["short-key", "no-colon", "bad-id", "repeated-id"])
def test_malformed_master_key_in_the_environment_stops_startup(tmp_path, value, message):
    """As a malformed key file (test_bad_key_file_stops_startup): exit 2 before listening,
    the message names the variable and the entry, and no key material is printed."""
    env = dict(os.environ, SILT_SSE_MASTER_KEY=value, SILT_CERTS_DIR="")
    p = subprocess.run([str(silt_binary()), "server", "--data", str(tmp_path / "d"), "--address", "127.0.0.1:1"],
                       capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr == f"silt: SILT_SSE_MASTER_KEY: {message}\n"
    for entry in value.split(","):
        assert entry.split(":", 1)[-1] not in p.stderr


# --- real clients ---------------------------------------------------------------------------------

def aws_v2(silt, *args, check=True):
    """aws cli v2 (/usr/bin/aws) against the TLS silt."""
    return silt._run([AWS_V2, "--endpoint-url", silt.endpoint, "--ca-bundle", str(silt.ca), *args], silt.aws_env(),
                     check, 300)


@pytest.mark.parametrize("cli", ["v1", "v2"])
def test_aws_cli_sse_and_sse_c(silt, s3, bucket, tmp_path, cli):
    if cli == "v2" and not os.access(AWS_V2, os.X_OK):
        pytest.skip("aws cli v2 not installed at /usr/bin/aws")

    def aws(*args, check=True):
        return silt.aws(*args, check=check) if cli == "v1" else aws_v2(silt, *args, check=check)

    f = tmp_path / "f.bin"
    data = body(9 * MiB + 5, b"cli")  # multipart with stock transfer settings
    f.write_bytes(data)
    out = tmp_path / "out.bin"
    aws("s3", "cp", str(f), f"s3://{bucket}/s3.bin", "--sse", "AES256")
    assert s3.head_object(Bucket=bucket, Key="s3.bin")["ServerSideEncryption"] == "AES256"
    # SSE-KMS with a keyring key, multipart (s3 cp) and single (s3api put-object).
    aws("s3", "cp", str(f), f"s3://{bucket}/kms.bin", "--sse", "aws:kms", "--sse-kms-key-id", "other-key")
    head = s3.head_object(Bucket=bucket, Key="kms.bin")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", arn(silt, "other-key"))
    aws("s3", "cp", f"s3://{bucket}/kms.bin", str(out))
    assert out.read_bytes() == data
    small = tmp_path / "small.bin"
    small.write_bytes(data[:1000])
    put = json.loads(aws("s3api", "put-object", "--bucket", bucket, "--key", "kms-small", "--body", str(small),
                         "--server-side-encryption", "aws:kms", "--ssekms-key-id", "alias/other-key",
                         "--output", "json").stdout)
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms", arn(silt, "other-key"))
    assert s3.get_object(Bucket=bucket, Key="kms-small")["Body"].read() == data[:1000]
    p = aws("s3", "cp", str(small), f"s3://{bucket}/nokms.bin", "--sse", "aws:kms", "--sse-kms-key-id",
            "no-such-key", check=False)
    assert p.returncode != 0 and "KMS.NotFoundException" in p.stderr, p.stderr
    assert code(client_error(s3.head_object, Bucket=bucket, Key="nokms.bin")) == ("404", 404)
    key = SSEC_KEY.decode()
    aws("s3", "cp", str(f), f"s3://{bucket}/c.bin", "--sse-c", "AES256", "--sse-c-key", key)
    out.unlink()
    aws("s3", "cp", f"s3://{bucket}/c.bin", str(out), "--sse-c", "AES256", "--sse-c-key", key)
    assert out.read_bytes() == data
    assert aws("s3", "cp", f"s3://{bucket}/c.bin", str(tmp_path / "nokey.bin"), check=False).returncode != 0
    aws("s3api", "put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
        '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}')
    assert '"SSEAlgorithm": "AES256"' in aws("s3api", "get-bucket-encryption", "--bucket", bucket).stdout
    aws("s3", "cp", str(f), f"s3://{bucket}/default.bin")
    assert s3.head_object(Bucket=bucket, Key="default.bin")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="default.bin")["Body"].read() == data


# The boto3 of the python3 on PATH (the aws cli's interpreter, botocore 1.4x: CRC32 checksums,
# aws-chunked trailers over https, no Content-MD5), as test_aws_answers.py runs it.
NEWER_BOTO3_SCRIPT = r"""
import datetime, hashlib, json, os
import boto3, botocore
from botocore.config import Config
s3 = boto3.session.Session().client(
    "s3", endpoint_url=os.environ["SILT_ENDPOINT"], aws_access_key_id=os.environ["SILT_KEY"],
    aws_secret_access_key=os.environ["SILT_SECRET"], region_name="us-east-1", verify=os.environ["SILT_CA"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
modes = set()
def mode(request, **kw):
    v = request.headers.get("x-amz-content-sha256", b"")
    modes.add(v.decode() if isinstance(v, bytes) else v)
s3.meta.events.register("before-send.s3", mode)
b, lb = os.environ["SILT_BUCKET"], os.environ["SILT_LOCK_BUCKET"]
key = b"0123456789abcdef0123456789abcdef"
ssec = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=key)
data = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(3000))  # 96000 bytes
out = {"botocore": botocore.__version__, "data_sha256": hashlib.sha256(data).hexdigest()}
def run(name, fn):
    try:
        r = fn()
        r.pop("ResponseMetadata", None)
        if "Body" in r:
            r["Body"] = hashlib.sha256(r["Body"].read()).hexdigest()
        out[name] = json.loads(json.dumps(r, default=str))
    except botocore.exceptions.ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"],
                     "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
# SSE-C
run("ssec_put", lambda: s3.put_object(Bucket=b, Key="c", Body=data, **ssec))
run("ssec_get", lambda: s3.get_object(Bucket=b, Key="c", **ssec))
run("ssec_range", lambda: s3.get_object(Bucket=b, Key="c", Range="bytes=65530-65545", **ssec))
run("ssec_head", lambda: s3.head_object(Bucket=b, Key="c", **ssec))
run("ssec_get_without_key", lambda: s3.get_object(Bucket=b, Key="c"))
# Object Lock
run("lock_bucket", lambda: s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True))
run("lock_put", lambda: s3.put_object(Bucket=lb, Key="l", Body=b"locked"))
v = out["lock_put"].get("VersionId", "")
until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).replace(microsecond=0)
out["until"] = until.isoformat()
run("put_retention", lambda: s3.put_object_retention(Bucket=lb, Key="l", VersionId=v, Retention={
    "Mode": "GOVERNANCE", "RetainUntilDate": until}))
run("get_retention", lambda: s3.get_object_retention(Bucket=lb, Key="l", VersionId=v))
run("delete_locked", lambda: s3.delete_object(Bucket=lb, Key="l", VersionId=v))
run("get_locked", lambda: s3.get_object(Bucket=lb, Key="l", VersionId=v))
run("delete_bypass", lambda: s3.delete_object(Bucket=lb, Key="l", VersionId=v, BypassGovernanceRetention=True))
# ACL
owner = s3.list_buckets()["Owner"]["ID"]
out["owner"] = owner
run("acl_put_object", lambda: s3.put_object(Bucket=b, Key="pub", Body=b"read me"))
run("put_object_acl", lambda: s3.put_object_acl(Bucket=b, Key="pub", GrantFullControl=f'id="{owner}"',
                                                GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"'))
run("get_object_acl", lambda: s3.get_object_acl(Bucket=b, Key="pub"))
# Block Public Access (ACLs blocked, not ignored) and bucket tags
run("put_pab", lambda: s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}))
run("get_pab", lambda: s3.get_public_access_block(Bucket=b))
run("public_acl_blocked", lambda: s3.put_object_acl(Bucket=b, Key="pub", ACL="public-read"))
run("put_tagging", lambda: s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [
    {"Key": "team", "Value": "lake"}, {"Key": "cost", "Value": "7"}]}))
run("get_tagging", lambda: s3.get_bucket_tagging(Bucket=b))
out["modes"] = sorted(modes)
print(json.dumps(out))
"""


def test_newer_boto3_sse_c_lock_acl_and_bucket_documents(silt, s3, bucket):
    """SSE-C, Object Lock retention, object ACL grants, Block Public Access and bucket tags
    with the newer botocore, over https (SSE-C needs it)."""
    exe = newer_boto3()
    if exe is None:
        pytest.skip("no python3 with botocore >= 1.30 on PATH (the aws cli's interpreter carries one)")
    lock_bucket = bucket_name("newer-lock")
    env = dict(os.environ, SILT_ENDPOINT=silt.endpoint, SILT_KEY=silt.access_key, SILT_SECRET=silt.secret_key,
               SILT_CA=str(silt.ca), SILT_BUCKET=bucket, SILT_LOCK_BUCKET=lock_bucket)
    env.pop("AWS_CA_BUNDLE", None)
    p = subprocess.run([exe, "-c", NEWER_BOTO3_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout)
    want_errors = {"ssec_get_without_key": {"error": "InvalidRequest", "status": 400},
                   "delete_locked": {"error": "AccessDenied", "status": 403},
                   "public_acl_blocked": {"error": "AccessDenied", "status": 403}}
    errors = {k: v for k, v in out.items() if isinstance(v, dict) and "error" in v}
    assert errors == want_errors, (out["botocore"], errors)
    # Over https this botocore sends its bodies as aws-chunked with a CRC32 trailer.
    assert "STREAMING-UNSIGNED-PAYLOAD-TRAILER" in out["modes"], out["modes"]
    # SSE-C
    assert out["ssec_put"]["SSECustomerKeyMD5"] == md5_b64(SSEC_KEY)
    assert out["ssec_get"]["Body"] == out["data_sha256"]
    assert out["ssec_get"]["SSECustomerAlgorithm"] == "AES256"
    data = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(3000))
    assert out["ssec_range"]["Body"] == hashlib.sha256(data[65530:65546]).hexdigest()
    assert out["ssec_head"]["ContentLength"] == len(data)
    assert s3.get_object(Bucket=bucket, Key="c", **SSEC)["Body"].read() == data
    # Object Lock
    assert out["get_retention"]["Retention"]["Mode"] == "GOVERNANCE"
    until = datetime.datetime.fromisoformat(out["get_retention"]["Retention"]["RetainUntilDate"])
    assert until == datetime.datetime.fromisoformat(out["until"])
    assert out["get_locked"]["Body"] == hashlib.sha256(b"locked").hexdigest()
    assert "l" not in [v["Key"] for v in s3.list_object_versions(Bucket=lock_bucket).get("Versions", [])]
    # ACL: the owner's FULL_CONTROL and AllUsers READ, which anyone may use.
    grants = {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"])
              for g in out["get_object_acl"]["Grants"]}
    assert grants == {(out["owner"], "FULL_CONTROL"),
                      ("http://acs.amazonaws.com/groups/global/AllUsers", "READ")}
    r = requests.get(f"{silt.endpoint}/{bucket}/pub", verify=str(silt.ca), timeout=10)
    assert (r.status_code, r.content) == (200, b"read me")
    # Block Public Access and tags
    assert out["get_pab"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
    assert out["get_tagging"]["TagSet"] == [{"Key": "cost", "Value": "7"}, {"Key": "team", "Value": "lake"}]
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == out["get_tagging"]["TagSet"]


def test_rclone_sse_c_and_sse_s3(silt, s3, bucket, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    data = body(300 * KiB, b"rclone")
    (src / "a.bin").write_bytes(data)
    key = SSEC_KEY.decode()
    silt.rclone("copy", str(src), f"other:{bucket}/c", "--s3-sse-customer-algorithm", "AES256",
                "--s3-sse-customer-key", key)
    refused(client_error(s3.get_object, Bucket=bucket, Key="c/a.bin"), "InvalidRequest", 400)
    dst = tmp_path / "dst"
    silt.rclone("copy", f"other:{bucket}/c", str(dst), "--s3-sse-customer-algorithm", "AES256",
                "--s3-sse-customer-key", key)
    assert (dst / "a.bin").read_bytes() == data
    silt.rclone("copy", str(src), f"other:{bucket}/s", "--s3-server-side-encryption", "AES256")
    assert s3.head_object(Bucket=bucket, Key="s/a.bin")["ServerSideEncryption"] == "AES256"
    dst2 = tmp_path / "dst2"
    silt.rclone("copy", f"other:{bucket}/s", str(dst2))
    assert (dst2 / "a.bin").read_bytes() == data
