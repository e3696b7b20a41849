"""The AWS SDK for JavaScript v3 (@aws-sdk/client-s3, lib-storage,
s3-request-presigner; versions pinned in node/package.json) with its DEFAULT
settings, apart from path style on 127.0.0.1: CRC32 request checksums on
PutObject/UploadPart/DeleteObjects (no Content-MD5), x-amz-checksum-mode on
every GetObject, lib-storage declaring ChecksumAlgorithm=CRC32 on
CreateMultipartUpload, aws-chunked with a trailing checksum for stream bodies.

Each test runs one script from node/ (`node X.mjs`, env ENDPOINT, ACCESS_KEY,
SECRET_KEY, BUCKET, KEY, FILE), which prints one JSON line, including the
request headers the SDK sent; the test checks that and what boto3 sees after.
`scripts/install-deps.sh --test` runs the `npm ci` these need.
"""
import hashlib
import json
import os
import pathlib
import subprocess
import urllib.request

import pytest

import checksums
from silt_server import bucket_name

NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"
MIB = 1 << 20
PART = 5 * MIB  # lib-storage's default partSize

pytestmark = pytest.mark.skipif(
    not (NODE_DIR / "node_modules" / "@aws-sdk" / "client-s3").is_dir(),
    reason=f"{NODE_DIR}/node_modules is missing: run scripts/install-deps.sh --test "
           "(npm ci --prefix test/integration/node)")


def node(silt, script, timeout=60, **env):
    """Runs node/<script> against silt; returns its JSON result."""
    full = dict(os.environ)
    for k in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
              "AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
              "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        full.pop(k, None)
    full.update(ENDPOINT=silt.endpoint, ACCESS_KEY=silt.access_key, SECRET_KEY=silt.secret_key,
                NODE_NO_WARNINGS="1",  # the SDK's "node 22 soon" notice
                AWS_MAX_ATTEMPTS="1")  # a failure shows as one, not as a retried success
    full.update({k: str(v) for k, v in env.items()})
    p = subprocess.run(["node", str(NODE_DIR / script)], env=full, cwd=NODE_DIR,
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, (f"node {script} exited {p.returncode}\n"
                               f"stderr: {p.stderr[-3000:]}\nstdout: {p.stdout[-1000:]}\n"
                               f"silt log:\n{silt.log_tail(20)}")
    return json.loads(p.stdout)


def sent(result, command):
    """Headers of the requests the SDK sent for command (e.g. 'UploadPartCommand')."""
    return [r["headers"] for r in result["requests"] if r["command"] == command]


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def multipart_etag(data, part_size):
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    return f'"{md5_hex(b"".join(hashlib.md5(p).digest() for p in parts))}-{len(parts)}"'


def composite_crc32(data, part_size):
    """S3's COMPOSITE checksum: the CRC32 of the parts' CRC32s, then -N."""
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    joined = b"".join(checksums.digest("CRC32", p) for p in parts)
    return f"{checksums.b64('CRC32', joined)}-{len(parts)}"


# --- lib-storage Upload ---------------------------------------------------------
class Uploaded:
    """bucket, key, data, result (the script's JSON). A short repr: pytest prints
    fixture values in failure reports, and data is 30 MiB."""
    def __init__(self, bucket, key, data, result):
        self.bucket, self.key, self.data, self.result = bucket, key, data, result

    def __iter__(self):
        return iter((self.bucket, self.key, self.data, self.result))

    def __repr__(self):
        return f"Uploaded({self.bucket}/{self.key}, {len(self.data)} bytes)"


@pytest.fixture(scope="module")
def uploaded(silt, s3, tmp_path_factory):
    """One 30 MiB lib-storage Upload (6 parts of 5 MiB, 4 at a time) shared by the
    tests below."""
    bucket = bucket_name("node-upload")
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(30 * MIB)
    path = tmp_path_factory.mktemp("node-upload") / "big.bin"
    path.write_bytes(data)
    key = "uploads/big file.bin"
    result = node(silt, "upload.mjs", BUCKET=bucket, KEY=key, FILE=path)
    return Uploaded(bucket, key, data, result)


def test_upload_30mib_multipart(s3, uploaded):
    bucket, key, data, result = uploaded
    assert result["etag"] == multipart_etag(data, PART)
    assert result["etag"].endswith('-6"')
    assert result["key"] == key and result["bucket"] == bucket

    # What the SDK sent: lib-storage buffers each part, so every UploadPart is a
    # fully signed payload (real SHA-256, not UNSIGNED/STREAMING) carrying its CRC32.
    create = sent(result, "CreateMultipartUploadCommand")
    assert len(create) == 1 and create[0].get("x-amz-checksum-algorithm") == "CRC32", create
    parts = sent(result, "UploadPartCommand")
    assert len(parts) == 6, result["requests"]
    expected = {checksums.b64("CRC32", data[i:i + PART]) for i in range(0, len(data), PART)}
    assert {h.get("x-amz-checksum-crc32") for h in parts} == expected
    expected_sha = {hashlib.sha256(data[i:i + PART]).hexdigest() for i in range(0, len(data), PART)}
    assert {h["x-amz-content-sha256"] for h in parts} == expected_sha
    assert all(r.get("status") == 200 for r in result["requests"]), result["requests"]

    # What boto3 sees afterwards.
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == result["etag"]
    assert md5_hex(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == md5_hex(data)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_upload_complete_returns_composite_checksum(s3, uploaded):
    """The upload was created with ChecksumAlgorithm=CRC32, so S3 answers
    CompleteMultipartUpload with the object's COMPOSITE checksum (ChecksumCRC32
    'xxx-6', ChecksumType COMPOSITE), and HEAD with checksum mode returns the same."""
    bucket, key, data, result = uploaded
    want = composite_crc32(data, PART)
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head.get("ChecksumCRC32") == want
    assert result.get("checksumCRC32") == want, \
        "CompleteMultipartUpload response has no ChecksumCRC32"
    assert result.get("checksumType") == "COMPOSITE"


# --- everyday calls --------------------------------------------------------------
TEXT_KEY = "docs/hello.txt"
TEXT = "hello from the node sdk, ünïcödé included\n"
BIN_KEY = "docs/sub/data file+1 é.bin"
COPY_KEY = "copies/data copy.bin"


def test_put_get_head_list_copy_delete(silt, s3, bucket, rand):
    path = rand(100_000)
    data = path.read_bytes()
    text = TEXT.encode()
    r = node(silt, "basic_ops.mjs", BUCKET=bucket, FILE=path)

    assert r["put"]["textETag"] == f'"{md5_hex(text)}"'
    assert r["put"]["binETag"] == f'"{md5_hex(data)}"'
    # PutObject default: a CRC32 header over a signed payload, no Content-MD5.
    puts = sent(r, "PutObjectCommand")
    assert [h.get("x-amz-checksum-crc32") for h in puts] == \
        [checksums.b64("CRC32", text), checksums.b64("CRC32", data)]
    assert r["put"]["textCRC32"] == checksums.b64("CRC32", text)
    assert r["put"]["binCRC32"] == checksums.b64("CRC32", data)

    assert r["getText"]["body"] == TEXT
    assert r["getText"]["contentLength"] == len(text)
    assert r["getText"]["contentType"] == "text/plain; charset=utf-8"
    assert r["getBin"] == {"md5": md5_hex(data), "length": len(data),
                           "etag": f'"{md5_hex(data)}"', "contentLength": len(data)}

    meta = {"colour": "blue", "mixed-case": "Value With Spaces"}
    assert r["head"]["contentLength"] == len(text)
    assert r["head"]["etag"] == f'"{md5_hex(text)}"'
    assert r["head"]["metadata"] == meta
    assert r["getText"]["metadata"] == meta

    assert r["list"]["keys"] == [TEXT_KEY] and r["list"]["sizes"] == [len(text)]
    assert r["list"]["prefixes"] == ["docs/sub/"]
    assert r["list"]["keyCount"] == 2 and r["list"]["isTruncated"] is False
    assert r["listSub"] == [BIN_KEY]

    assert r["copy"]["etag"] == f'"{md5_hex(data)}"'
    # DeleteObjects: the SDK sends a CRC32 and no Content-MD5; deleting a key that
    # does not exist is a success in S3.
    assert r["deleted"] == sorted([TEXT_KEY, BIN_KEY, "docs/never-existed"])
    assert r["deleteErrors"] == []
    [delete] = sent(r, "DeleteObjectsCommand")
    assert "content-md5" not in delete and "x-amz-checksum-crc32" in delete, delete

    # What is left, seen by boto3: only the copy, with the right bytes.
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [o["Key"] for o in listed] == [COPY_KEY]
    assert s3.get_object(Bucket=bucket, Key=COPY_KEY)["Body"].read() == data


def test_put_stream_body_aws_chunked_trailer(silt, s3, bucket, rand):
    """A stream Body: the SDK sends aws-chunked (STREAMING-UNSIGNED-PAYLOAD-TRAILER,
    Transfer-Encoding chunked, x-amz-trailer: x-amz-checksum-crc32). The stored
    object is the decoded bytes, without aws-chunked in its Content-Encoding."""
    path = rand(3 * MIB + 123)
    data = path.read_bytes()
    r = node(silt, "put_stream.mjs", BUCKET=bucket, KEY="streamed.bin", FILE=path)
    [h] = sent(r, "PutObjectCommand")
    assert h["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER", h
    assert h.get("x-amz-trailer") == "x-amz-checksum-crc32", h
    assert r["etag"] == f'"{md5_hex(data)}"'
    assert r["checksumCRC32"] == checksums.b64("CRC32", data)
    head = s3.head_object(Bucket=bucket, Key="streamed.bin")
    assert head["ContentLength"] == len(data)
    assert "aws-chunked" not in head.get("ContentEncoding", "")
    assert s3.get_object(Bucket=bucket, Key="streamed.bin")["Body"].read() == data


def test_get_with_checksum_mode_validates(silt, s3, bucket, rand):
    """PutObject with the default CRC32, then HeadObject/GetObject with ChecksumMode
    ENABLED: silt returns x-amz-checksum-crc32 (so the SDK validates the body
    against it while reading; a mismatch would make the script fail)."""
    path = rand(MIB + 7)
    data = path.read_bytes()
    key = "checked/obj 1.bin"
    r = node(silt, "checksum_get.mjs", BUCKET=bucket, KEY=key, FILE=path)
    want = checksums.b64("CRC32", data)
    assert r["putCRC32"] == want
    assert r["headCRC32"] == want
    assert r["getCRC32"] == want
    assert r["getChecksumType"] == "FULL_OBJECT"
    assert r["length"] == len(data) and r["md5"] == md5_hex(data)
    got = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got.get("ChecksumCRC32") == want


def test_presigned_get_with_fetch(silt, s3, bucket, rand):
    data = rand(2 * MIB + 5).read_bytes()
    key = "shared/report 2026+final.bin"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    r = node(silt, "presign.mjs", BUCKET=bucket, KEY=key)
    # The presigner signs x-id and (SDK default) x-amz-checksum-mode into the URL.
    assert "X-Amz-Signature=" in r["url"] and "x-amz-checksum-mode=ENABLED" in r["url"]
    assert r["status"] == 200
    assert r["length"] == len(data) and r["md5"] == md5_hex(data)
    assert r["etag"] == f'"{md5_hex(data)}"'
    assert r["tamperedStatus"] == 403
    assert "SignatureDoesNotMatch" in r["tamperedBody"]


def test_presigned_put_acts_on_the_headers_it_hoists(silt, s3, bucket):
    """The presigner moves x-amz-acl and x-amz-meta-* into the URL's query: silt applies
    them as S3 does, instead of storing a private object without its metadata."""
    key = "shared/hoisted.txt"
    r = node(silt, "presign_put.mjs", BUCKET=bucket, KEY=key, BODY="hello hoisting", CHECKSUMS="when_required",
             PARAMS=json.dumps({"ACL": "public-read", "Metadata": {"origin": "presigned"}}))
    assert "x-amz-acl=public-read" in r["url"] and "x-amz-meta-origin=presigned" in r["url"]
    assert r["status"] == 200, r
    assert s3.head_object(Bucket=bucket, Key=key)["Metadata"] == {"origin": "presigned"}
    anonymous = urllib.request.urlopen(f"{silt.endpoint}/{bucket}/shared/hoisted.txt", timeout=30)
    assert anonymous.status == 200 and anonymous.read() == b"hello hoisting"  # public-read took effect


def test_presigned_put_verifies_the_checksum_it_hoists(silt, s3, bucket):
    """With the SDK's default checksums the presigner puts the CRC32 of an empty body in the
    URL (aws-sdk-js-v3#6810): the upload does not match it, and S3 refuses it, so silt does."""
    key = "shared/default-checksums.txt"
    r = node(silt, "presign_put.mjs", BUCKET=bucket, KEY=key, BODY="not empty", PARAMS="{}")
    assert "x-amz-checksum-crc32=AAAAAA%3D%3D" in r["url"]
    assert r["status"] == 400 and "<Code>BadDigest</Code>" in r["body"], r
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
