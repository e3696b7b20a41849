"""The GET path's session-thread reads (object/cached_read.h; docs/performance.md,
"GET path") on a real silt: a small GET first tries memory and the page cache on the
session thread. Objects whose segment pages are not cached are read from disk on the
blocking pool (right bytes, nothing queued for repair), and damage found on the session
thread still reaches the client rebuilt and the repair queue reaches the healer."""
import os
import re
import subprocess
import urllib.error
import urllib.request

import pytest

from s3assert import wait_for
from silt_server import SiltServer
from test_small_objects import flip, shard_places

SMALL = ("--inline-threshold", str(128 * 1024), "--drive-check-interval", "0.3", "--scrub-interval", "0")
SIZES = [1, 4096, 65536, 128 * 1024]


@pytest.fixture
def server(tmp_path):
    s = SiltServer(tmp_path)
    s.start(extra_args=SMALL)
    yield s
    assert s.stop() == 0, s.log_tail()


def segment_files(server):
    return [p for d in server.drives() for p in sorted((d / "segments").glob("*.seg"))]


def resident_bytes(paths):
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", *map(str, paths)],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(x) for x in out.split())


def evict(paths):
    """Drops the files' pages from the page cache (clean pages only, hence the sync)."""
    os.sync()
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def heal_counters(server):
    text = urllib.request.urlopen(f"http://127.0.0.1:{server.port}/_silt/metrics", timeout=30).read().decode()
    def value(name):
        m = re.search(rf"^{name} (\d+)", text, re.M)
        assert m, name
        return int(m.group(1))
    return value("silt_heal_backlog_versions"), value("silt_heal_queue_healed_total")


def test_small_gets_of_uncached_objects_read_from_disk_and_queue_no_repair(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="cold")
    bodies = {f"k{n}": os.urandom(n) for n in SIZES}
    for k, b in bodies.items():
        s3.put_object(Bucket="cold", Key=k, Body=b)
    segs = segment_files(server)
    assert segs
    evict(segs)
    # Without this the session thread would find every page and the disk path not run.
    assert resident_bytes(segs) == 0
    for k, b in bodies.items():
        assert s3.get_object(Bucket="cold", Key=k)["Body"].read() == b
        assert s3.head_object(Bucket="cold", Key=k)["ContentLength"] == len(b)
        assert s3.get_object(Bucket="cold", Key=k, Range="bytes=0-0")["Body"].read() == b[:1]
    # The pool's reads brought the pages back; a would-block is not damage.
    assert resident_bytes(segs) > 0
    assert heal_counters(server) == (0, 0)
    # Cold again, now many at once: every GET still gets its own bytes.
    evict(segs)
    for _ in range(3):
        for k, b in bodies.items():
            assert s3.get_object(Bucket="cold", Key=k)["Body"].read() == b
    assert heal_counters(server) == (0, 0)


def test_damage_found_on_the_session_thread_is_rebuilt_and_repaired(server):
    s3 = server.boto3()
    s3.create_bucket(Bucket="rot")
    data = os.urandom(50_000)
    s3.put_object(Bucket="rot", Key="k", Body=data)
    places = shard_places(server, "rot", "k")
    path0, at0 = places[0]
    flip(path0, at0 + 32 + 10)  # through the page cache: the session thread sees the bad block
    assert s3.get_object(Bucket="rot", Key="k")["Body"].read() == data
    # The read queued the version; the healer writes shard 0 to a new place.
    wait_for("the repair of shard 0", lambda: shard_places(server, "rot", "k")[0] != places[0])
    assert shard_places(server, "rot", "k")[1:] == places[1:]
    assert heal_counters(server)[1] == 1
    assert s3.get_object(Bucket="rot", Key="k")["Body"].read() == data


def test_bucket_policy_changes_apply_to_the_next_get(server):
    """The access check reads the bucket's facts on the session thread (server/s3/access_check.cpp):
    a policy put or deleted, a public access block set, decide the very next request."""
    s3 = server.boto3()
    s3.create_bucket(Bucket="facts")
    s3.put_object(Bucket="facts", Key="k", Body=b"public?")
    url = f"http://127.0.0.1:{server.port}/facts/k"

    def anonymous_get():
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, re.search(rb"<Code>(\w+)</Code>", e.read()).group(1)

    assert anonymous_get() == (403, b"AccessDenied")
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
              '"Action":"s3:GetObject","Resource":"arn:aws:s3:::facts/*"}]}')
    s3.put_bucket_policy(Bucket="facts", Policy=policy)
    assert anonymous_get() == (200, b"public?")
    s3.put_public_access_block(Bucket="facts", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})
    assert anonymous_get() == (403, b"AccessDenied")
    s3.delete_public_access_block(Bucket="facts")
    assert anonymous_get() == (200, b"public?")
    s3.delete_bucket_policy(Bucket="facts")
    assert anonymous_get() == (403, b"AccessDenied")
    assert anonymous_get() == (403, b"AccessDenied")  # silt keeps serving


def test_a_segment_file_removed_after_a_read_is_missing_for_the_next(server):
    """Segment files stay open between GETs (erasure/segment_fds.h). One removed behind
    silt's back (a lost disk) must not be read on through the descriptor a GET left
    open: the next GET finds the shard missing, rebuilds it from parity and queues the
    repair, and the healer writes the shard to a new place."""
    s3 = server.boto3()
    s3.create_bucket(Bucket="gone")
    data = os.urandom(4096)
    s3.put_object(Bucket="gone", Key="k", Body=data)
    assert s3.get_object(Bucket="gone", Key="k")["Body"].read() == data  # opens (and keeps) every segment
    places = shard_places(server, "gone", "k")
    os.unlink(places[0][0])
    assert s3.get_object(Bucket="gone", Key="k")["Body"].read() == data
    wait_for("the repair of shard 0", lambda: (lambda p: p if len(p) == len(places) and p[0] != places[0] else None)(
        shard_places(server, "gone", "k")))
    assert heal_counters(server)[1] >= 1
    assert s3.get_object(Bucket="gone", Key="k")["Body"].read() == data
