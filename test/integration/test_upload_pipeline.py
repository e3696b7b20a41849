"""Uploads through the ring of buffers (server/s3/upload_pipeline.h): bodies over one
1 MiB buffer are read, verified (chunk signatures, x-amz-content-sha256, checksums),
MD5-hashed and written by separate stages. Sizes straddle the 64 KiB chunk and the
1 MiB slot; every store is read back byte for byte. A bad chunk signature anywhere,
a broken-off body or a kill -9 must leave nothing of the new data visible."""
import hashlib
import os
import signal
import socket
import time

import pytest
from botocore.exceptions import ClientError

import checksums
import s3raw
from s3raw import key_path

MiB = 1 << 20
KiB = 1 << 10
SIGNED = s3raw.STREAMING_SIGNED
SIGNED_TRAILER = s3raw.STREAMING_SIGNED_TRAILER


def body_of(size, seed=0):
    # Distinct bytes per position, so a slot written twice or out of order shows.
    block = hashlib.sha256(f"{seed}:{size}".encode()).digest() * 2048  # 64 KiB
    reps = size // len(block) + 1
    return (block * reps)[:size]


def streaming_request(silt, path, data, mode, params=(), chunk=64 * KiB, trailer=None,
                      corrupt_chunk=-1):
    """(head headers, body bytes) of a signed aws-chunked PUT. trailer: (algo, value)."""
    h = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    if trailer:
        h["x-amz-trailer"] = checksums.header_name(trailer[0])
        h["x-amz-sdk-checksum-algorithm"] = trailer[0]
    signer = silt.signer()
    h = signer.sign("PUT", path, list(params), h, payload_hash=mode)
    body = s3raw.aws_chunked(
        data, chunk, signing=signer.last,
        trailers=[(checksums.header_name(trailer[0]), trailer[1])] if trailer else None,
        corrupt_chunk=corrupt_chunk)
    h["Content-Length"] = str(len(body))
    return h, body


def send_request(silt, path, headers, body, params=()):
    """Sends the whole request, tolerating a server that answers (and closes) before
    the body is all sent, then reads the answer."""
    target = path + ("?" + s3raw.encode_query(list(params)) if params else "")
    conn = silt.raw(timeout=120)
    try:
        conn.send_head("PUT", target, headers)
        try:
            conn.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return conn.read_response("PUT")
    finally:
        conn.close()


def put_streaming(silt, bucket, key, data, mode=SIGNED, **kw):
    path = key_path(bucket, key)
    h, body = streaming_request(silt, path, data, mode, **kw)
    return send_request(silt, path, h, body)


def read_back(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def assert_absent(s3, bucket, key):
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=bucket, Key=key)
    assert ei.value.response["Error"]["Code"] == "404"


def tmp_entries(silt):
    return [p for d in silt.drives() if (d / "tmp").is_dir() for p in (d / "tmp").iterdir()]


def wait_tmp_empty(silt, timeout=20):
    """tmp/ on every drive empty: a refused upload's shards are removed (replaced data
    also passes through tmp/ on its way to the trash remover, hence the wait)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not tmp_entries(silt):
            return
        time.sleep(0.2)
    assert not tmp_entries(silt), tmp_entries(silt)[:5]


def assert_refused(silt, s3, r, status, code, bucket, key):
    """The exact S3 error, no object, no temporary shards left."""
    assert r.status == status, r
    assert r.error_code() == code
    assert r.header("x-amz-request-id")
    assert_absent(s3, bucket, key)
    wait_tmp_empty(silt)


def assert_serving(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="after", Body=b"still here")
    assert read_back(s3, bucket, "after") == b"still here"


# --- sizes across the chunk and the ring's slot ---------------------------------

SIZES = [1, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 7, 9 * MiB + 3]


@pytest.mark.parametrize("size", SIZES)
def test_signed_chunked_sizes(silt, s3, bucket, size):
    data = body_of(size)
    r = put_streaming(silt, bucket, "k", data)
    assert r.status == 200, r
    assert r.header("etag") == '"' + hashlib.md5(data).hexdigest() + '"'
    assert read_back(s3, bucket, "k") == data


@pytest.mark.parametrize("algo", ["CRC32", "CRC32C", "SHA256"])
@pytest.mark.parametrize("size", [64 * KiB + 1, 5 * MiB + 1])
def test_signed_trailer_checksums(silt, s3, bucket, size, algo):
    data = body_of(size, 1)
    r = put_streaming(silt, bucket, "t", data, SIGNED_TRAILER, trailer=(algo, checksums.b64(algo, data)))
    assert r.status == 200, r
    assert r.header(checksums.header_name(algo)) == checksums.b64(algo, data)
    assert read_back(s3, bucket, "t") == data


def test_signed_trailer_wrong_checksum(silt, s3, bucket):
    data = body_of(3 * MiB + 5, 2)
    r = put_streaming(silt, bucket, "t", data, SIGNED_TRAILER,
                      trailer=("CRC32", checksums.b64("CRC32", data + b"x")))
    assert_refused(silt, s3, r, 400, "BadDigest", bucket, "t")


def test_signed_chunked_100mib(silt, s3, bucket):
    data = os.urandom(100 * MiB)
    r = put_streaming(silt, bucket, "big", data, chunk=MiB)
    assert r.status == 200, r
    assert r.header("etag") == '"' + hashlib.md5(data).hexdigest() + '"'
    got = read_back(s3, bucket, "big")
    assert len(got) == len(data) and got == data


def test_unknown_length_signed_chunked(silt, s3, bucket):
    # No x-amz-decoded-content-length (allowed for the SDK v1): the ring is used anyway.
    data = body_of(2 * MiB + 9, 3)
    path = key_path(bucket, "u")
    signer = silt.signer()
    h = signer.sign("PUT", path, headers={"Content-Encoding": "aws-chunked"}, payload_hash=SIGNED)
    body = s3raw.aws_chunked(data, 64 * KiB, signing=signer.last)
    h["Content-Length"] = str(len(body))
    r = send_request(silt, path, h, body)
    assert r.status == 200, r
    assert read_back(s3, bucket, "u") == data


# --- real clients: hex SHA-256 bodies and checksums through the ring ---------------

@pytest.mark.parametrize("size", [MiB + 1, 6 * MiB + 3])
def test_boto3_put_through_ring(silt, s3, bucket, size):
    data = body_of(size, 4)
    s3.put_object(Bucket=bucket, Key="b", Body=data, ChecksumAlgorithm="CRC32")
    assert read_back(s3, bucket, "b") == data
    head = s3.head_object(Bucket=bucket, Key="b", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == checksums.b64("CRC32", data)


def test_boto3_wrong_sha256_refused(silt, s3, bucket):
    data = body_of(2 * MiB, 5)
    path = key_path(bucket, "x")
    h = silt.signer().sign("PUT", path, payload_hash=hashlib.sha256(data[:-1] + b"?").hexdigest())
    h["Content-Length"] = str(len(data))
    r = send_request(silt, path, h, data)
    assert_refused(silt, s3, r, 400, "XAmzContentSHA256Mismatch", bucket, "x")


def test_awscli_multipart_through_ring(silt, s3, bucket, rand):
    src = rand(20 * MiB + 11)  # aws cli: 8 MiB parts, each through the ring
    silt.aws("s3", "cp", str(src), f"s3://{bucket}/cli")
    assert read_back(s3, bucket, "cli") == src.read_bytes()


# --- multipart parts as signed aws-chunked -------------------------------------------

def test_signed_chunked_parts(silt, s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts_data = [body_of(5 * MiB + 1, 6), body_of(5 * MiB + 64 * KiB - 1, 7), body_of(1, 8)]
    etags = []
    for n, data in enumerate(parts_data, 1):
        path = key_path(bucket, "mp")
        params = [("partNumber", str(n)), ("uploadId", up)]
        h, body = streaming_request(silt, path, data, SIGNED, params=params)
        r = send_request(silt, path, h, body, params=params)
        assert r.status == 200, r
        assert r.header("etag") == '"' + hashlib.md5(data).hexdigest() + '"'
        etags.append(r.header("etag"))
    # A part with a bad signature in its middle chunk is refused and not listed.
    path = key_path(bucket, "mp")
    params = [("partNumber", "4"), ("uploadId", up)]
    h, body = streaming_request(silt, path, body_of(3 * MiB, 9), SIGNED, params=params, corrupt_chunk=20)
    r = send_request(silt, path, h, body, params=params)
    assert r.status == 403, r
    assert r.error_code() == "SignatureDoesNotMatch"
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=up)["Parts"]
    assert [p["PartNumber"] for p in listed] == [1, 2, 3]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=up,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    assert read_back(s3, bucket, "mp") == b"".join(parts_data)


# --- refusals: nothing of the new data is visible ------------------------------------

# 5 MiB + 3 in 64 KiB chunks: 81 data chunks, then the final empty one (index 81).
REFUSED_SIZE = 5 * MiB + 3


@pytest.mark.parametrize("where", ["first", "middle", "last-data", "final-empty"])
def test_bad_chunk_signature_leaves_nothing(silt, s3, bucket, where):
    index = {"first": 0, "middle": 40, "last-data": 80, "final-empty": 81}[where]
    data = body_of(REFUSED_SIZE, 10)
    r = put_streaming(silt, bucket, "bad", data, corrupt_chunk=index)
    assert_refused(silt, s3, r, 403, "SignatureDoesNotMatch", bucket, "bad")
    assert_serving(silt, s3, bucket)


@pytest.mark.parametrize("index", [40, 81])
def test_bad_chunk_signature_keeps_old_version(silt, s3, bucket, index):
    old = body_of(2 * MiB + 1, 11)
    assert put_streaming(silt, bucket, "k", old).status == 200
    r = put_streaming(silt, bucket, "k", body_of(REFUSED_SIZE, 12), corrupt_chunk=index)
    assert r.status == 403, r
    assert r.error_code() == "SignatureDoesNotMatch"
    assert read_back(s3, bucket, "k") == old
    wait_tmp_empty(silt)


def test_client_closes_mid_body(silt, s3, bucket):
    old = body_of(MiB + 5, 13)
    assert put_streaming(silt, bucket, "k", old).status == 200
    path = key_path(bucket, "k")
    h, body = streaming_request(silt, path, body_of(12 * MiB, 14), SIGNED)
    conn = silt.raw()
    conn.send_head("PUT", path, h)
    conn.send(body[: 7 * MiB + 123])
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    # The session notices the closed socket and drops the writer: nothing new appears.
    wait_tmp_empty(silt)
    assert read_back(s3, bucket, "k") == old
    assert_serving(silt, s3, bucket)


def test_body_shorter_than_declared(silt, s3, bucket):
    # Every chunk signs correctly, but x-amz-decoded-content-length promises one byte more.
    data = body_of(3 * MiB, 15)
    path = key_path(bucket, "short")
    signer = silt.signer()
    h = signer.sign("PUT", path, payload_hash=SIGNED, headers={
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data) + 1)})
    body = s3raw.aws_chunked(data, 64 * KiB, signing=signer.last)
    h["Content-Length"] = str(len(body))
    r = send_request(silt, path, h, body)
    assert_refused(silt, s3, r, 400, "IncompleteBody", bucket, "short")


# --- kill -9 during a pipelined PUT ---------------------------------------------------

@pytest.mark.parametrize("sent_fraction", [0.3, 1.0])
def test_kill9_during_pipelined_put(tmp_path, sent_fraction):
    from crash_harness import scan_drives
    from silt_server import SiltServer

    server = SiltServer(tmp_path / "silt")
    server.start()
    try:
        s3 = server.boto3()
        s3.create_bucket(Bucket="crash")
        old = body_of(6 * MiB + 1, 16)
        assert put_streaming(server, "crash", "k", old).status == 200
        new = body_of(24 * MiB + 3, 17)
        path = key_path("crash", "k")
        h, body = streaming_request(server, path, new, SIGNED)
        conn = server.raw()
        conn.send_head("PUT", path, h)
        conn.send(body[: int(len(body) * sent_fraction)])
        time.sleep(0.05)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        conn.close()
        server.start()
        got = read_back(s3, "crash", "k")
        assert got in (old, new), len(got)
        if sent_fraction < 1:
            assert got == old
        violations = []
        scan_drives(server, violations.append)  # tmp/ emptied at startup, shards whole
        assert not violations, violations
        s3.put_object(Bucket="crash", Key="after", Body=b"x")
    finally:
        server.stop()


# --- UNSIGNED-PAYLOAD: verifying stage skipped unless a checksum is declared ---------

@pytest.mark.parametrize("checksum", [None, "good", "bad"])
def test_unsigned_payload_through_ring(silt, s3, bucket, checksum):
    data = body_of(3 * MiB + 1, 18)
    path = key_path(bucket, "u")
    h = {}
    if checksum:
        h["x-amz-checksum-crc32c"] = checksums.b64("CRC32C", data if checksum == "good" else data + b"!")
    h = silt.signer().sign("PUT", path, headers=h, payload_hash=s3raw.UNSIGNED)
    h["Content-Length"] = str(len(data))
    r = send_request(silt, path, h, data)
    if checksum == "bad":
        assert_refused(silt, s3, r, 400, "BadDigest", bucket, "u")
        return
    assert r.status == 200, r
    assert read_back(s3, bucket, "u") == data


def test_more_uploads_than_rings(silt, s3, bucket):
    # The ring budget holds 4 uploads; the others take the two-buffer path. All land whole.
    import concurrent.futures
    datas = {f"c{i}": body_of(3 * MiB + i, 20 + i) for i in range(8)}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda kv: put_streaming(silt, bucket, kv[0], kv[1]), datas.items()))
    assert all(r.status == 200 for r in results), results
    for key, data in datas.items():
        assert read_back(s3, bucket, key) == data
