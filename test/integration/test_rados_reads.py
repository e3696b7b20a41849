"""GETs on a RADOS-backed silt wait for the cluster without holding a blocking thread (issue 17
item 7, docs/performance.md "silt on RADOS against Ceph RGW"): a gateway with 2 blocking threads
serves more concurrent GETs than that, ranged and whole, and while every one of them waits on a
paused cluster its blocking pool is still free for other work. A GET keeps answering the bytes
of the version it started on while another gateway overwrites and deletes the key.

The shared throwaway cluster (ceph_cluster fixture), a namespace of its own; `ceph osd pause`
is undone in a finally, and every wait has a deadline."""
import concurrent.futures
import hashlib
import os
import random
import subprocess
import threading
import time

import pytest
import requests

from ceph_cluster import ceph_cluster  # noqa: F401
from silt_server import SiltServer, bucket_name
from test_rados_backend import rados_config

MiB = 1 << 20
THREADS = 2  # --blocking-threads: fewer than the GETs each test keeps going


@pytest.fixture(scope="module")
def gateways(ceph_cluster, tmp_path_factory):  # noqa: F811
    """Two gateways on one namespace, each with THREADS blocking threads."""
    base = tmp_path_factory.mktemp("rados-reads")
    config = rados_config(base / "silt.json", ceph_cluster.conf, "reads-" + os.urandom(8).hex())
    servers = []
    for name in ("gw1", "gw2"):
        s = SiltServer(base / name)
        s.args = ("--backend", "rados", "--config", str(config), "--blocking-threads", str(THREADS))
        servers.append(s)
        try:
            s.start(timeout=60)
        except RuntimeError as e:
            for t in servers:
                t.stop()
            pytest.fail(str(e), pytrace=False)
    yield servers
    for s in servers:
        assert s.stop(timeout=10) == 0, s.log_tail()


def client(server):
    return server.boto3(max_pool_connections=48, read_timeout=60)


@pytest.fixture(scope="module")
def bucket(gateways):
    name = bucket_name("rados-reads")
    client(gateways[0]).create_bucket(Bucket=name)
    return name


def put(s3, bucket, key, size, seed):
    body = random.Random(seed).randbytes(size)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return body


def ceph(cluster, *args):
    subprocess.run(["ceph", "-c", str(cluster.conf), *args], check=True, capture_output=True, timeout=60)


def test_more_ranged_gets_than_blocking_threads(gateways, bucket):
    """32 concurrent ranged GETs (several crossing data objects) and 8 whole GETs on a gateway
    with 2 blocking threads: every one answers 206/200 with exactly its bytes."""
    s3 = client(gateways[0])
    body = put(s3, bucket, "ranged", 12 * MiB + 333, "ranged")
    ranges = [(i * 379 * 1024, MiB + i * 1000) for i in range(32)]

    def ranged(r):
        first, length = r
        got = s3.get_object(Bucket=bucket, Key="ranged", Range=f"bytes={first}-{first + length - 1}")
        return got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read() == body[first:first + length]

    def whole(_):
        got = s3.get_object(Bucket=bucket, Key="ranged")
        return got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read() == body

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        results = list(pool.map(ranged, ranges)) + list(pool.map(whole, range(8)))
    assert results == [(206, True)] * 32 + [(200, True)] * 8


def test_gets_waiting_on_a_paused_cluster_hold_no_blocking_thread(ceph_cluster, gateways, bucket):  # noqa: F811
    """6 GETs of 32 MiB objects are read 1 MiB into their bodies, then the cluster's OSDs are
    paused (`ceph osd pause`): each GET soon waits for a data read the cluster holds back. The
    gateway has 2 blocking threads; `silt admin user list` (an admin call run on the blocking
    pool that reads only the gateway's memory) must still answer within 10 s. Unpaused, every GET
    ends with its bytes. (A reader that waits on a blocking thread fails this: the 2 threads sit
    in librados and the admin call waits for the cluster.)"""
    gw = gateways[0]
    s3 = client(gw)
    bodies = {f"paused-{i}": put(s3, bucket, f"paused-{i}", 32 * MiB, f"paused-{i}") for i in range(6)}
    streams = {k: s3.get_object(Bucket=bucket, Key=k)["Body"] for k in bodies}
    got = {k: s.read(MiB) for k, s in streams.items()}
    done = {}
    readers = []
    paused = False
    try:
        ceph(ceph_cluster, "osd", "pause")
        paused = True

        def drain(key):  # reads on until the GET's bytes stop coming, then to the end after unpause
            parts = [got[key]]
            while True:
                chunk = streams[key].read(256 * 1024)
                if not chunk:
                    break
                parts.append(chunk)
            done[key] = b"".join(parts)

        readers = [threading.Thread(target=drain, args=(k,), daemon=True) for k in bodies]
        for t in readers:
            t.start()
        time.sleep(3)  # the GETs run out of bytes read before the pause
        assert len(done) < len(bodies), "the GETs finished while the cluster was paused: nothing was tested"
        t0 = time.monotonic()
        try:
            listed = gw.admin("user", "list", timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("the admin call waited 10 s for a blocking thread while GETs waited on the cluster")
        print(f"admin call while {len(bodies) - len(done)} GETs wait on the paused cluster: "
              f"{time.monotonic() - t0:.2f} s")
        assert listed.returncode == 0 and gw.access_key in listed.stdout, listed.stderr
    finally:
        if paused:
            ceph(ceph_cluster, "osd", "unpause")
    for t in readers:
        t.join(timeout=120)
    assert {k: hashlib.md5(v).hexdigest() for k, v in done.items()} == \
        {k: hashlib.md5(v).hexdigest() for k, v in bodies.items()}
    assert requests.get(gw.endpoint + "/_silt/health/ready", timeout=10).status_code == 200


def test_get_mid_read_while_another_gateway_overwrites_and_deletes(gateways, bucket):
    """A GET on gw1 read 1 MiB into an 8 MiB body; gw2 overwrites the key, then a second GET on
    gw1 starts, then gw2 deletes the key: both GETs end with the bytes of the version each
    started on, and a GET after the delete answers 404 NoSuchKey on either gateway."""
    s1, s2 = client(gateways[0]), client(gateways[1])
    v1 = put(s1, bucket, "moving", 8 * MiB, "v1")
    first = s1.get_object(Bucket=bucket, Key="moving")["Body"]
    head = first.read(MiB)
    v2 = put(s2, bucket, "moving", 8 * MiB + 5, "v2")
    second = s1.get_object(Bucket=bucket, Key="moving")["Body"]
    head2 = second.read(MiB)
    s2.delete_object(Bucket=bucket, Key="moving")
    assert hashlib.md5(head + first.read()).hexdigest() == hashlib.md5(v1).hexdigest()
    assert hashlib.md5(head2 + second.read()).hexdigest() == hashlib.md5(v2).hexdigest()
    for s3 in (s1, s2):
        with pytest.raises(s3.exceptions.NoSuchKey) as e:
            s3.get_object(Bucket=bucket, Key="moving")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
