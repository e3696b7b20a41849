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
import re
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


# --- keys holding U+0000 ------------------------------------------------------------------

def test_a_key_with_nul_is_refused_and_listings_stay_whole(silt, s3, bucket):
    # Each on its own connection: a refused PUT's unread body ends its connection.
    for key in ("a\x00b", "\x00", "dir/x\x00.txt"):
        r = silt.request("PUT", bucket, key, body=b"nul")
        assert_s3_error(r, 400, "InvalidURI")
    r = silt.request("POST", bucket, "a\x00b", params=[("uploads", None)])
    assert_s3_error(r, 400, "InvalidURI")
    assert silt.request("PUT", bucket, "plain", body=b"still serving").status == 200
    # Without encoding-type, as the oldest clients list: no key cut at a NUL.
    listing = silt.request("GET", bucket, params=[("list-type", "2")])
    assert listing.status == 200 and keys_of(listing.body) == ["plain"], listing


def test_delete_objects_never_reads_a_key_cut_at_a_nul(silt, s3, bucket):
    # pugixml decodes &#0; into a NUL that ends its C string: "a&#0;b" used to delete "a".
    s3.put_object(Bucket=bucket, Key="a", Body=b"keep me")
    for ref in ("&#0;", "&#x0;", "&#x00;"):
        body = f'<Delete><Object><Key>a{ref}b</Key></Object></Delete>'.encode()
        r = silt.request("POST", bucket, params=[("delete", None)], headers=md5_header(body), body=body)
        assert_s3_error(r, 400, "MalformedXML")
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"keep me"


# --- lifecycle names and the admin JSON ---------------------------------------------------

@pytest.mark.parametrize("doc", [
    lifecycle_doc(b"bad\xff\xfeid"),
    lifecycle_doc(b"latin1-\xe9t\xe9"),
    lifecycle_doc(b"ok-id", prefix=b"logs/\xc3"),
    lifecycle_doc(b"ok-id", prefix=b"logs/&#0;tail"),  # would have widened the rule to logs/
    lifecycle_doc(b"ok-id", tag=b"k\xff"),
    lifecycle_doc(b"ctl\x01id"),
], ids=["id-ff-fe", "id-latin1", "prefix-truncated", "prefix-nul-ref", "tag-key", "id-control"])
def test_lifecycle_names_must_be_utf8_that_xml_carries(silt, s3, bucket, doc):
    r = put_lifecycle(silt, bucket, doc)
    assert_s3_error(r, 400, "MalformedXML")
    e = client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert code(e) == ("NoSuchLifecycleConfiguration", 404)
    # UTF-8 names are fine, and the admin's status shows them.
    assert put_lifecycle(silt, bucket, lifecycle_doc("r\u00e8gle-\u65e5\u672c".encode())).status == 200
    status = json.loads(ok(silt.admin("--json", "lifecycle", "status")).stdout)
    ids = [r["id"] for b in status["buckets"] if b["bucket"] == bucket for r in b["rules"]]
    assert ids == ["r\u00e8gle-\u65e5\u672c"]


def test_admin_json_survives_a_non_utf8_rule_stored_by_an_older_silt(tmp_path):
    """An older silt stored such ids. Planted the way a rebuild reads them (the drives'
    config mirror), `silt admin lifecycle status` and the console's lifecycle panel,
    which threw an uncaught nlohmann exception on them, still answer."""
    server = SiltServer(tmp_path / "legacy")
    server.start()
    try:
        b = bucket_name("legacy")
        server.boto3().create_bucket(Bucket=b)
        assert put_lifecycle(server, b, lifecycle_doc(b"marker-id-0123")).status == 200
        assert server.stop() == 0
        planted = 0
        for drive in server.drives():
            mirror = drive / "sys" / "buckets" / b / "config" / "lifecycle"
            data = mirror.read_bytes()
            assert b"marker-id-0123" in data
            mirror.write_bytes(data.replace(b"marker-id-0123", b"bad\xff\xfe-id-01"))
            planted += 1
        assert planted == 6
        rebuilt = subprocess.run([str(silt_binary()), "admin", "rebuild-index", "--data", str(server.data_dir)],
                                 capture_output=True, text=True, timeout=120)
        assert rebuilt.returncode == 0, rebuilt.stderr
        server.start()
        r = server.admin("lifecycle", "status")
        assert r.returncode == 0, r.stderr
        ok(server.admin("--json", "lifecycle", "status"))
        status, headers, body = console_call(server, "POST", "/_silt/console/api/login",
                                             json.dumps({"accessKey": server.access_key,
                                                         "secretKey": server.secret_key}),
                                             {"Content-Type": "application/json"})
        assert status == 200, body
        cookie = headers["Set-Cookie"].split(";")[0]
        status, _, body = console_call(server, "GET", "/_silt/console/api/lifecycle", headers={"Cookie": cookie})
        assert status == 200, body
        json.loads(body)
        assert server.health("live") == 200
    finally:
        server.stop()


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


# --- the root password -----------------------------------------------------------------------

@pytest.mark.parametrize("user_var,password_var", [("SILT_ROOT_USER", "SILT_ROOT_PASSWORD"),
                                                   ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")])
def test_a_root_password_under_8_characters_stops_silt(tmp_path, user_var, password_var):
    env = {k: v for k, v in os.environ.items() if "ROOT_" not in k and not k.startswith("MINIO_")}
    env.update({user_var: "admin", password_var: "seven77", "SILT_CERTS_DIR": ""})
    data = tmp_path / "data"
    r = subprocess.run([str(silt_binary()), "server", "--data", str(data), "--address", f"127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, env=env, timeout=20)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"{password_var} must be at least 8 characters long (it has 7)" in r.stderr, r.stderr
    assert not data.exists()  # refused before anything was created


def test_a_root_password_of_8_characters_is_enough(tmp_path):
    server = SiltServer(tmp_path / "eight")
    server.secret_key = "8-chars!"
    server.start()
    try:
        assert server.boto3().list_buckets()["Buckets"] == []
    finally:
        assert server.stop() == 0


# --- silt admin user add / remove -----------------------------------------------------------

def test_user_add_refuses_a_secret_in_argv_and_reads_stdin(silt):
    r = silt.admin("user", "add", "argv-user", "argv-secret-0123")
    assert r.returncode != 0
    assert "ps" in r.stderr and "--secret-stdin" in r.stderr, r.stderr
    assert "argv-secret-0123" not in r.stderr + r.stdout
    users = [u["accessKey"] for u in json.loads(ok(silt.admin("--json", "user", "list")).stdout)["users"]]
    assert "argv-user" not in users
    out = ok(silt.admin("user", "add", "stdin-user", "--secret-stdin", input="stdin-secret-0123\n")).stdout
    # The canonical id and display name follow since issue 19 item 4 (test_acl_grants.py).
    lines = out.splitlines()
    assert lines[:2] == ["access key: stdin-user", "secret key: stdin-secret-0123"], out
    assert re.fullmatch(r"canonical id: [0-9a-f]{64}", lines[2]) and lines[3:] == ["display name: stdin-user"], out
    assert client(silt, "stdin-user", "stdin-secret-0123").list_buckets()["Buckets"] == []
    r = silt.admin("user", "add", "empty-user", "--secret-stdin", input="")
    assert r.returncode != 0 and "no secret" in r.stderr, r.stderr
    # The server still checks it.
    r = silt.admin("user", "add", "short-user", "--secret-stdin", input="short\n")
    assert r.returncode == 1 and "InvalidArgument" in r.stderr and "8 to 128" in r.stderr, r.stderr


def add_user(silt, name, secret):
    """Through the admin API itself, so this does not depend on how the CLI takes secrets."""
    r = silt.request("PUT", "_silt", "admin/v1/users", params=[("accessKey", name)],
                     body=json.dumps({"secretKey": secret}).encode())
    assert r.status == 200, r


def test_removing_a_user_who_owns_buckets(silt, s3):
    add_user(silt, "dora", "dora-secret-0123")
    add_user(silt, "eve", "eve-secret-01234")
    dora = client(silt, "dora", "dora-secret-0123")
    mine, kept = bucket_name("dora-mine"), bucket_name("dora-kept")
    for b in (mine, kept):
        dora.create_bucket(Bucket=b)
    dora.put_object(Bucket=mine, Key="diary", Body=b"dora's")
    # Refused while dora owns buckets, naming them; nothing changes.
    r = silt.admin("user", "remove", "dora")
    assert r.returncode == 1 and "DeleteConflict" in r.stderr and mine in r.stderr and kept in r.stderr, r.stderr
    assert sorted(b["Name"] for b in dora.list_buckets()["Buckets"]) == sorted([mine, kept])
    # The admin API answers 409 with an S3 error document.
    raw = silt.request("DELETE", "_silt", "admin/v1/users", params=[("accessKey", "dora")])
    assert_s3_error(raw, 409, "DeleteConflict")
    r = silt.admin("user", "remove", "dora", "--reassign-to", "nobody-here")
    assert r.returncode == 1 and "InvalidArgument" in r.stderr, r.stderr
    # Given to eve: dora is gone, eve holds both buckets and their objects.
    out = ok(silt.admin("user", "remove", "dora", "--reassign-to", "eve")).stdout
    assert out == "removed user dora; its buckets now belong to eve\n"
    assert code(client_error(dora.list_buckets)) == ("InvalidAccessKeyId", 403)
    eve = client(silt, "eve", "eve-secret-01234")
    assert sorted(b["Name"] for b in eve.list_buckets()["Buckets"]) == sorted([mine, kept])
    assert eve.get_object(Bucket=mine, Key="diary")["Body"].read() == b"dora's"
    # A new dora does not inherit anything.
    add_user(silt, "dora", "new-dora-secret-0")
    new_dora = client(silt, "dora", "new-dora-secret-0")
    assert new_dora.list_buckets()["Buckets"] == []
    assert code(client_error(new_dora.get_object, Bucket=mine, Key="diary")) == ("AccessDenied", 403)
    # To the admin: eve's buckets become the admin's.
    ok(silt.admin("user", "remove", "eve", "--reassign-to", silt.access_key))
    assert s3.get_object(Bucket=mine, Key="diary")["Body"].read() == b"dora's"
    assert code(client_error(new_dora.get_object, Bucket=kept, Key="x")) == ("AccessDenied", 403)
    # A user without buckets goes as before.
    ok(silt.admin("user", "remove", "dora"))
