"""The five x-amz-content-sha256 payload modes, header and trailer checksums of
every algorithm, Content-MD5, and which GETs return the stored checksum.
Bodies are built byte by byte here (s3raw) following the AWS spec, so this
covers what Spark (signed aws-chunked over http), botocore >= 1.36 over https
(unsigned trailer) and the Java SDK v2 (signed trailer) send. clients.md §1.3, §1.9."""
import base64
import datetime
import hashlib
import os
import xml.etree.ElementTree as ET

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import checksums
import s3raw
from s3raw import key_path

CHECKSUM_ERRORS = {"BadDigest", "XAmzContentChecksumMismatch"}


# --- the test's own tools agree with the references ------------------------------

def test_checksum_check_values():
    assert checksums.crc32(b"123456789") == 0xCBF43926
    assert checksums.crc32c(b"123456789") == 0xE3069283
    assert checksums.crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert checksums.b64("SHA256", b"") == base64.b64encode(hashlib.sha256(b"").digest()).decode()


def test_s3raw_signer_matches_botocore():
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    url = "http://127.0.0.1:9000/b/a%20b/%C3%A4?list-type=2&prefix=x%2By&encoding-type=url"
    req = AWSRequest(method="GET", url=url, headers={"x-amz-meta-k": "  v  w "})
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    when = datetime.datetime.strptime(req.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    signer = s3raw.Signer(creds.access_key, creds.secret_key, "us-east-1", "127.0.0.1:9000")
    ours = signer.sign("GET", "/b/a%20b/%C3%A4",
                       [("list-type", "2"), ("prefix", "x+y"), ("encoding-type", "url")],
                       {"x-amz-meta-k": "  v  w "}, s3raw.EMPTY_SHA256, when=when)
    assert ours["Authorization"] == req.headers["Authorization"]

    req = AWSRequest(method="GET", url="http://127.0.0.1:9000/b/k%2B1")
    S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=900).add_auth(req)
    from urllib.parse import parse_qs, urlsplit
    q = parse_qs(urlsplit(req.url).query)
    when = datetime.datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
    ours = parse_qs(signer.presign("GET", "/b/k%2B1", expires=900, when=when))
    assert ours["X-Amz-Signature"] == q["X-Amz-Signature"]


# --- helpers -----------------------------------------------------------------------

def send(silt, method, path, headers, body=b""):
    conn = silt.raw()
    try:
        return conn.request(method, path, headers, body)
    finally:
        conn.close()


def put_plain(silt, bucket, key, data, payload_hash=None, headers=None):
    path = key_path(bucket, key)
    h = silt.signer().sign("PUT", path, headers=headers or {},
                           payload_hash=payload_hash or hashlib.sha256(data).hexdigest())
    h["Content-Length"] = str(len(data))
    return send(silt, "PUT", path, h, data)


def put_streaming(silt, bucket, key, data, mode, chunk=64 * 1024, trailer=None,
                  headers=None, corrupt_chunk=-1, corrupt_trailer_sig=False,
                  decoded_length=None, content_encoding="aws-chunked", transfer_chunked=False):
    """trailer: (algo, value) sent after the last chunk."""
    path = key_path(bucket, key)
    h = dict(headers or {})
    if content_encoding:
        h["Content-Encoding"] = content_encoding
    h["x-amz-decoded-content-length"] = str(len(data) if decoded_length is None else decoded_length)
    if trailer:
        h["x-amz-trailer"] = checksums.header_name(trailer[0])
        h["x-amz-sdk-checksum-algorithm"] = trailer[0]
    signer = silt.signer()
    h = signer.sign("PUT", path, headers=h, payload_hash=mode)
    signed = mode in (s3raw.STREAMING_SIGNED, s3raw.STREAMING_SIGNED_TRAILER)
    body = s3raw.aws_chunked(
        data, chunk, signing=signer.last if signed else None,
        trailers=[(checksums.header_name(trailer[0]), trailer[1])] if trailer else None,
        corrupt_chunk=corrupt_chunk, corrupt_trailer_sig=corrupt_trailer_sig)
    if transfer_chunked:  # botocore >= 1.36 over https: no Content-Length at all
        h["Transfer-Encoding"] = "chunked"
        body = s3raw.te_chunked(body, 50_000)
    else:
        h["Content-Length"] = str(len(body))
    return send(silt, "PUT", path, h, body)


def get_raw(silt, bucket, key, headers=None):
    path = key_path(bucket, key)
    h = silt.signer().sign("GET", path, headers=headers or {})
    return send(silt, "GET", path, h)


def assert_stored(s3, bucket, key, data):
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == data
    assert got["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    # aws-chunked is framing, never the object's Content-Encoding (X-PAY-02).
    assert "aws-chunked" not in got.get("ContentEncoding", "")
    return got


def assert_absent(s3, bucket, key):
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=bucket, Key=key)
    assert ei.value.response["Error"]["Code"] == "404"


DATA = os.urandom(200_003)  # four 64 KiB chunks plus an odd tail


# --- hex sha256 and UNSIGNED-PAYLOAD ---------------------------------------------

def test_hex_sha256_payload(silt, s3, bucket):
    r = put_plain(silt, bucket, "hex", DATA)
    assert r.status == 200, r
    assert r.header("etag") == '"' + hashlib.md5(DATA).hexdigest() + '"'
    assert r.header("x-amz-request-id") and r.header("x-amz-id-2")
    assert_stored(s3, bucket, "hex", DATA)


def test_hex_sha256_mismatch(silt, s3, bucket):
    r = put_plain(silt, bucket, "hexbad", DATA, payload_hash=hashlib.sha256(b"other").hexdigest())
    assert r.status == 400 and r.error_code() == "XAmzContentSHA256Mismatch", r
    assert_absent(s3, bucket, "hexbad")


def test_unsigned_payload(silt, s3, bucket):
    r = put_plain(silt, bucket, "unsigned", DATA, payload_hash=s3raw.UNSIGNED)
    assert r.status == 200, r
    assert_stored(s3, bucket, "unsigned", DATA)


def test_unknown_payload_mode_is_not_implemented(silt, bucket):
    r = put_plain(silt, bucket, "ecdsa", b"x",
                  payload_hash="STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
    assert r.status == 501 and r.error_code() == "NotImplemented", r


# --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD (Spark/S3A over http) -------------------------

@pytest.mark.parametrize("chunk", [64 * 1024, 1000, len(DATA) + 10])
def test_streaming_signed(silt, s3, bucket, chunk):
    r = put_streaming(silt, bucket, "ss", DATA, s3raw.STREAMING_SIGNED, chunk=chunk)
    assert r.status == 200, r
    assert_stored(s3, bucket, "ss", DATA)


def test_streaming_signed_empty_object(silt, s3, bucket):
    r = put_streaming(silt, bucket, "empty", b"", s3raw.STREAMING_SIGNED)
    assert r.status == 200, r
    assert_stored(s3, bucket, "empty", b"")


def test_streaming_signed_without_content_encoding(silt, s3, bucket):
    # The Java SDK v1 sends signed aws-chunked with no Content-Encoding (X-PAY-02).
    r = put_streaming(silt, bucket, "v1", DATA, s3raw.STREAMING_SIGNED, content_encoding=None)
    assert r.status == 200, r
    assert_stored(s3, bucket, "v1", DATA)


def test_streaming_signed_keeps_real_content_encoding(silt, s3, bucket):
    r = put_streaming(silt, bucket, "gz", DATA, s3raw.STREAMING_SIGNED,
                      content_encoding="gzip,aws-chunked")
    assert r.status == 200, r
    assert assert_stored(s3, bucket, "gz", DATA)["ContentEncoding"] == "gzip"


def test_streaming_signed_bad_chunk_signature(silt, s3, bucket):
    r = put_streaming(silt, bucket, "badsig", DATA, s3raw.STREAMING_SIGNED, corrupt_chunk=2)
    assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch", r
    assert_absent(s3, bucket, "badsig")


def test_streaming_signed_bad_final_chunk_signature(silt, s3, bucket):
    r = put_streaming(silt, bucket, "badfinal", DATA, s3raw.STREAMING_SIGNED,
                      chunk=len(DATA), corrupt_chunk=1)
    assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch", r
    assert_absent(s3, bucket, "badfinal")


def test_streaming_decoded_length_mismatch(silt, s3, bucket):
    r = put_streaming(silt, bucket, "short", DATA, s3raw.STREAMING_SIGNED,
                      decoded_length=len(DATA) + 1)
    assert r.status == 400, r
    assert_absent(s3, bucket, "short")


@pytest.mark.parametrize("declared", [len(DATA) - 1, 5, 0])
def test_streaming_body_longer_than_decoded_length(silt, s3, bucket, declared):
    """A small body read whole before the commit (put.cpp read_small_body) still ends in
    the reader's length check when more bytes come than x-amz-decoded-content-length
    promised: 400 IncompleteBody, nothing stored, and the server keeps serving."""
    r = put_streaming(silt, bucket, "long", DATA, s3raw.STREAMING_SIGNED, chunk=4096, decoded_length=declared)
    assert r.status == 400 and r.error_code() == "IncompleteBody", r
    assert_absent(s3, bucket, "long")
    r = put_streaming(silt, bucket, "long", DATA, s3raw.STREAMING_SIGNED, chunk=4096)
    assert r.status == 200, r
    assert_stored(s3, bucket, "long", DATA)


# --- trailer modes -------------------------------------------------------------------

@pytest.mark.parametrize("algo", checksums.ALGORITHMS)
def test_unsigned_trailer(silt, s3, bucket, algo):
    r = put_streaming(silt, bucket, "ut", DATA, s3raw.STREAMING_UNSIGNED_TRAILER,
                      trailer=(algo, checksums.b64(algo, DATA)))
    assert r.status == 200, r
    assert_stored(s3, bucket, "ut", DATA)


@pytest.mark.parametrize("algo", checksums.ALGORITHMS)
def test_unsigned_trailer_mismatch(silt, s3, bucket, algo):
    r = put_streaming(silt, bucket, "utbad", DATA, s3raw.STREAMING_UNSIGNED_TRAILER,
                      trailer=(algo, checksums.b64(algo, DATA[:-1])))
    assert r.status == 400 and r.error_code() in CHECKSUM_ERRORS, r
    assert_absent(s3, bucket, "utbad")


def test_unsigned_trailer_inside_transfer_encoding_chunked(silt, s3, bucket):
    # botocore >= 1.36 over https: aws-chunked inside TE chunked, no Content-Length.
    r = put_streaming(silt, bucket, "te", DATA, s3raw.STREAMING_UNSIGNED_TRAILER,
                      trailer=("CRC32", checksums.b64("CRC32", DATA)), chunk=1 << 20,
                      content_encoding="aws-chunked", transfer_chunked=True)
    assert r.status == 200, r
    assert_stored(s3, bucket, "te", DATA)


@pytest.mark.parametrize("algo", checksums.ALGORITHMS)
def test_signed_trailer(silt, s3, bucket, algo):
    r = put_streaming(silt, bucket, "st", DATA, s3raw.STREAMING_SIGNED_TRAILER,
                      trailer=(algo, checksums.b64(algo, DATA)))
    assert r.status == 200, r
    assert_stored(s3, bucket, "st", DATA)


def test_signed_trailer_checksum_mismatch(silt, s3, bucket):
    r = put_streaming(silt, bucket, "stbad", DATA, s3raw.STREAMING_SIGNED_TRAILER,
                      trailer=("CRC32C", checksums.b64("CRC32C", b"not it")))
    assert r.status == 400 and r.error_code() in CHECKSUM_ERRORS, r
    assert_absent(s3, bucket, "stbad")


def test_signed_trailer_bad_trailer_signature(silt, s3, bucket):
    r = put_streaming(silt, bucket, "stsig", DATA, s3raw.STREAMING_SIGNED_TRAILER,
                      trailer=("CRC32", checksums.b64("CRC32", DATA)), corrupt_trailer_sig=True)
    assert r.status == 403 and r.error_code() == "SignatureDoesNotMatch", r
    assert_absent(s3, bucket, "stsig")


# --- header checksums and Content-MD5 ------------------------------------------------------

@pytest.mark.parametrize("algo", checksums.ALGORITHMS)
def test_header_checksum(silt, s3, bucket, algo):
    value = checksums.b64(algo, DATA)
    r = put_plain(silt, bucket, "hc", DATA, headers={checksums.header_name(algo): value,
                                                     "x-amz-sdk-checksum-algorithm": algo})
    assert r.status == 200, r
    assert_stored(s3, bucket, "hc", DATA)
    # Returned on a full GET/HEAD when asked for, never on a 206 (X-CK-04).
    full = get_raw(silt, bucket, "hc", {"x-amz-checksum-mode": "ENABLED"})
    assert full.status == 200 and full.body == DATA
    assert full.header(checksums.header_name(algo)) == value, full.headers
    part = get_raw(silt, bucket, "hc", {"x-amz-checksum-mode": "ENABLED", "Range": "bytes=0-9"})
    assert part.status == 206 and part.body == DATA[:10]
    assert not [h for h in part.headers if h.startswith("x-amz-checksum-")], part.headers
    head = s3.head_object(Bucket=bucket, Key="hc", ChecksumMode="ENABLED")
    assert head["ResponseMetadata"]["HTTPHeaders"].get(checksums.header_name(algo)) == value


@pytest.mark.parametrize("algo", checksums.ALGORITHMS)
def test_header_checksum_mismatch(silt, s3, bucket, algo):
    r = put_plain(silt, bucket, "hcbad", DATA,
                  headers={checksums.header_name(algo): checksums.b64(algo, DATA + b"!")})
    assert r.status == 400 and r.error_code() in CHECKSUM_ERRORS, r
    assert_absent(s3, bucket, "hcbad")


def test_trailer_checksum_returned_on_get(silt, bucket):
    value = checksums.b64("CRC64NVME", DATA)
    r = put_streaming(silt, bucket, "tr", DATA, s3raw.STREAMING_UNSIGNED_TRAILER,
                      trailer=("CRC64NVME", value))
    assert r.status == 200, r
    full = get_raw(silt, bucket, "tr", {"x-amz-checksum-mode": "ENABLED"})
    assert full.header("x-amz-checksum-crc64nvme") == value, full.headers


def test_content_md5(silt, s3, bucket):
    r = put_plain(silt, bucket, "md5", DATA, headers={"Content-MD5": checksums.content_md5(DATA)})
    assert r.status == 200, r
    r = put_plain(silt, bucket, "md5bad", DATA,
                  headers={"Content-MD5": checksums.content_md5(DATA[1:])})
    assert r.status == 400 and r.error_code() == "BadDigest", r
    assert_absent(s3, bucket, "md5bad")
    # With a streaming body too.
    r = put_streaming(silt, bucket, "md5s", DATA, s3raw.STREAMING_SIGNED,
                      headers={"Content-MD5": checksums.content_md5(b"x")})
    assert r.status == 400 and r.error_code() == "BadDigest", r
    assert_absent(s3, bucket, "md5s")


def test_boto3_flexible_checksum_and_ranged_get(s3, bucket):
    # botocore validates a returned full-object checksum against whatever body it got:
    # a 206 carrying one would raise FlexibleChecksumError (X-CK-04).
    for algo in ("CRC32", "SHA256"):
        s3.put_object(Bucket=bucket, Key="flex", Body=DATA, ChecksumAlgorithm=algo)
        part = s3.get_object(Bucket=bucket, Key="flex", Range="bytes=0-9", ChecksumMode="ENABLED")
        assert part["Body"].read() == DATA[:10]
        full = s3.get_object(Bucket=bucket, Key="flex", ChecksumMode="ENABLED")
        assert full["Body"].read() == DATA
        assert full.get("Checksum" + algo) == checksums.b64(algo, DATA)


def test_delete_objects_with_checksum_instead_of_md5(silt, s3, bucket):
    # botocore >= 1.36 sends DeleteObjects with x-amz-checksum-crc32 and no Content-MD5.
    s3.put_object(Bucket=bucket, Key="x1", Body=b"1")
    body = (b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<Object><Key>x1</Key></Object><Object><Key>x2</Key></Object></Delete>")
    path = key_path(bucket)
    h = silt.signer().sign("POST", path, [("delete", "")],
                           {"x-amz-checksum-crc32": checksums.b64("CRC32", body),
                            "x-amz-sdk-checksum-algorithm": "CRC32"},
                           hashlib.sha256(body).hexdigest())
    h["Content-Length"] = str(len(body))
    r = send(silt, "POST", path + "?delete", h, body)
    assert r.status == 200, r
    ns = {"s": "http://s3.amazonaws.com/doc/2006-03-01/"}
    root = ET.fromstring(r.body)
    deleted = [d.findtext("s:Key", namespaces=ns) or d.findtext("Key") for d in
               root.findall("s:Deleted", ns) + root.findall("Deleted")]
    assert sorted(deleted) == ["x1", "x2"], r.text
    assert_absent(s3, bucket, "x1")
