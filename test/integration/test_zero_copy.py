"""Zero-copy GET bodies over plain http (server/http/zero_copy.h, erasure/shard_splice.h;
docs/performance.md, "GET path") on a real silt: verified blocks are spliced from the page
cache to the socket, and silt_zero_copy_sent_bytes_total proves which bytes went that way.
Whole and ranged GETs are byte-exact across block and stripe boundaries; a shard rotted
between two GETs is caught (the client gets rebuilt bytes, the repair follows); a drive
lost mid-body, a client closing mid-body and keep-alive after a spliced body all hold;
--no-zero-copy sends everything through buffers."""
import os
import re
import shutil
import socket
import urllib.request

import pytest

import s3raw
from fault_soak import data_files
from s3assert import wait_for
from silt_server import SiltServer, bucket_name
from test_healing import flip, shard_files

KiB, MiB = 1 << 10, 1 << 20
BLOCK = 256 * KiB  # the default layout: 1 MiB stripes over 4 data shards
FAST = ("--drive-check-interval", "0.3", "--scrub-interval", "0")


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    server = SiltServer(tmp_path_factory.mktemp("silt"))
    server.start(extra_args=FAST)
    yield server
    assert server.stop() == 0, server.log_tail()


def spliced(server):
    text = urllib.request.urlopen(f"http://127.0.0.1:{server.port}/_silt/metrics", timeout=30).read().decode()
    m = re.search(r"^silt_zero_copy_sent_bytes_total (\d+)", text, re.M)
    assert m, "no silt_zero_copy_sent_bytes_total"
    return int(m.group(1))


def new_object(s3, hint, size):
    b = bucket_name(hint)
    s3.create_bucket(Bucket=b)
    data = os.urandom(size)
    s3.put_object(Bucket=b, Key="k", Body=data)
    return b, data


def get(server, conn, bucket, headers=None):
    h = server.signer().sign("GET", s3raw.key_path(bucket, "k"), (), dict(headers or {}))
    return conn.request("GET", s3raw.key_path(bucket, "k"), h)


def test_whole_and_ranged_gets_are_spliced_byte_exact(silt, s3):
    size = 3 * MiB + 77  # three full stripes and a short one
    b, data = new_object(s3, "zc", size)
    ranges = [(0, 0), (BLOCK - 1, BLOCK), (BLOCK - 5, 3 * BLOCK + 5), (MiB - 3, MiB + 2),
              (MiB, 2 * MiB - 1), (5, 3 * MiB + 70), (3 * MiB, size - 1), (3 * MiB + 1, 3 * MiB + 1),
              (size - 1, size - 1)]
    before = spliced(silt)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
    expect = size
    for lo, hi in ranges:
        got = s3.get_object(Bucket=b, Key="k", Range=f"bytes={lo}-{hi}")["Body"].read()
        assert got == data[lo:hi + 1], (lo, hi)
        expect += hi - lo + 1
    got = s3.get_object(Bucket=b, Key="k", Range="bytes=-1000")["Body"].read()
    assert got == data[-1000:]
    expect += 1000
    # Every byte of these bodies went out by splice.
    assert spliced(silt) - before == expect


def test_keep_alive_after_a_spliced_body(silt, s3):
    b, data = new_object(s3, "zcka", 2 * MiB + 5)
    conn = silt.raw()
    try:
        before = spliced(silt)
        for lo, hi in [(None, None), (7, MiB + 9), (None, None)]:
            r = get(silt, conn, b, {"Range": f"bytes={lo}-{hi}"} if lo is not None else None)
            assert r.status == (206 if lo is not None else 200)
            assert r.body == (data[lo:hi + 1] if lo is not None else data)
        # A small request on the same connection after the spliced bodies.
        h = silt.signer().sign("HEAD", s3raw.key_path(b, "k"), ())
        r = conn.request("HEAD", s3raw.key_path(b, "k"), h)
        assert r.status == 200 and r.header("content-length") == str(len(data))
        assert spliced(silt) - before == 2 * len(data) + MiB + 3
    finally:
        conn.close()


def test_bitrot_between_two_gets_is_caught_and_rebuilt(silt, s3):
    b, data = new_object(s3, "zcrot", 3 * MiB + 77)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
    before_files = data_files(silt)
    shards = shard_files(silt, b, "k")
    assert len(shards) == 6
    # Data shard 1, stripe 1: object bytes [1 MiB + 256 KiB, 1 MiB + 512 KiB), already in the
    # page cache from the first GET (the write below changes the cached page itself).
    flip(shards[1], 32 + (BLOCK + 4) + 1000)
    assert data_files(silt) != before_files
    before = spliced(silt)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
    # The damaged stripe and what follows it went through the rebuilding buffer path.
    sent = spliced(silt) - before
    assert 0 < sent < len(data)
    # Detected: the version was queued and the healer mends the shard.
    wait_for("the repair", lambda: data_files(silt) == before_files)
    before = spliced(silt)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
    assert spliced(silt) - before == len(data)


def test_a_drive_lost_mid_body_and_after(tmp_path):
    server = SiltServer(tmp_path)
    server.start(extra_args=FAST)
    try:
        s3 = server.boto3()
        b, data = new_object(s3, "zcloss", 24 * MiB + 3)
        conn = server.raw()
        path = s3raw.key_path(b, "k")
        conn.send_head("GET", path, server.signer().sign("GET", path, ()))
        status, _, headers = conn.read_head()
        assert status == 200 and headers["content-length"] == str(len(data))
        first = conn._exact(MiB)
        # A data shard's drive goes away while the body is on its way.
        victim = server.drives()[0]
        victim.rename(victim.with_name("gone"))
        shutil.rmtree(victim.with_name("gone"))
        rest = conn._exact(len(data) - MiB)
        assert first + rest == data
        conn.close()
        # And after: stripes missing a data block are rebuilt from parity (buffer path).
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
        assert s3.get_object(Bucket=b, Key="k", Range="bytes=5-3000000")["Body"].read() == data[5:3000001]
    finally:
        assert server.stop() == 0, server.log_tail()


def test_a_client_closing_mid_body_leaves_silt_serving(silt, s3):
    b, data = new_object(s3, "zcclose", 32 * MiB)
    for _ in range(3):
        conn = silt.raw()
        # A small receive buffer, so the server meets a full socket and waits for room.
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        path = s3raw.key_path(b, "k")
        conn.send_head("GET", path, silt.signer().sign("GET", path, ()))
        assert conn.read_head()[0] == 200
        conn._exact(100 * KiB)
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()  # a reset in the middle of the body
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
    assert silt.alive()


def test_no_zero_copy_sends_through_buffers(tmp_path):
    server = SiltServer(tmp_path)
    server.start(extra_args=FAST + ("--no-zero-copy",))
    try:
        s3 = server.boto3()
        b, data = new_object(s3, "zcoff", 2 * MiB + 11)
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == data
        assert s3.get_object(Bucket=b, Key="k", Range="bytes=100-1500000")["Body"].read() == data[100:1500001]
        assert spliced(server) == 0
    finally:
        assert server.stop() == 0, server.log_tail()
