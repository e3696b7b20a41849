"""Issue 15's smaller holes and the exception boundary, against a real silt with raw
requests: a malformed x-amz-copy-source-range (once an uncaught std::stoull and a
connection dropped without an answer), keys holding U+0000, lifecycle names that are not
UTF-8 (and the admin JSON that threw on them), file modes under the data folder, the
console's sign-in throttle per (access key, address), the root password's length, and
`silt admin user add/remove` (no secret in argv, no buckets inherited by a name)."""
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import stat
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

import s3raw
from s3assert import client, client_error, code, ok
from silt_server import SiltServer, bucket_name, free_port, silt_binary

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def signed_request(conn, silt, method, path, params=(), headers=None, body=b""):
    """A SigV4 request (every header signed) on an open RawConnection."""
    h = silt.signer().sign(method, path, list(params), dict(headers or {}), hashlib.sha256(body).hexdigest())
    if body or method in ("PUT", "POST"):
        h["Content-Length"] = str(len(body))
    target = path + ("?" + s3raw.encode_query(params) if params else "")
    return conn.request(method, target, h, body)


def assert_s3_error(r, status, error_code):
    """The exact S3 error: status, XML Code, a Message and a RequestId matching the header."""
    assert r.status == status, r
    root = ET.fromstring(r.body)
    assert root.tag == "Error" and root.findtext("Code") == error_code, r
    assert root.findtext("Message"), r
    assert root.findtext("RequestId") == r.header("x-amz-request-id"), r


def keys_of(listing_body):
    return [e.text for e in ET.fromstring(listing_body).iter(NS + "Key")]


def md5_header(body):
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def console_call(silt, method, path, body=None, headers=None, source="127.0.0.1"):
    """A request to the web console from source (any 127/8 address reaches a loopback silt)."""
    c = http.client.HTTPConnection("127.0.0.1", silt.port, timeout=30, source_address=(source, 0))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def put_lifecycle(silt, bucket, body):
    return silt.request("PUT", bucket, params=[("lifecycle", None)], headers=md5_header(body), body=body)


def lifecycle_doc(rule_id: bytes, prefix: bytes = b"logs/", tag: bytes = b"") -> bytes:
    filt = b"<Prefix>" + prefix + b"</Prefix>"
    if tag:
        filt = b"<And>" + filt + b"<Tag><Key>" + tag + b"</Key><Value>v</Value></Tag></And>"
    return (b"<LifecycleConfiguration><Rule><ID>" + rule_id + b"</ID><Status>Enabled</Status><Filter>" + filt +
            b"</Filter><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>")


# --- one exception boundary ---------------------------------------------------------------

@pytest.mark.parametrize("copy_range", [
    "bytes=0-",      # open: std::stoull("") threw, the connection dropped with no answer
    "bytes=5-",
    "bytes=-3",      # a suffix is no copy range
    "bytes=abc",
    "bytes=7-2",
    "bytes=0-99999999999999999999999",
    "bytes=1-2,4-5",
    "items=0-3",
])
def test_malformed_copy_source_range_is_400_and_the_connection_serves_on(silt, s3, bucket, copy_range):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    conn = silt.raw(timeout=10)
    try:
        r = signed_request(conn, silt, "PUT", f"/{bucket}/dst", [("partNumber", "1"), ("uploadId", upload)],
                           {"x-amz-copy-source": f"/{bucket}/src", "x-amz-copy-source-range": copy_range})
        assert_s3_error(r, 400, "InvalidArgument")
        # The same connection answers the next request: nothing was cut.
        again = signed_request(conn, silt, "GET", f"/{bucket}/src")
        assert (again.status, again.body) == (200, b"0123456789")
    finally:
        conn.close()
    # A well-formed range still copies, and one past the end is InvalidRange as before.
    part = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1,
                               CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=2-5")
    assert part["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(b"2345").hexdigest()
    e = client_error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=upload, PartNumber=2,
                     CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=5-10")
    assert code(e) == ("InvalidRange", 416)
    s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)


def test_uncaught_exceptions_are_a_metric(silt):
    c = http.client.HTTPConnection("127.0.0.1", silt.port, timeout=10)
    c.request("GET", "/_silt/metrics")
    text = c.getresponse().read().decode()
    c.close()
    assert "# TYPE silt_uncaught_exceptions_total counter" in text
    for where in ("request", "session", "accept"):
        assert f'silt_uncaught_exceptions_total{{where="{where}"}} 0\n' in text, text[-2000:]


# --- files on disk -----------------------------------------------------------------------

def test_files_and_directories_are_for_silts_user_alone(silt, s3, bucket):
    s3.put_object(Bucket=bucket, Key="small", Body=b"x" * 1000)
    s3.put_object(Bucket=bucket, Key="dir/large", Body=os.urandom(3 << 20))
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mpu", UploadId=upload, PartNumber=1, Body=b"p" * 100)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mpu", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert put_lifecycle(silt, bucket, lifecycle_doc(b"modes")).status == 200
    ok(silt.admin("user", "add", "mode-check-user"))  # writes users.json
    files = dirs = 0
    loose = []
    for root, dirnames, filenames in os.walk(silt.data_dir):
        for name in [root] + [os.path.join(root, d) for d in dirnames]:
            dirs += 1
            if stat.S_IMODE(os.lstat(name).st_mode) & 0o077:
                loose.append((name, oct(stat.S_IMODE(os.lstat(name).st_mode))))
        for f in filenames:
            path = os.path.join(root, f)
            files += 1
            if stat.S_IMODE(os.lstat(path).st_mode) & 0o077:
                loose.append((path, oct(stat.S_IMODE(os.lstat(path).st_mode))))
    assert files > 30 and dirs > 20, (files, dirs)  # shards, meta.json, LevelDB, users.json, sys/
    assert (silt.data_dir / "users.json").exists()
    assert not loose, loose[:20]


# --- the console's sign-in throttle ---------------------------------------------------------

def login(silt, key, secret, source="127.0.0.1"):
    status, headers, body = console_call(silt, "POST", "/_silt/console/api/login",
                                         json.dumps({"accessKey": key, "secretKey": secret}),
                                         {"Content-Type": "application/json"}, source=source)
    return status, headers, json.loads(body)


def test_console_failures_never_lock_out_a_correct_secret(silt):
    admin, secret = silt.access_key, silt.secret_key
    # Ten wrong guesses from one address, at once: all counted, all answered 401.
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        wrong = list(pool.map(lambda i: login(silt, admin, f"wrong-guess-{i:04d}")[0], range(10)))
    assert wrong == [401] * 10
    status, _, body = login(silt, admin, "wrong-guess-more")
    assert (status, body["error"]) == (429, "TooManyAttempts")
    # The real admin elsewhere is not slowed at all ...
    started = time.monotonic()
    status, headers, body = login(silt, admin, secret, source="127.0.0.2")
    assert status == 200 and body["user"] == admin and "silt_console=" in headers["Set-Cookie"], body
    assert time.monotonic() - started < 0.9
    # ... and from the guessing address a correct secret still signs in, once its turn comes.
    status, headers, body = login(silt, admin, secret)
    assert status == 200 and "silt_console=" in headers["Set-Cookie"], body
    # Which started that pair over: a wrong secret is a plain 401 again.
    assert login(silt, admin, "wrong-guess-after")[0] == 401
    assert silt.health("live") == 200
