"""Hostile input over a real socket (issue 5, item 6): oversized and too many
headers, keys that are not UTF-8, too long, or look like paths out of the drives,
bodies that lie about their length or stop early, slowloris heads and thousands of
connections from one address. Every case must get the right S3 error (status and XML Code)
or a closed connection, and silt must keep serving a normal request afterwards.
"""
import hashlib
import os
import pathlib
import resource
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

import s3raw
from s3raw import key_path
from silt_server import silt_binary

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _server_args():
    """Short timeouts when this silt has the options, so the slowloris case is quick."""
    try:
        out = subprocess.run([str(silt_binary()), "server", "--help"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    # 15 s idle: long enough to hold the connection flood while it is counted.
    return ("--idle-timeout", "15", "--io-timeout", "5") if "--idle-timeout" in out else ()


# The module's silt (conftest's fixture) inherits this process's descriptor limit;
# 10,000 connections need it above that on both sides.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _soft < min(_hard, 24_000):
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(_hard, 24_000), _hard))


@pytest.fixture(scope="module")
def silt(silt):
    """conftest's silt, restarted with the short timeouts when the binary has them."""
    args = _server_args()
    silt.timeouts = (15, 5) if args else (75, 120)
    if args:
        assert silt.stop() == 0
        silt.start(extra_args=args)
    return silt


def signed(silt, method, path, params=(), headers=None, body=b"", payload=None):
    h = silt.signer().sign(method, path, list(params), headers or {},
                           payload or hashlib.sha256(body).hexdigest())
    if body or method in ("PUT", "POST"):
        h["Content-Length"] = str(len(body))
    target = path + ("?" + s3raw.encode_query(params) if params else "")
    return method, target, h, body


def do(silt, method, path, params=(), headers=None, body=b"", source=None):
    conn = silt.raw(timeout=20, source=source)
    try:
        return conn.request(*signed(silt, method, path, params, headers, body))
    finally:
        conn.close()


def assert_error(resp, status, code):
    assert resp.status == status, resp
    root = ET.fromstring(resp.body)
    assert root.tag == "Error" and root.findtext("Code") == code, resp.text
    return root


def still_serving(silt, bucket, source=None):
    """A normal signed PUT and GET on a fresh connection (from source when given)."""
    body = os.urandom(1000)
    assert do(silt, "PUT", key_path(bucket, "canary"), body=body, source=source).status == 200
    r = do(silt, "GET", key_path(bucket, "canary"), source=source)
    assert r.status == 200 and r.body == body, r
    assert silt.alive()


def response_or_close(conn, method="GET"):
    """The next response on conn, or None when silt closed the connection instead."""
    try:
        return conn.read_response(method)
    except (ConnectionError, socket.timeout, OSError):
        return None


def raw_head(silt, head: bytes, timeout=10):
    """Sends raw bytes as a request head; returns the response or None (closed)."""
    conn = silt.raw(timeout=timeout)
    try:
        try:
            conn.send(head)
        except (BrokenPipeError, ConnectionResetError):
            return None
        return response_or_close(conn)
    finally:
        conn.close()


def error_or_closed(resp, status, code):
    if resp is not None:
        assert_error(resp, status, code)


def half_close(conn):
    """No more bytes from us; silt may have answered and closed already."""
    try:
        conn.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def listed_keys(silt, bucket):
    r = do(silt, "GET", key_path(bucket), [("list-type", "2"), ("encoding-type", "url")])
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    from urllib.parse import unquote
    return [unquote(k.text or "") for k in root.iter(f"{NS}Key")]


# --- oversized heads --------------------------------------------------------------

def test_header_of_100_kib(silt, bucket):
    m, t, h, _ = signed(silt, "GET", key_path(bucket, "k"))
    h["X-Padding"] = "p" * (100 * 1024)
    head = (f"{m} {t} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n").encode()
    r = raw_head(silt, head)
    error_or_closed(r, 400, "RequestHeaderSectionTooLarge")
    still_serving(silt, bucket)


def test_request_line_of_100_kib(silt, bucket):
    r = raw_head(silt, b"GET /" + b"a" * (100 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    error_or_closed(r, 400, "RequestHeaderSectionTooLarge")
    still_serving(silt, bucket)


def test_10000_headers_over_the_limit(silt, bucket):
    m, t, h, _ = signed(silt, "GET", key_path(bucket, "k"))
    lines = "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "".join(f"X-H{i}: {i}\r\n" for i in range(10_000))
    r = raw_head(silt, f"{m} {t} HTTP/1.1\r\n{lines}\r\n".encode())
    error_or_closed(r, 400, "RequestHeaderSectionTooLarge")
    still_serving(silt, bucket)


def test_10000_small_headers_past_the_field_limit(silt, bucket):
    # 10,000 repeated unsigned headers fit in the 64 KiB head, but a head may hold at
    # most 200 fields (issue 15): refused at once, without parsing the rest.
    do(silt, "PUT", key_path(bucket, "k"), body=b"x")
    m, t, h, _ = signed(silt, "GET", key_path(bucket, "k"))
    lines = "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "a: b\r\n" * 10_000
    conn = silt.raw(timeout=20)
    try:
        started = time.monotonic()
        conn.send(f"{m} {t} HTTP/1.1\r\n{lines}\r\n".encode())
        assert_error(conn.read_response(), 400, "RequestHeaderSectionTooLarge")
        assert time.monotonic() - started < 5
    finally:
        conn.close()
    still_serving(silt, bucket)


@pytest.mark.parametrize("line", [
    b"GET /\x00 HTTP/1.1", b"\xff\xfe / HTTP/1.1", b"GET / HTTP/9.9", b"GET", b"GET / HTTP/1.1 extra"])
def test_garbage_request_lines(silt, bucket, line):
    r = raw_head(silt, line + b"\r\nHost: x\r\n\r\n")
    if r is not None:
        assert r.status == 400, r
    still_serving(silt, bucket)


def test_header_without_colon_and_bare_cr(silt, bucket):
    for head in (b"GET / HTTP/1.1\r\nHost x\r\n\r\n", b"GET / HTTP/1.1\rHost: x\r\n\r\n",
                 b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n"):
        r = raw_head(silt, head)
        if r is not None:
            assert r.status == 400, r
    still_serving(silt, bucket)


# --- keys -------------------------------------------------------------------------

@pytest.mark.parametrize("raw_key", ["%FF%FE", "a%C3", "%C0%AF", "%ED%A0%80", "ok%80ok", "%F8%88%80%80%80"])
def test_key_not_utf8(silt, bucket, raw_key):
    path = f"/{bucket}/{raw_key}"
    for method, body in (("PUT", b"data"), ("GET", b""), ("DELETE", b"")):
        assert_error(do(silt, method, path, body=body), 400, "InvalidURI")
    conn = silt.raw(timeout=10)
    try:
        m, t, h, _ = signed(silt, "HEAD", path)
        conn.send_head(m, t, h)
        assert conn.read_response("HEAD").status == 400
    finally:
        conn.close()
    # Nothing was stored, and the listing stays valid XML (UTF-8 as it declares).
    r = do(silt, "GET", key_path(bucket), [("list-type", "2")])
    assert r.status == 200
    r.body.decode("utf-8")
    assert ET.fromstring(r.body).findtext(f"{NS}KeyCount") in ("0", "1")
    still_serving(silt, bucket)


def test_post_object_key_not_utf8(silt, s3, bucket):
    import requests
    post = s3.generate_presigned_post(bucket, "${filename}", ExpiresIn=600)
    fields = dict(post["fields"])
    fields["key"] = b"bad\xff\xfe"
    r = requests.post(post["url"], data=fields, files={"file": ("f", b"data")}, timeout=30)
    assert r.status_code == 400, r.text
    assert ET.fromstring(r.content).findtext("Code") == "InvalidArgument", r.text
    r = do(silt, "GET", key_path(bucket), [("list-type", "2")])
    assert ET.fromstring(r.body).find(f"{NS}Contents") is None, r.text
    still_serving(silt, bucket)


def test_valid_utf8_key_is_fine(silt, bucket):
    key = "déjà/vu/日本語/🙂"
    assert do(silt, "PUT", key_path(bucket, key), body=b"u").status == 200
    assert key in listed_keys(silt, bucket)


def test_key_length_limit(silt, bucket):
    ok = "k" * 1024
    assert do(silt, "PUT", key_path(bucket, ok), body=b"1").status == 200
    assert do(silt, "GET", key_path(bucket, ok)).body == b"1"
    assert_error(do(silt, "PUT", key_path(bucket, "k" * 1025), body=b"1"), 400, "KeyTooLongError")
    # 1024 bytes is the limit in UTF-8 bytes, not characters.
    assert_error(do(silt, "PUT", key_path(bucket, "é" * 513), body=b"1"), 400, "KeyTooLongError")
    assert_error(do(silt, "GET", key_path(bucket, "k" * 5000)), 400, "KeyTooLongError")
    # A 100 KiB key would exceed the head limit first: error or close, never a crash.
    r = raw_head(silt, b"GET /" + bucket.encode() + b"/" + b"k" * (100 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    error_or_closed(r, 400, "RequestHeaderSectionTooLarge")
    still_serving(silt, bucket)


def _all_files(root: pathlib.Path):
    return {p for p in root.rglob("*") if p.is_file()}


def test_path_like_keys_stay_inside_the_drives(silt, bucket, tmp_path):
    marker = "silt-escape-" + os.urandom(4).hex()
    outside = [silt.workdir, silt.workdir.parent, pathlib.Path("/tmp")]
    before = {d: _all_files(d) - _all_files(silt.data_dir) for d in outside[:1]}
    keys = [f"../{marker}", f"../../{marker}", f"../../../../../../../../tmp/{marker}",
            f"/tmp/{marker}", f"//tmp/{marker}", f"./{marker}", f"a/../../{marker}",
            f"..\\..\\{marker}", f"{marker}/..", "..", ".", "../", f"%2e%2e/{marker}"]
    for i, key in enumerate(keys):
        body = f"{i}:{key}".encode()
        r = do(silt, "PUT", key_path(bucket, key), body=body)
        assert r.status == 200, (key, r)
        r = do(silt, "GET", key_path(bucket, key))
        assert r.status == 200 and r.body == body, (key, r)
    # The same keys unencoded on the wire: '..' segments reach silt as sent.
    for i, key in enumerate([f"../{marker}-raw", f"../../../tmp/{marker}-raw"]):
        body = f"raw{i}".encode()
        path = f"/{bucket}/{key}"
        assert do(silt, "PUT", path, body=body).status == 200
        assert do(silt, "GET", path).body == body
        keys.append(key)
    assert sorted(listed_keys(silt, bucket)) == sorted(keys)
    # No file named after a key anywhere near the drives, and no new file outside them.
    for d in outside:
        hits = [p for p in d.rglob(f"*{marker}*")] if d != pathlib.Path("/tmp") else \
            [p for p in d.glob(f"*{marker}*")]
        assert hits == [], hits
    for d, files in before.items():
        now = _all_files(d) - _all_files(silt.data_dir)
        new = {p for p in now - files if p != silt.log_path}
        assert new == set(), new
    # Bucket names that look like paths are refused, never created.
    for name in ("..", ".", "%2e%2e", "a..b", "-x-", "UPPER", "a" * 64, "192.168.1.1"):
        r = do(silt, "PUT", f"/{name}")
        assert_error(r, 400, "InvalidBucketName")
    still_serving(silt, bucket)


def test_tags_that_cannot_round_trip(silt, bucket):
    """Found by fuzz_xml_tagging: a tag with %00 or a non-UTF-8 byte was stored, then
    written back cut short at the NUL or as invalid XML. Now InvalidTag, both ways in."""
    path = key_path(bucket, "tagged")
    for header in ("a%00b=1", "k=%FF", "%C3=v", "k=a%0Ab"):
        r = do(silt, "PUT", path, headers={"x-amz-tagging": header}, body=b"t")
        assert_error(r, 400, "InvalidTag")
    assert do(silt, "PUT", path, body=b"t").status == 200
    for key, value in ((b"a&#x1;b", b"v"), (b"k", b"\xff\xfe")):
        doc = (b"<Tagging><TagSet><Tag><Key>" + key + b"</Key><Value>" + value +
               b"</Value></Tag></TagSet></Tagging>")
        r = do(silt, "PUT", path, [("tagging", "")], body=doc)
        assert r.status == 400 and r.error_code() in ("InvalidTag", "MalformedXML"), r
    r = do(silt, "GET", path, [("tagging", "")])
    assert r.status == 200 and ET.fromstring(r.body).find(f"{NS}TagSet/{NS}Tag") is None, r
    still_serving(silt, bucket)


def test_whitespace_only_keys_and_tags_survive_xml(silt, s3, bucket):
    """Found by fuzz_xml_tagging: pugixml drops whitespace-only text by default, so a
    tag value "  " became "" and DeleteObjects could not name the key " "."""
    s3.put_object(Bucket=bucket, Key=" ", Body=b"space")
    s3.put_object_tagging(Bucket=bucket, Key=" ", Tagging={"TagSet": [{"Key": "k", "Value": "  "}]})
    tags = s3.get_object_tagging(Bucket=bucket, Key=" ")["TagSet"]
    assert tags == [{"Key": "k", "Value": "  "}]
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": " "}]})
    assert [d["Key"] for d in out.get("Deleted", [])] == [" "], out
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# --- bodies that lie ----------------------------------------------------------------

def test_content_length_shorter_than_body(silt, bucket):
    body = b"0123456789"
    path = key_path(bucket, "short")
    m, t, h, _ = signed(silt, "PUT", path, payload=s3raw.UNSIGNED)
    h["Content-Length"] = "5"
    conn = silt.raw(timeout=10)
    try:
        conn.send_head(m, t, h)
        conn.send(body)
        r = conn.read_response("PUT")
        assert r.status == 200, r
        # The 5 extra bytes are the start of the next "request" on this connection.
        m2, t2, h2, _ = signed(silt, "GET", path)
        try:
            conn.send_head(m2, t2, h2)
        except OSError:
            pass
        # silt sees "56789GET ..." (a method it cannot route, with a signature that
        # does not match): any S3 error answer, or a closed connection, is right.
        r2 = response_or_close(conn)
        if r2 is not None:
            assert 400 <= r2.status < 500 and r2.error_code(), r2
    finally:
        conn.close()
    assert do(silt, "GET", path).body == body[:5]
    # With a hash over the 10 bytes, the 5 silt reads do not match it.
    m, t, h, _ = signed(silt, "PUT", key_path(bucket, "short2"), body=body)
    h["Content-Length"] = "5"
    conn = silt.raw(timeout=10)
    try:
        conn.send_head(m, t, h)
        conn.send(body)
        assert_error(conn.read_response("PUT"), 400, "XAmzContentSHA256Mismatch")
    finally:
        conn.close()
    assert do(silt, "HEAD", key_path(bucket, "short2")).status == 404
    still_serving(silt, bucket)


def test_content_length_longer_than_body(silt, bucket):
    path = key_path(bucket, "long")
    m, t, h, _ = signed(silt, "PUT", path, payload=s3raw.UNSIGNED)
    h["Content-Length"] = "100000"
    conn = silt.raw(timeout=10)
    try:
        conn.send_head(m, t, h)
        conn.send(b"x" * 1000)
        half_close(conn)
        error_or_closed(response_or_close(conn, "PUT"), 400, "IncompleteBody")
    finally:
        conn.close()
    assert do(silt, "HEAD", path).status == 404
    still_serving(silt, bucket)


def test_content_length_not_a_number(silt, bucket):
    for value in ("abc", "-1", "1e3", "99999999999999999999999", "5, 6"):
        m, t, h, _ = signed(silt, "PUT", key_path(bucket, "cl"), payload=s3raw.UNSIGNED)
        h["Content-Length"] = value
        head = (f"{m} {t} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\nxxxxx").encode()
        r = raw_head(silt, head)
        if r is not None:
            assert r.status == 400, (value, r)
    assert do(silt, "HEAD", key_path(bucket, "cl")).status == 404
    still_serving(silt, bucket)


def test_truncated_transfer_encoding_chunked(silt, bucket):
    cases = {
        "mid-chunk": b"400\r\n" + b"a" * 100,
        "no-final-chunk": s3raw.te_chunked(b"b" * 5000, 1000)[:-5],
        "bad-size": b"zz\r\nabc\r\n0\r\n\r\n",
        "huge-size": b"ffffffffffffffffff\r\nabc",
    }
    for name, body in cases.items():
        path = key_path(bucket, f"te-{name}")
        m, t, h, _ = signed(silt, "PUT", path, payload=s3raw.UNSIGNED)
        del h["Content-Length"]
        h["Transfer-Encoding"] = "chunked"
        conn = silt.raw(timeout=10)
        try:
            conn.send_head(m, t, h)
            conn.send(body)
            half_close(conn)
            error_or_closed(response_or_close(conn, "PUT"), 400, "IncompleteBody")
        finally:
            conn.close()
        assert do(silt, "HEAD", path).status == 404, name
    still_serving(silt, bucket)


def test_transfer_encoding_with_content_length(silt, bucket):
    """Both framings at once (the request-smuggling shape): refused before the body."""
    path = key_path(bucket, "smuggle")
    m, t, h, _ = signed(silt, "PUT", path, payload=s3raw.UNSIGNED)
    h["Content-Length"] = "5"
    h["Transfer-Encoding"] = "chunked"
    head = (f"{m} {t} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n").encode()
    error_or_closed(raw_head(silt, head + b"0\r\n\r\n"), 400, "InvalidRequest")
    assert do(silt, "HEAD", path).status == 404
    still_serving(silt, bucket)


def test_truncated_aws_chunked(silt, bucket):
    data = os.urandom(70_000)
    for mode in (s3raw.STREAMING_SIGNED, s3raw.STREAMING_UNSIGNED_TRAILER):
        signer = silt.signer()
        for cut in ("content-length-matches", "connection-ends"):
            path = key_path(bucket, f"awsc-{cut}-{mode[:20]}")
            h = signer.sign("PUT", path, [], {"Content-Encoding": "aws-chunked",
                                              "x-amz-decoded-content-length": str(len(data))}, mode)
            full = s3raw.aws_chunked(data, 16384, signing=signer.last if mode == s3raw.STREAMING_SIGNED else None)
            sent = full[:len(full) // 2]
            h["Content-Length"] = str(len(sent) if cut == "content-length-matches" else len(full))
            conn = silt.raw(timeout=10)
            try:
                conn.send_head("PUT", path, h)
                conn.send(sent)
                if cut == "connection-ends":
                    half_close(conn)
                error_or_closed(response_or_close(conn, "PUT"), 400, "IncompleteBody")
            finally:
                conn.close()
            assert do(silt, "HEAD", path).status == 404, (mode, cut)
    still_serving(silt, bucket)


def test_aws_chunked_lies(silt, bucket):
    """Chunk sizes that disagree with the data and decoded lengths that disagree with both."""
    signer = silt.signer()
    data = b"z" * 1000
    cases = {
        "size-too-big": (b"fffffffffffffffff\r\n" + data + b"\r\n0\r\n\r\n", str(len(data))),
        "size-not-hex": (b"xyz\r\n" + data + b"\r\n0\r\n\r\n", str(len(data))),
        "decoded-length-short": (s3raw.aws_chunked(data, 500), "10"),
        "decoded-length-long": (s3raw.aws_chunked(data, 500), "5000"),
        "decoded-length-garbage": (s3raw.aws_chunked(data, 500), "-1"),
        "no-crlf-after-data": (b"3e8\r\n" + data + b"XX0\r\n\r\n", str(len(data))),
        "long-extension": (b"3e8;" + b"e" * 10000 + b"\r\n" + data + b"\r\n0\r\n\r\n", str(len(data))),
    }
    for name, (body, decoded) in cases.items():
        path = key_path(bucket, f"lie-{name}")
        h = signer.sign("PUT", path, [], {"Content-Encoding": "aws-chunked",
                                          "x-amz-decoded-content-length": decoded},
                        s3raw.STREAMING_UNSIGNED_TRAILER)
        h["Content-Length"] = str(len(body))
        conn = silt.raw(timeout=10)
        try:
            conn.send_head("PUT", path, h)
            conn.send(body)
            r = response_or_close(conn, "PUT")
        finally:
            conn.close()
        if r is not None:
            assert r.status == 400, (name, r)
            assert r.error_code() in ("IncompleteBody", "InvalidRequest", "InvalidArgument",
                                      "XAmzContentChecksumMismatch", "MissingContentLength"), (name, r)
        assert do(silt, "HEAD", path).status == 404, name
    still_serving(silt, bucket)


# --- slow and idle connections ------------------------------------------------------

def test_slowloris_head_is_cut_off(silt, bucket):
    """A head sent one line a second, never finished: silt's header deadline ends it
    with 400 RequestTimeout (or just closes), and serves others meanwhile."""
    idle, _ = silt.timeouts
    conn = silt.raw(timeout=idle + 30)
    try:
        conn.send(b"GET /" + bucket.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        ended_at = None
        while time.monotonic() - started < idle + 20:
            try:
                conn.send(b"X-Slow: 1\r\n")
            except OSError:
                ended_at = time.monotonic()
                break
            time.sleep(1)
            conn.sock.setblocking(False)
            try:
                conn.buf += conn.sock.recv(65536)
                ended_at = time.monotonic()  # an answer, or b"" for a close
                break
            except BlockingIOError:
                pass
            except OSError:
                ended_at = time.monotonic()
                break
            finally:
                conn.sock.setblocking(True)
            if int(time.monotonic() - started) % 5 == 0:
                still_serving(silt, bucket)
        assert ended_at is not None, "silt kept a dripping request head open"
        assert ended_at - started <= idle + 3
        if conn.buf:
            assert_error(conn.read_response(), 400, "RequestTimeout")
    finally:
        conn.close()
    still_serving(silt, bucket)


def test_idle_keepalive_connection_is_closed(silt, bucket):
    idle, _ = silt.timeouts
    conn = silt.raw(timeout=idle + 30)
    try:
        r = conn.request(*signed(silt, "GET", key_path(bucket)))
        assert r.status == 200
        started = time.monotonic()
        assert conn.sock.recv(1) == b""  # silt closes; nothing else arrives
        assert idle - 1 <= time.monotonic() - started <= idle + 3
    finally:
        conn.close()


def test_slow_body_is_cut_off(silt, bucket):
    """A body that stops arriving: silt answers RequestTimeout (or closes) after its I/O timeout."""
    _, io = silt.timeouts
    if io > 10:
        pytest.skip("this silt has no --io-timeout; the default 120 s is too long for the suite")
    path = key_path(bucket, "slow-body")
    m, t, h, _ = signed(silt, "PUT", path, payload=s3raw.UNSIGNED)
    h["Content-Length"] = "1000"
    conn = silt.raw(timeout=io + 20)
    try:
        conn.send_head(m, t, h)
        conn.send(b"x" * 10)
        started = time.monotonic()
        error_or_closed(response_or_close(conn, "PUT"), 400, "RequestTimeout")
        assert time.monotonic() - started <= io + 3
    finally:
        conn.close()
    assert do(silt, "HEAD", path).status == 404
    still_serving(silt, bucket)


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# silt's default --max-connections-per-ip.
DEFAULT_MAX_PER_IP = 1024


def test_10000_connections_from_one_address(silt, bucket):
    """10,000 connections from one address (issue 15): silt holds --max-connections-per-ip
    of them (default 1024), answers each of the others 503 SlowDown and closes it, keeps
    serving other addresses promptly, memory stays bounded, and silt lets the held ones go
    once they close."""
    want = 10_000
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit < want + 200:
        pytest.skip(f"descriptor limit {limit} is below {want + 200}")
    still_serving(silt, bucket)
    pid = silt.proc.pid
    rss_before = _rss_kib(pid)
    socks = []
    started = time.monotonic()
    try:
        for i in range(want):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", silt.port))
            socks.append(s)
            if i % 1000 == 999:
                time.sleep(0.05)
        time.sleep(1.5)
        assert time.monotonic() - started < 60
        # Refused connections have their whole answer and a close waiting; held ones nothing.
        held, refused = [], []
        for s in socks:
            data = b""
            try:
                while chunk := s.recv(65536):
                    data += chunk
            except OSError:  # BlockingIOError: nothing (yet); a reset after the answer
                pass
            if data:
                refused.append(data)
            else:
                held.append(s)
        assert len(held) <= DEFAULT_MAX_PER_IP, len(held)
        assert len(refused) >= want - DEFAULT_MAX_PER_IP, len(refused)
        for data in refused:
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503 "), data[:200]
            assert ET.fromstring(body).findtext("Code") == "SlowDown", body
        # Half of the held ones send a partial head, so silt holds a parser for those too.
        for s in held[::2]:
            try:
                s.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass
        # Accept still works: a client from another address is served promptly.
        t0 = time.monotonic()
        still_serving(silt, bucket, source="127.0.0.2")
        assert time.monotonic() - t0 < 5
        open_fds = len(os.listdir(f"/proc/{pid}/fd"))
        assert open_fds <= DEFAULT_MAX_PER_IP + 200, f"silt holds {open_fds} descriptors"
        rss_after = _rss_kib(pid)
        # Bounded: well under 20 KiB per connection tried.
        assert rss_after - rss_before < want * 20, (rss_before, rss_after)
        print(f"10,000 connections: {len(held)} held, {len(refused)} refused; RSS {rss_before} KiB -> "
              f"{rss_after} KiB, {open_fds} fds")
    finally:
        for s in socks:
            s.close()
    # Closed by the clients: silt lets go of them.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(os.listdir(f"/proc/{pid}/fd")) > 200:
        time.sleep(0.5)
    assert len(os.listdir(f"/proc/{pid}/fd")) <= 200
    still_serving(silt, bucket)


def test_idle_connections_released_by_timeout(silt, bucket):
    """Connections that never send anything are closed by silt itself."""
    idle, _ = silt.timeouts
    if idle > 20:
        pytest.skip("this silt has no --idle-timeout; the default 75 s is too long for the suite")
    socks = [socket.create_connection(("127.0.0.1", silt.port)) for _ in range(500)]
    try:
        time.sleep(idle + 2)
        closed = 0
        for s in socks:
            s.settimeout(2)
            try:
                if s.recv(1) == b"":
                    closed += 1
            except OSError:
                closed += 1
        assert closed == len(socks)
    finally:
        for s in socks:
            s.close()
    still_serving(silt, bucket)
