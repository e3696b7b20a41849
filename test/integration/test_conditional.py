"""Conditional writes: If-None-Match: * and If-Match on PutObject and
CompleteMultipartUpload (412 PreconditionFailed), and racing creators of one key
where exactly one wins. The Debian boto3 1.26 does not know IfNoneMatch / IfMatch
on writes, so the headers go in through a before-sign hook (signed like botocore
would) or a raw signed request. clients.md §1.8 X-RNG-04, §5 S-11; issue 3 item 3."""
import concurrent.futures
import os
import threading
import time

from botocore.exceptions import ClientError

import s3raw
from silt_server import extra_headers
from s3assert import client_error, code, md5_etag

MiB = 1 << 20


def put_if(s3, bucket, key, body, **headers):
    with extra_headers(s3, headers, "PutObject"):
        return s3.put_object(Bucket=bucket, Key=key, Body=body)


def read(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# --- PutObject --------------------------------------------------------------------

def test_put_if_none_match_star(s3, bucket):
    resp = put_if(s3, bucket, "k", b"first", **{"If-None-Match": "*"})
    assert resp["ETag"] == md5_etag(b"first")
    e = client_error(put_if, s3, bucket, "k", b"second", **{"If-None-Match": "*"})
    assert code(e) == ("PreconditionFailed", 412)
    assert read(s3, bucket, "k") == b"first"
    # Once the key is deleted the conditional create works again.
    s3.delete_object(Bucket=bucket, Key="k")
    put_if(s3, bucket, "k", b"third", **{"If-None-Match": "*"})
    assert read(s3, bucket, "k") == b"third"


def test_put_if_none_match_with_streaming_body(silt, s3, bucket):
    """S3A conditional create sends the header on a signed aws-chunked PUT."""
    data = os.urandom(200_000)
    r = silt.request("PUT", bucket, "s", headers={"If-None-Match": "*"}, body=data,
                     streaming_chunk=64 * 1024)
    assert r.status == 200, r
    r = silt.request("PUT", bucket, "s", headers={"If-None-Match": "*"}, body=b"other",
                     streaming_chunk=64 * 1024)
    assert r.status == 412 and r.error_code() == "PreconditionFailed", r
    assert read(s3, bucket, "s") == data


def test_put_if_none_match_on_delete_marker_is_a_create(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    s3.delete_object(Bucket=bucket, Key="k")
    put_if(s3, bucket, "k", b"new", **{"If-None-Match": "*"})
    assert read(s3, bucket, "k") == b"new"


def test_put_if_match(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    resp = put_if(s3, bucket, "k", b"v2", **{"If-Match": etag})
    assert resp["ETag"] == md5_etag(b"v2")
    # The ETag of v1 no longer matches.
    e = client_error(put_if, s3, bucket, "k", b"v3", **{"If-Match": etag})
    assert code(e) == ("PreconditionFailed", 412)
    assert read(s3, bucket, "k") == b"v2"
    # Unquoted ETags match too.
    put_if(s3, bucket, "k", b"v4", **{"If-Match": md5_etag(b"v2").strip('"')})
    assert read(s3, bucket, "k") == b"v4"
    # If-Match on a key that does not exist: 404 NoSuchKey, as S3 answers; nothing is written.
    e = client_error(put_if, s3, bucket, "missing", b"x", **{"If-Match": etag})
    assert code(e) == ("NoSuchKey", 404)
    client_error(s3.head_object, Bucket=bucket, Key="missing")


def test_put_if_match_with_copy_is_not_a_put_condition(s3, bucket):
    """CopyObject's own conditions are x-amz-copy-source-if-*; a mismatch is 412."""
    etag = s3.put_object(Bucket=bucket, Key="src", Body=b"s")["ETag"]
    e = client_error(s3.copy_object, Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                     CopySourceIfMatch='"' + "0" * 32 + '"')
    assert code(e) == ("PreconditionFailed", 412)
    e = client_error(s3.copy_object, Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                     CopySourceIfNoneMatch=etag)
    assert code(e) == ("PreconditionFailed", 412)
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src", CopySourceIfMatch=etag)
    assert read(s3, bucket, "dst") == b"s"


# --- CompleteMultipartUpload ------------------------------------------------------

def start_upload(s3, bucket, key, data):
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    e = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=data)["ETag"]
    return uid, {"Parts": [{"PartNumber": 1, "ETag": e}]}


def complete_if(s3, bucket, key, uid, parts, **headers):
    with extra_headers(s3, headers, "CompleteMultipartUpload"):
        return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                            MultipartUpload=parts)


def test_complete_if_none_match_star(s3, bucket):
    uid, parts = start_upload(s3, bucket, "k", b"from mpu")
    complete_if(s3, bucket, "k", uid, parts, **{"If-None-Match": "*"})
    assert read(s3, bucket, "k") == b"from mpu"
    uid2, parts2 = start_upload(s3, bucket, "k", b"late mpu")
    e = client_error(complete_if, s3, bucket, "k", uid2, parts2, **{"If-None-Match": "*"})
    assert code(e) == ("PreconditionFailed", 412)
    assert read(s3, bucket, "k") == b"from mpu"
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid2)


def test_complete_if_match(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"single")["ETag"]
    uid, parts = start_upload(s3, bucket, "k", b"mpu one")
    e = client_error(complete_if, s3, bucket, "k", uid, parts, **{"If-Match": '"' + "f" * 32 + '"'})
    assert code(e) == ("PreconditionFailed", 412)
    assert read(s3, bucket, "k") == b"single"
    # The upload is still there after the 412: complete it with the right ETag.
    complete_if(s3, bucket, "k", uid, parts, **{"If-Match": etag})
    assert read(s3, bucket, "k") == b"mpu one"


def test_complete_if_match_on_a_missing_key_is_no_such_key(s3, bucket):
    """As PutObject's: If-Match on a key that does not exist is 404 NoSuchKey, nothing is
    written, and the upload stays to be completed (or retried) with another condition."""
    uid, parts = start_upload(s3, bucket, "missing", b"mpu body")
    e = client_error(complete_if, s3, bucket, "missing", uid, parts, **{"If-Match": md5_etag(b"anything")})
    assert code(e) == ("NoSuchKey", 404)
    assert code(client_error(s3.head_object, Bucket=bucket, Key="missing")) == ("404", 404)
    assert s3.list_parts(Bucket=bucket, Key="missing", UploadId=uid)["Parts"][0]["Size"] == len(b"mpu body")
    complete_if(s3, bucket, "missing", uid, parts, **{"If-None-Match": "*"})
    assert read(s3, bucket, "missing") == b"mpu body"


# --- races ------------------------------------------------------------------------

def test_racing_put_creators_exactly_one_wins(silt, s3, bucket):
    rounds, racers = 25, 4
    for r in range(rounds):
        key = f"race/{r}"
        bodies = [f"round {r} racer {i} ".encode() + os.urandom(2000) for i in range(racers)]
        gate = threading.Barrier(racers)

        def go(i):
            gate.wait()
            return silt.request("PUT", bucket, key, headers={"If-None-Match": "*"},
                                body=bodies[i])

        with concurrent.futures.ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(go, range(racers)))
        winners = [i for i, res in enumerate(results) if res.status == 200]
        losers = [res for res in results if res.status != 200]
        assert len(winners) == 1, (r, results)
        for res in losers:
            # 412, or 409 ConditionalRequestConflict while the winner is in flight.
            assert (res.status, res.error_code()) in (
                (412, "PreconditionFailed"), (409, "ConditionalRequestConflict")), res
        assert read(s3, bucket, key) == bodies[winners[0]]


def test_racing_multipart_completes_exactly_one_wins(silt, s3, bucket):
    rounds, racers = 8, 3
    for r in range(rounds):
        key = f"mrace/{r}"
        ups = [start_upload(s3, bucket, key, f"{r}:{i}".encode() * 100) for i in range(racers)]
        gate = threading.Barrier(racers)

        def go(i):
            gate.wait()
            c = silt.boto3()
            try:
                complete_if(c, bucket, key, ups[i][0], ups[i][1], **{"If-None-Match": "*"})
                return None
            except ClientError as e:
                return code(e)

        with concurrent.futures.ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(go, range(racers)))
        assert results.count(None) == 1, (r, results)
        winner = results.index(None)
        for res in results:
            assert res in (None, ("PreconditionFailed", 412),
                           ("ConditionalRequestConflict", 409)), results
        assert read(s3, bucket, key) == f"{r}:{winner}".encode() * 100
        for i, (uid, _) in enumerate(ups):
            if i != winner:
                s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)


def test_racing_overwrites_with_if_match_exactly_one_wins(silt, s3, bucket):
    """Optimistic concurrency: everyone read the same ETag, one update lands."""
    racers = 4
    for r in range(10):
        key = f"cas/{r}"
        etag = s3.put_object(Bucket=bucket, Key=key, Body=b"base")["ETag"]
        gate = threading.Barrier(racers)

        def go(i):
            gate.wait()
            return silt.request("PUT", bucket, key, headers={"If-Match": etag},
                                body=f"update {i}".encode())

        with concurrent.futures.ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(go, range(racers)))
        winners = [i for i, res in enumerate(results) if res.status == 200]
        assert len(winners) == 1, (r, results)
        for res in results:
            assert res.status in (200, 409, 412), res
        assert read(s3, bucket, key) == f"update {winners[0]}".encode()


def test_key_deleted_during_conditional_put_is_a_conflict(silt, s3, bucket):
    """S3 answers 409 ConditionalRequestConflict when the object a conditional write
    depends on is deleted while the write's body is still arriving."""
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    body = os.urandom(256 * 1024)
    path = s3raw.key_path(bucket, "k")
    headers = silt.signer().sign("PUT", path, [], {"If-Match": etag}, s3raw.UNSIGNED)
    headers["Content-Length"] = str(len(body))
    conn = silt.raw()
    try:
        conn.send_head("PUT", path, headers)
        conn.send(body[:1024])  # the write has started
        time.sleep(0.3)
        s3.delete_object(Bucket=bucket, Key="k")
        conn.send(body[1024:])
        r = conn.read_response("PUT")
    finally:
        conn.close()
    assert r.status == 409 and r.error_code() == "ConditionalRequestConflict", r
    client_error(s3.head_object, Bucket=bucket, Key="k")  # nothing was written
