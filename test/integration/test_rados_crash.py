"""`kill -9` of a RADOS gateway under PUT load (issue 17, "kill -9 of a gateway mid-PUT: nothing
half-visible; its data is reclaimed after the intent timeout"): two `silt server --backend rados`
on the shared throwaway cluster and one namespace, boto3 PUT loops on both, one gateway SIGKILLed
mid-load and restarted. Every acknowledged PUT reads back byte-exact from either gateway; an
unacknowledged one is absent or whole; the surviving gateway's sweeper (a 6 s intent timeout here)
turns the dead gateway's write intents into GC entries and removes their data, so afterwards the
data pool holds exactly the data of the listed keys and the shard no intent and no GC entry."""
import concurrent.futures
import hashlib
import json
import os
import random
import signal
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from ceph_cluster import NamespaceIO, ceph_cluster  # noqa: F401
from silt_server import bucket_name
from test_rados_backend import start_gateway as start

STRIPE = 256 << 10  # a 1-2 MiB body spans 4-8 data objects: a kill lands between them
INTENT_TIMEOUT = 6


class Namespace(NamespaceIO):
    """The namespace's objects as RADOS has them (python3-rados): the bucket shards' omap
    entries by kind, and the distinct data ids in the data pool."""

    def __init__(self, conf, namespace):
        super().__init__(conf, namespace)
        self.index, self.data = self.io["silt.meta"], self.io["silt.std"]

    def entries(self, kind):
        import rados
        n = 0
        for obj in self.index.list_objects():
            if not obj.key.startswith("silt.b."):
                continue
            after = ""
            while True:
                with rados.ReadOpCtx() as op:
                    it, _ = self.index.get_omap_vals(op, after, kind, 1000)
                    self.index.operate_read_op(op, obj.key)
                    keys = [k for k, _ in it]
                n += len(keys)
                if len(keys) < 1000:
                    break
                after = keys[-1]
        return n

    def data_ids(self):
        return {obj.key.split(".")[0] for obj in self.data.list_objects()}


def put_loop(s3, bucket, prefix, stop, acked, attempted, lock):
    """PUTs fresh keys until stop is set; records each body before the request (attempted) and
    after its 200 (acked). Errors end nothing: the other gateway's clients keep going."""
    i = 0
    while not stop.is_set():
        key = f"{prefix}-{i:05d}"
        body = os.urandom(STRIPE * 4 + (i * 7919) % (STRIPE * 4))
        with lock:
            attempted[key] = hashlib.md5(body).hexdigest()
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            with lock:
                acked[key] = attempted[key]
        except (ClientError, BotoCoreError):
            pass
        i += 1


def test_kill_9_gateway_under_put_load(ceph_cluster, tmp_path):  # noqa: F811
    namespace = "crash-" + os.urandom(6).hex()
    config = tmp_path / "silt.json"
    config.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_cluster.conf), "namespace": namespace, "stripe_bytes": STRIPE,
                  "intent_timeout_seconds": INTENT_TIMEOUT, "gc_interval_seconds": 1, "gc_grace_seconds": 0},
        "pools": [{"name": "standard", "rados_pool": "silt.std"}],
        "storage_classes": {"STANDARD": "standard"},
    }))
    a, b = start(tmp_path / "a", config), start(tmp_path / "b", config)
    ns = Namespace(ceph_cluster.conf, namespace)
    sa, sb = a.boto3(), b.boto3()  # no retries: a request the kill cut off stays unacknowledged
    try:
        bucket = bucket_name("crash")
        sa.create_bucket(Bucket=bucket)
        stop_a, stop_b = threading.Event(), threading.Event()
        acked, attempted, lock = {}, {}, threading.Lock()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            loops = [pool.submit(put_loop, sa, bucket, f"a{t}", stop_a, acked, attempted, lock) for t in range(2)]
            loops += [pool.submit(put_loop, sb, bucket, f"b{t}", stop_b, acked, attempted, lock) for t in range(2)]
            deadline = time.monotonic() + 60
            while len(acked) < 12 and time.monotonic() < deadline:  # load on both before the kill
                time.sleep(0.2)
            # Mid-PUT on B, proven before the kill: with A idle every intent is B's, and B frozen
            # (SIGSTOP) holds still while its intents are counted. The pause lets ops B had
            # already sent land, so the count is what a kill there leaves.
            stop_a.set()
            for f in loops[:2]:
                f.result()
            caught = 0
            for _ in range(100):
                os.kill(b.proc.pid, signal.SIGSTOP)
                time.sleep(0.3)
                caught = ns.entries("I")
                if caught:
                    break
                os.kill(b.proc.pid, signal.SIGCONT)
                time.sleep(random.uniform(0.01, 0.1))
            os.kill(b.proc.pid, signal.SIGKILL)
            b.proc.wait()
            killed_at = time.monotonic()
            stop_b.set()
            assert caught, "B was never caught mid-PUT: nothing for the sweeper to prove"
            stop_a = threading.Event()  # A keeps writing past the kill
            loops += [pool.submit(put_loop, sa, bucket, f"c{t}", stop_a, acked, attempted, lock) for t in range(2)]
            time.sleep(1)
            stop_a.set()
            for f in loops:
                f.result()
        # A is idle and B dead: the intents left are B's, swept only after INTENT_TIMEOUT.
        leaked = ns.entries("I")
        assert leaked >= caught, (leaked, caught)
        b.proc = None
        b.start(timeout=60)  # the same config: the restarted gateway serves the same namespace
        unacked = {k: v for k, v in attempted.items() if k not in acked}
        assert acked, "no PUT was acknowledged"
        assert any(k.startswith("b") for k in acked), "the killed gateway acknowledged nothing before the kill"

        # Every acknowledged PUT reads back byte-exact from either gateway.
        for key, md5 in acked.items():
            for s3 in (sa, sb):
                assert hashlib.md5(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest() == md5, key
        # An unacknowledged one is absent or whole (its own body, complete), never partial.
        present_unacked = 0
        for key, md5 in unacked.items():
            try:
                got = sb.get_object(Bucket=bucket, Key=key)["Body"].read()
            except ClientError as e:
                assert e.response["Error"]["Code"] == "NoSuchKey", (key, e.response)
                continue
            assert hashlib.md5(got).hexdigest() == md5, key
            present_unacked += 1
        listed = set()
        for page in sa.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            listed |= {o["Key"] for o in page.get("Contents", [])}
        assert set(acked) <= listed <= set(attempted)

        # The sweeper (intent timeout + a GC pass) reclaims what the dead gateway left: no intent,
        # no GC entry, and exactly one data id per listed key in the data pool.
        deadline = time.monotonic() + 60
        while True:
            intents, gc, ids = ns.entries("I"), ns.entries("G"), ns.data_ids()
            if (intents, gc, len(ids)) == (0, 0, len(listed)) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        print(f"\nkill -9 under load: {len(acked)} acknowledged, {len(unacked)} not ({present_unacked} of them "
              f"committed), B's intents left {leaked}; swept to {intents} intents, "
              f"{gc} GC entries, {len(ids)} data ids for {len(listed)} keys "
              f"{time.monotonic() - killed_at:.1f} s after the kill")
        assert (intents, gc) == (0, 0)
        assert len(ids) == len(listed)
        # Both gateways keep serving.
        sb.put_object(Bucket=bucket, Key="after", Body=b"after")
        assert sa.get_object(Bucket=bucket, Key="after")["Body"].read() == b"after"
    finally:
        ns.close()
        for s in (a, b):
            s.stop()
