"""`kill -9` of one OSD under PUT load, then its restart (issue 18 item 3), on a cluster of this
module's own (it kills daemons; the suite's shared cluster stays untouched).

The test cluster's data pools are EC 2+1 with Pacific's default min_size, k + min(1, m - 1) = 2:
with one OSD down every PG keeps k shards, stays active (undersized), and takes writes. So the
first test asserts that writes continue while the OSD is down, that every acknowledged PUT (0 B
to 6 MiB, multipart among them, through two gateways) reads back with its MD5 during the outage,
during recovery and after every PG is active+clean again, that an unacknowledged one is absent
or whole, and that the orphan check finds nothing. The second raises min_size to 3 (k + 1, what
a pool with m >= 2 gets): then a data write cannot be placed while an OSD is down, and the
client gets 503 SlowDown once the gateway's op timeout (rados.op_timeout_seconds, short here)
has passed, never a 200, while the index (replicated, min_size 1) keeps taking inlined objects;
the blocked object is absent or whole once the OSD is back."""
import concurrent.futures
import hashlib
import os
import random
import subprocess
import threading
import time

import pytest
import s3raw
from botocore.exceptions import BotoCoreError, ClientError

from ceph_cluster import SCRIPT, own_cluster
from silt_server import bucket_name, silt_binary
from test_rados_backend import rados_config
from test_rados_backend import start_gateway as start

STRIPE = 1 << 20
# Bodies: empty, inlined (<= 4096), one data object, several, and a 2-part multipart upload.
SIZES = (0, 1000, 4096, 70_000, STRIPE + 17, 2 * STRIPE + 5)
PART = 5 << 20  # S3's smallest part but the last
# A load the 2-core box carries beside the cluster: each loop pauses this long between PUTs, so
# the data written while the OSD is down (and recovered afterwards) stays tens of MiB.
PAUSE = 0.1
THREADS = 3
DOWN_SECONDS = 6
# rados.op_timeout_seconds of the gateway that meets stopped PGs (the default is 20 s).
OP_TIMEOUT = 8


@pytest.fixture(scope="module")
def cluster():
    yield from own_cluster()


def faults_config(path, cluster, **rados):
    """This module's gateway config (namespace "faults", silt.std only); RADOS adds settings."""
    return rados_config(path, cluster.conf, "faults",
                        rados={"stripe_bytes": STRIPE, "gc_grace_seconds": 0, "gc_interval_seconds": 2, **rados},
                        pools=[{"name": "standard", "rados_pool": "silt.std"}],
                        storage_classes={"STANDARD": "standard"}, lifecycle=None)


@pytest.fixture(scope="module")
def gateways(cluster, tmp_path_factory):
    base = tmp_path_factory.mktemp("faults")
    config = faults_config(base / "silt.json", cluster)
    gws = [start(base / name, config) for name in ("gw1", "gw2")]
    yield config, gws
    for g in gws:
        g.stop()


@pytest.fixture
def short_timeout_gateway(cluster, tmp_path):
    """A gateway of this namespace with rados.op_timeout_seconds = OP_TIMEOUT."""
    g = start(tmp_path / "short", faults_config(tmp_path / "short.json", cluster, op_timeout_seconds=OP_TIMEOUT))
    yield g
    g.stop()


class Load:
    """PUT loops over the gateways. Every body's MD5 is recorded before its request (attempted)
    and after its 200 (acked, with the times the request started and ended); failures are
    counted by what the client saw."""

    def __init__(self, clients, bucket):
        self.clients, self.bucket = clients, bucket
        self.attempted, self.acked, self.failures = {}, {}, {}
        self.lock, self.stop = threading.Lock(), threading.Event()

    def put(self, s3, key, body):
        if len(body) > PART:  # multipart: a 5 MiB part and the rest
            up = s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
            parts = []
            for n, chunk in enumerate((body[:PART], body[PART:]), 1):
                etag = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=up, PartNumber=n, Body=chunk)["ETag"]
                parts.append({"PartNumber": n, "ETag": etag})
            s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
        else:
            s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def loop(self, t):
        s3 = self.clients[t % len(self.clients)]
        i = 0
        while not self.stop.is_set():
            key = f"t{t}-{i:05d}"
            size = PART + 1000 if t == 0 and i % 8 == 7 else SIZES[(i + t) % len(SIZES)]
            body = os.urandom(size)
            md5 = hashlib.md5(body).hexdigest()
            with self.lock:
                self.attempted[key] = md5
            t0 = time.monotonic()
            try:
                self.put(s3, key, body)
                with self.lock:
                    self.acked[key] = (md5, size, t0, time.monotonic())
            except ClientError as e:
                what = f"{e.response['ResponseMetadata']['HTTPStatusCode']} {e.response['Error']['Code']}"
                with self.lock:
                    self.failures[what] = self.failures.get(what, 0) + 1
            except BotoCoreError as e:
                with self.lock:
                    self.failures[type(e).__name__] = self.failures.get(type(e).__name__, 0) + 1
            i += 1
            self.stop.wait(PAUSE)


def read_all(s3, bucket, acked):
    """GETs every acknowledged key; returns the keys whose bytes are wrong or unreadable."""
    bad = []
    for key, (md5, *_) in acked.items():
        try:
            got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as e:
            bad.append((key, str(e)))
            continue
        if hashlib.md5(got).hexdigest() != md5:
            bad.append((key, "wrong bytes"))
    return bad


def pg_summary(cluster):
    """The last line of `ceph-cluster.sh pgs`: how many PGs are in which state."""
    r = subprocess.run([str(SCRIPT), "pgs", str(cluster.dir)], capture_output=True, text=True, timeout=60)
    return (r.stdout.strip().splitlines() or [r.stderr.strip()])[-1]


def orphan_check(config):
    r = subprocess.run([str(silt_binary()), "admin", "rados", "orphans", "--config", str(config)],
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def test_kill_9_osd_under_put_load(cluster, gateways):
    config, gws = gateways
    assert cluster.min_size("silt.std") == 2  # k + min(1, m - 1) for 2+1: writes go on degraded
    clients = [g.boto3(read_timeout=60) for g in gws]
    bucket = bucket_name("osdkill")
    clients[0].create_bucket(Bucket=bucket)
    load = Load(clients, bucket)
    victim = random.choice(sorted(n for n in cluster.daemons() if n.startswith("osd.")))
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        loops = [pool.submit(load.loop, t) for t in range(THREADS)]
        deadline = time.monotonic() + 60
        while len(load.acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        before_kill = dict(load.acked)
        assert len(before_kill) >= 20, (load.failures, [f.exception() for f in loops if f.done()])

        cluster.script("kill-osd", victim.split(".")[1])
        killed = time.monotonic()
        # Degraded reads while the OSD is down: every object acknowledged before the kill.
        bad_down = read_all(clients[1], bucket, before_kill)
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - killed)))
        down_states = pg_summary(cluster)
        restart_at = time.monotonic()
        acked_while_down = {k: v for k, v in load.acked.items() if v[2] >= killed and v[3] <= restart_at}

        cluster.script("start-osd", victim.split(".")[1])
        # Reads during recovery: everything acknowledged so far, while the load goes on.
        bad_recovery = read_all(clients[0], bucket, dict(load.acked))
        time.sleep(2)
        load.stop.set()
        for f in loops:
            f.result()
    clean = cluster.script("wait-clean", timeout=320)
    clean_at = time.monotonic()

    acked = load.acked
    unacked = {k: v for k, v in load.attempted.items() if k not in acked}
    print(f"\nkill -9 {victim} under PUT load: {len(load.attempted)} PUTs, {len(acked)} acknowledged "
          f"({len(acked_while_down)} while it was down, {sum(v[1] for v in acked_while_down.values())} bytes), "
          f"failures {load.failures}; down {restart_at - killed:.1f} s, active+clean "
          f"{clean_at - restart_at:.1f} s after the restart ({clean.stdout.strip()}); PGs while down: {down_states}")
    assert "undersized" in down_states, down_states  # the kill took a shard of every PG it held
    assert not bad_down, bad_down[:5]
    assert not bad_recovery, bad_recovery[:5]
    # Writes went on while the OSD was down, data-bearing ones included.
    assert any(v[1] > 4096 for v in acked_while_down.values()), (acked_while_down, load.failures)
    # 0 acknowledged writes lost: every one reads back with its MD5 from both gateways.
    for s3 in clients:
        lost = read_all(s3, bucket, acked)
        assert not lost, lost[:5]
    # Nothing half-written: an unacknowledged PUT is absent or whole; the listing holds every
    # acknowledged key and nothing that was never sent.
    listed = set()
    for page in clients[1].get_paginator("list_objects_v2").paginate(Bucket=bucket):
        listed |= {o["Key"] for o in page.get("Contents", [])}
    assert set(acked) <= listed <= set(load.attempted)
    for key in unacked:
        if key in listed:
            got = clients[0].get_object(Bucket=bucket, Key=key)["Body"].read()
            assert hashlib.md5(got).hexdigest() == load.attempted[key], key
    rc, out = orphan_check(config)
    assert rc == 0, out
    # Both gateways keep serving.
    clients[1].put_object(Bucket=bucket, Key="after", Body=b"after")
    assert clients[0].get_object(Bucket=bucket, Key="after")["Body"].read() == b"after"


def test_min_size_k_plus_1_refuses_data_writes_with_503_while_an_osd_is_down(cluster, gateways,
                                                                              short_timeout_gateway):
    """The data PGs stop (min_size 3, an OSD down): a 1 MiB PUT answers 503 SlowDown within the
    gateway's op timeout and a little, not after a second timeout spent removing what it wrote
    (main: 2 x its fixed 30 s). Its data stays named by its intent: no orphan once the OSD is back."""
    config, _ = gateways
    s3 = short_timeout_gateway.boto3(read_timeout=120)
    bucket = bucket_name("minsize")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="before", Body=os.urandom(70_000))
    cluster.set_min_size("silt.std", 3)
    victim = sorted(n for n in cluster.daemons() if n.startswith("osd."))[0].split(".")[1]
    try:
        cluster.script("kill-osd", victim)
        time.sleep(2)  # the mon marks it down at once (its peers' connections are refused)
        body = os.urandom(STRIPE + 17)
        t0 = time.monotonic()
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="blocked", Body=body)
        waited = time.monotonic() - t0
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503, e.value.response
        assert e.value.response["Error"]["Code"] == "SlowDown", e.value.response
        assert OP_TIMEOUT - 1 < waited < 1.5 * OP_TIMEOUT, waited
        # The index pool (replicated, min_size 1) still commits: inlined objects are written.
        s3.put_object(Bucket=bucket, Key="inlined", Body=b"i" * 1000)
        assert s3.get_object(Bucket=bucket, Key="inlined")["Body"].read() == b"i" * 1000
        print(f"\nmin_size 3, osd.{victim} down, op timeout {OP_TIMEOUT} s: a {len(body)}-byte PUT answered "
              f"503 SlowDown after {waited:.1f} s")
    finally:
        cluster.script("start-osd", victim)
        cluster.set_min_size("silt.std", 2)
    cluster.script("wait-clean", timeout=320)
    # The refused PUT is absent or whole; what was there before reads back.
    try:
        got = s3.get_object(Bucket=bucket, Key="blocked")["Body"].read()
        assert got == body
    except ClientError as e:
        assert e.response["Error"]["Code"] == "NoSuchKey", e.response
    assert len(s3.get_object(Bucket=bucket, Key="before")["Body"].read()) == 70_000
    s3.put_object(Bucket=bucket, Key="after", Body=os.urandom(STRIPE + 1))
    rc, out = orphan_check(config)
    assert rc == 0, out  # what the refused PUT wrote is named (by its intent)


@pytest.mark.slow  # the gateway's 20 s op timeout, and a recovery
def test_put_cut_short_while_its_pgs_stop_leaves_no_unnamed_data(cluster, gateways):
    """A PUT whose client goes away after its first stripes landed, while the data PGs cannot
    serve (min_size 3, an OSD down): the gateway cannot remove those stripes (its removal times
    out), so it must leave them named by its write intent for the sweeper, not drop the intent
    and leave them unnamed for good. Once the OSD is back, the orphan check finds no unnamed data
    (the stripes are a stale intent's)."""
    import rados
    config, gws = gateways
    gw = gws[1]
    bucket = bucket_name("cutshort")
    gw.boto3().create_bucket(Bucket=bucket)
    c = rados.Rados(conffile=str(cluster.conf))
    c.connect(timeout=30)
    data = c.open_ioctx("silt.std")
    data.set_namespace("faults")
    before = {o.key for o in data.list_objects()}
    victim = sorted(n for n in cluster.daemons() if n.startswith("osd."))[-1].split(".")[1]
    try:
        path = s3raw.key_path(bucket, "cut")
        headers = gw.signer().sign("PUT", path, (), {"Content-Length": str(4 * STRIPE)}, s3raw.UNSIGNED)
        conn = gw.raw()
        conn.send_head("PUT", path, headers)
        conn.send(os.urandom(2 * STRIPE + 1000))
        deadline = time.monotonic() + 30
        while len({o.key for o in data.list_objects()} - before) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        written = {o.key for o in data.list_objects()} - before
        assert len(written) >= 2, written
        cluster.set_min_size("silt.std", 3)
        cluster.script("kill-osd", victim)
        time.sleep(2)
        conn.close()  # the client goes away: the gateway drops the PUT and tries to remove its stripes
        time.sleep(30)  # its removal waits for the stopped PGs and gives up after 20 s
    finally:
        cluster.script("start-osd", victim)
        cluster.set_min_size("silt.std", 2)
    cluster.script("wait-clean", timeout=320)
    try:
        left = {o.key for o in data.list_objects()} & written
        rc, out = orphan_check(config)
        assert rc == 0, out  # whatever is left is named (by the intent)
        # ... by the PUT's intent, which the sweeper takes once it is older than the timeout.
        r = subprocess.run([str(silt_binary()), "admin", "rados", "orphans", "--config", str(config),
                            "--intent-timeout", "0.001"], capture_output=True, text=True, timeout=120)
        stale = [line for line in r.stdout.splitlines() if line.startswith("stale-intent ") and "key=cut " in line]
        if left:
            assert len(stale) == 1 and stale[0].endswith(f" {len(left)} data objects"), r.stdout
        print(f"\ncut-short PUT while its PGs were stopped: {len(written)} stripes written, {len(left)} left "
              f"after the OSD came back, named by its intent: {stale}")
    finally:
        data.close()
        c.shutdown()
