"""Bounded memory before and after authentication (issue 15, finding 2).

Each flood goes over raw sockets. silt must answer it with the S3 error named here
(the console: its JSON error), its resident memory (VmRSS of the server process,
sampled while the flood is sent) must stay within RSS_BOUND of what it was before,
and a normal signed request must be served during or after it. The module's silt
runs with small connection limits so the connection floods stay quick.
docs/security.md "Limits" lists every limit these tests reach.
"""
import hashlib
import os
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

import s3raw
from s3raw import key_path
from silt_server import silt_binary

MiB = 1 << 20
RSS_BOUND_KIB = 64 * 1024
FLOOD_BYTES = 128 * MiB          # per flood: twice the bound, so an unbounded buffer shows
TRAILER_FLOOD_BYTES = 250 * MiB  # the authenticated aws-chunked case
MAX_CONNECTIONS, MAX_PER_IP = 300, 250
LIMIT_ARGS = ("--max-connections", str(MAX_CONNECTIONS), "--max-connections-per-ip", str(MAX_PER_IP))


@pytest.fixture(scope="module")
def silt(silt):
    """conftest's silt, restarted with small connection limits when the binary has them
    (a build without them still runs every test, and the connection tests fail)."""
    out = subprocess.run([str(silt_binary()), "server", "--help"], capture_output=True, text=True,
                         timeout=10).stdout
    if "--max-connections-per-ip" in out:
        assert silt.stop() == 0
        silt.start(extra_args=LIMIT_ARGS)
    return silt


# --- helpers ---------------------------------------------------------------------------

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RssPeak:
    """Samples the server's VmRSS every 10 ms from start to stop(); growth() is the peak
    over the value at start."""

    def __init__(self, pid):
        self.pid = pid
        self.start = self.peak = rss_kib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except (OSError, AssertionError):
                return
            time.sleep(0.01)

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib(self.pid))
        return self.growth()

    def growth(self):
        return self.peak - self.start


def signed(silt, method, path, params=(), headers=None, body=b"", payload=None):
    h = silt.signer().sign(method, path, list(params), headers or {},
                           payload or hashlib.sha256(body).hexdigest())
    if body or method in ("PUT", "POST"):
        h["Content-Length"] = str(len(body))
    target = path + ("?" + s3raw.encode_query(params) if params else "")
    return method, target, h, body


def head_bytes(method, target, headers):
    return (f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n").encode()


def still_serving(silt, bucket, source=None):
    """A normal signed PUT and GET, each on a fresh connection (from source when given)."""
    body = os.urandom(1000)
    for method, want in (("PUT", b""), ("GET", body)):
        conn = silt.raw(timeout=20, source=source)
        try:
            r = conn.request(*signed(silt, method, key_path(bucket, "canary"), body=body if method == "PUT" else b""))
        finally:
            conn.close()
        assert r.status == 200, r
        if want:
            assert r.body == want
    assert silt.alive()


def assert_s3_error(resp, status, code):
    assert resp is not None, "silt sent no response"
    assert resp.status == status, resp
    root = ET.fromstring(resp.body)
    assert root.tag == "Error" and root.findtext("Code") == code, resp.text
    assert root.findtext("RequestId"), resp.text
    return root


def flood(silt, head, first, filler, total, method="PUT", source=None):
    """Sends head + first, then filler again and again up to total bytes while another
    thread reads silt's answer; stops early once the answer is in or silt stops reading.
    Returns (response or None, bytes of filler sent, RSS growth in KiB at its peak)."""
    conn = silt.raw(timeout=60, source=source)
    answer = {}

    def read():
        try:
            answer["resp"] = conn.read_response(method)
        except (ConnectionError, OSError, ValueError):
            answer["resp"] = None

    reader = threading.Thread(target=read, daemon=True)
    peak = RssPeak(silt.proc.pid)
    reader.start()
    sent = 0
    try:
        conn.send(head + first)
        while sent < total and reader.is_alive():
            conn.sock.sendall(filler)
            sent += len(filler)
    except OSError:
        pass  # silt stopped reading and closed: its answer is in already
    reader.join(timeout=10)
    growth = peak.stop()
    conn.close()
    reader.join(timeout=5)
    print(f"flood {head.split(b' ')[1][:40]!r}: sent {sent >> 20} MiB, RSS +{growth} KiB")
    return answer.get("resp"), sent, growth


# --- endless lines in a Transfer-Encoding: chunked body, before authentication ---------

BOUNDARY = "silt-flood-boundary"
ENDLESS = {
    # a chunk-size line of hex digits that never ends
    "chunk-size": (b"", b"1" * MiB),
    # a chunk extension that never ends
    "extension": (b"5;", b"e" * MiB),
    # after the last chunk, trailer fields that never end
    "trailer": (b"0\r\n", b"x-flood: v\r\n" * (MiB // 12)),
}


def chunked_head(silt, bucket, target):
    if target == "console":
        return head_bytes("POST", "/_silt/console/api/login", {
            "Host": silt.host, "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    if target == "post-form":
        return head_bytes("POST", f"/{bucket}", {
            "Host": silt.host, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Transfer-Encoding": "chunked"})
    m, t, h, _ = signed(silt, "PUT", key_path(bucket, "flood"), payload=s3raw.UNSIGNED)
    del h["Content-Length"]
    h["Transfer-Encoding"] = "chunked"
    return head_bytes(m, t, h)


@pytest.mark.parametrize("kind", list(ENDLESS))
@pytest.mark.parametrize("target", ["console", "post-form", "put"])
def test_endless_chunked_line(silt, bucket, target, kind):
    """The console sign-in and a POST form upload are anonymous; the PUT is signed
    (UNSIGNED-PAYLOAD). Each gets its answer once 64 KiB of the line arrived."""
    first, filler = ENDLESS[kind]
    resp, sent, growth = flood(silt, chunked_head(silt, bucket, target), first, filler, FLOOD_BYTES,
                               method="POST" if target != "put" else "PUT")
    assert resp is not None, f"no answer after {sent >> 20} MiB (RSS +{growth >> 10} MiB)"
    if target == "console":
        assert resp.status == 400, resp
        assert resp.header("content-type") == "application/json"
        assert b'"error":"BadRequest"' in resp.body and b"64 KiB" in resp.body, resp
    else:
        root = assert_s3_error(resp, 400, "InvalidRequest")
        assert "64 KiB" in root.findtext("Message")
    assert resp.header("connection") == "close"
    assert sent < FLOOD_BYTES, "silt read the whole flood"
    assert growth < RSS_BOUND_KIB, f"RSS grew by {growth} KiB"
    assert silt.proc.poll() is None
    if target == "put":
        assert silt.request("HEAD", bucket, "flood").status == 404
    still_serving(silt, bucket)


def send_in_pieces(silt, head, pieces, method):
    """head, then each piece in its own TCP segment 0.2 s apart; silt's answer or None."""
    conn = silt.raw(timeout=20)
    try:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.send(head)
        for piece in pieces:
            time.sleep(0.2)
            conn.send(piece)
        return conn.read_response(method)
    except OSError:
        return None
    finally:
        conn.close()


def test_empty_chunked_body_arriving_in_pieces(silt, bucket):
    """Found by fuzz_request_parser: Beast 1.81 asserts, aborting silt, when an empty
    chunked body's "0\r\n" arrives alone and the next parse sees 4 bytes. Anonymous,
    to the console sign-in; then a signed empty PUT sent the same way."""
    head = chunked_head(silt, bucket, "console")
    r = send_in_pieces(silt, head, [b"0\r\n", b"x", b": y\r\n", b"\r\n"], "POST")
    assert r is not None and r.status == 400, r
    assert b'"error":"BadRequest"' in r.body
    assert silt.proc.poll() is None, "silt died"
    r = send_in_pieces(silt, chunked_head(silt, bucket, "put"), [b"0\r\n", b"\r", b"\n"], "PUT")
    assert r is not None and r.status == 200, r
    assert silt.request("GET", bucket, "flood").body == b""
    still_serving(silt, bucket)


def test_too_many_trailer_fields_after_chunked_body(silt, bucket):
    """Short HTTP trailer fields, well within 64 KiB, but more than 8 of them."""
    m, t, h, _ = signed(silt, "PUT", key_path(bucket, "trailers"), payload=s3raw.UNSIGNED)
    del h["Content-Length"]
    h["Transfer-Encoding"] = "chunked"
    body = b"5\r\nhello\r\n0\r\n" + b"".join(b"x-t%d: v\r\n" % i for i in range(9)) + b"\r\n"
    conn = silt.raw(timeout=20)
    try:
        r = conn.request(m, t, h, body)
    finally:
        conn.close()
    root = assert_s3_error(r, 400, "InvalidRequest")
    assert "more than 8 trailer fields" in root.findtext("Message")
    assert silt.request("HEAD", bucket, "trailers").status == 404
    # 8 are still fine.
    body = b"5\r\nhello\r\n0\r\n" + b"".join(b"x-t%d: v\r\n" % i for i in range(8)) + b"\r\n"
    m, t, h, _ = signed(silt, "PUT", key_path(bucket, "trailers"), payload=s3raw.UNSIGNED)
    del h["Content-Length"]
    h["Transfer-Encoding"] = "chunked"
    conn = silt.raw(timeout=20)
    try:
        r = conn.request(m, t, h, body)
    finally:
        conn.close()
    assert r.status == 200, r
    assert silt.request("GET", bucket, "trailers").body == b"hello"
    still_serving(silt, bucket)


# --- header fields -------------------------------------------------------------------

def test_too_many_header_fields(silt, bucket):
    """200 fields per request head at most; the 64 KiB head limit stays as it was."""
    assert silt.request("PUT", bucket, "k", body=b"x").status == 200

    def get_with(extra):
        m, t, h, _ = signed(silt, "GET", key_path(bucket, "k"))
        h.update({f"X-Extra-{i}": str(i) for i in range(extra)})
        conn = silt.raw(timeout=20)
        try:
            return conn.request(m, t, h)
        finally:
            conn.close()

    within = 200 - 4 - 10  # the signed request's own fields (Host, x-amz-*, Authorization), with room
    r = get_with(within)
    assert r.status == 200 and r.body == b"x", r
    r = get_with(201)
    root = assert_s3_error(r, 400, "RequestHeaderSectionTooLarge")
    assert "200 header fields" in root.findtext("Message")
    assert r.header("connection") == "close"
    still_serving(silt, bucket)


# --- POST Object before authentication -------------------------------------------------

def post_head(silt, bucket, length):
    return head_bytes("POST", f"/{bucket}", {
        "Host": silt.host, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(length)})


def test_200_concurrent_unauthenticated_posts(silt, bucket):
    """200 anonymous form uploads that sent their head and the start of a field, then wait:
    before the form is authenticated each may cost silt only small buffers."""
    start = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/".encode()
    peak = RssPeak(silt.proc.pid)
    socks = []
    try:
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", silt.port), timeout=10)
            s.sendall(post_head(silt, bucket, 10 * MiB) + start)
            socks.append(s)
        time.sleep(1.5)  # each session reads its head and the field's first bytes
        # Served meanwhile, from another address (this one holds 200 of its 250).
        still_serving(silt, bucket, source="127.0.0.2")
        growth = peak.stop()
        print(f"200 unauthenticated POSTs: RSS +{growth} KiB ({growth // 200} KiB each)")
        assert growth < 16 * 1024, f"RSS grew by {growth} KiB for 200 connections"
        # None of them was answered or dropped: they are waiting for their bodies.
        for s in socks:
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(1)
    finally:
        for s in socks:
            s.close()
    still_serving(silt, bucket)


def test_form_fields_before_the_file_are_bounded_as_in_aws(silt, bucket):
    """MaxPostPreDataLengthBytes is 20480 at AWS, and so here: checked before the signature."""
    field = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x-amz-meta-big\"\r\n\r\n".encode()
    body = field + b"v" * (30 * 1024) + f"\r\n--{BOUNDARY}--\r\n".encode()
    conn = silt.raw(timeout=20)
    try:
        r = conn.request("POST", f"/{bucket}", {
            "Host": silt.host, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(len(body))}, body)
    finally:
        conn.close()
    root = assert_s3_error(r, 400, "MaxPostPreDataLengthExceeded")
    assert root.findtext("MaxPostPreDataLengthBytes") == "20480"
    still_serving(silt, bucket)


# --- aws-chunked trailers, after authentication -----------------------------------------

def aws_chunked_put(silt, bucket, key, declared, content_length):
    h = silt.signer().sign("PUT", key_path(bucket, key), [], {
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "5",
        "x-amz-trailer": declared}, s3raw.STREAMING_UNSIGNED_TRAILER)
    h["Content-Length"] = str(content_length)
    return head_bytes("PUT", key_path(bucket, key), h)


def test_aws_chunked_250_mib_of_trailer_lines(silt, bucket):
    """A signed upload whose trailer section goes on for 250 MiB of declared lines."""
    first = b"5\r\nhello\r\n0\r\n"
    filler = b"x-amz-checksum-crc32:AAAAAA==\r\n" * (MiB // 32)
    head = aws_chunked_put(silt, bucket, "trailers", "x-amz-checksum-crc32",
                           len(first) + TRAILER_FLOOD_BYTES + 2)
    resp, sent, growth = flood(silt, head, first, filler, TRAILER_FLOOD_BYTES)
    assert_s3_error(resp, 400, "MalformedTrailerError")
    assert sent < TRAILER_FLOOD_BYTES
    assert growth < RSS_BOUND_KIB, f"RSS grew by {growth} KiB"
    assert silt.request("HEAD", bucket, "trailers").status == 404
    still_serving(silt, bucket)


@pytest.mark.parametrize("trailers,declared", [
    ([("x-amz-checksum-sha256", "AAAA")], "x-amz-checksum-crc32"),
    ([("x-amz-checksum-crc32", "AAAAAA==")], ""),
    ([("x-amz-checksum-crc32", "AAAAAA=="), ("x-amz-checksum-crc32", "AAAAAA==")], "x-amz-checksum-crc32"),
    ([("x-amz-meta-evil", "1")], "x-amz-checksum-crc32"),
], ids=["another-checksum", "nothing-declared", "declared-twice", "metadata"])
def test_aws_chunked_trailer_not_declared(silt, bucket, trailers, declared):
    """Only the trailers x-amz-trailer names, each once (AWS: 400 MalformedTrailerError)."""
    body = s3raw.aws_chunked(b"hello", 5, trailers=trailers)
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "5"}
    if declared:
        headers["x-amz-trailer"] = declared
    h = silt.signer().sign("PUT", key_path(bucket, "t"), [], headers, s3raw.STREAMING_UNSIGNED_TRAILER)
    h["Content-Length"] = str(len(body))
    conn = silt.raw(timeout=20)
    try:
        r = conn.request("PUT", key_path(bucket, "t"), h, body)
    finally:
        conn.close()
    assert_s3_error(r, 400, "MalformedTrailerError")
    assert silt.request("HEAD", bucket, "t").status == 404
    still_serving(silt, bucket)


# --- connection limits ---------------------------------------------------------------

def open_connections(n, port, source):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


def split_refused(socks, wait=1.5):
    """(held, refused responses): a refused connection has its whole answer and a close
    waiting; a held one has nothing to read."""
    time.sleep(wait)
    held, refused = [], []
    for s in socks:
        s.setblocking(False)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except BlockingIOError:
            if not data:
                held.append(s)
                continue
        except ConnectionResetError:
            pass
        refused.append(data)
    return held, refused


def assert_slow_down(raw, flag):
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 "), raw[:200]
    assert b"\r\nConnection: close" in head, head
    root = ET.fromstring(body)
    assert root.findtext("Code") == "SlowDown", body
    assert flag in root.findtext("Message"), body
    assert root.findtext("RequestId")


def test_connection_flood_past_both_limits(silt, bucket):
    still_serving(silt, bucket)
    peak = RssPeak(silt.proc.pid)
    flood_socks = []
    try:
        # One address past its own limit: the excess is refused, other addresses are served.
        mine = open_connections(MAX_PER_IP + 20, silt.port, "127.0.0.3")
        flood_socks += mine
        held, refused = split_refused(mine)
        still_serving(silt, bucket, source="127.0.0.2")
        # Several addresses, each within its limit, past the total: refused too.
        others = []
        for i in range(4, 8):
            others += open_connections(40, silt.port, f"127.0.0.{i}")
        flood_socks += others
        held_o, refused_o = split_refused(others)
        # While the total is held, a newcomer is refused too.
        late = open_connections(1, silt.port, "127.0.0.9")
        flood_socks += late
        _, refused_late = split_refused(late, wait=0.5)
        growth = peak.stop()
        print(f"connection flood: {len(held) + len(held_o)} held, "
              f"{len(refused) + len(refused_o) + len(refused_late)} refused, RSS +{growth} KiB")

        assert len(held) == MAX_PER_IP and len(refused) == 20, (len(held), len(refused))
        for raw in refused:
            assert_slow_down(raw, "(--max-connections-per-ip)")
        assert len(refused_o) >= 160 - (MAX_CONNECTIONS - MAX_PER_IP), (len(held_o), len(refused_o))
        assert MAX_PER_IP + len(held_o) <= MAX_CONNECTIONS
        for raw in refused_o + refused_late:
            assert_slow_down(raw, "(--max-connections)")
        assert len(refused_late) == 1
        assert growth < RSS_BOUND_KIB
        assert silt.proc.poll() is None
    finally:
        for s in flood_socks:
            s.close()
    # The flood gone, silt serves everyone again.
    deadline = time.monotonic() + 10
    while True:
        try:
            still_serving(silt, bucket)
            break
        except (AssertionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
