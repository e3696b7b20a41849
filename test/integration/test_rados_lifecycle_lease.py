"""Lifecycle across gateways (docs/cluster.md, "Lifecycle across gateways"): each bucket with rules
is processed by one gateway at a time under a RADOS lease (cls lock on lc.<bucket id>, renewed at
half its duration), its pass cursor kept in the lease object's omap and written only while the
lease is held; a gateway killed mid-pass loses the lease when it expires and another resumes from
the cursor. Every count is checked against the cluster: the final listing and classes, the data
objects in the pools (python3-rados) against the listed keys, and each gateway's per-rule totals."""
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import time

from ceph_cluster import NamespaceIO, ceph_cluster  # noqa: F401
from silt_server import bucket_name
from test_rados_backend import start_gateway

LEASE_SECONDS = 4
KILL_LEASE_SECONDS = 10
EXPIRING, MOVING, KEPT = 60, 60, 10  # eligible: EXPIRING + MOVING
BODY = 8 << 10  # past the 4 KiB inline limit: every version has a data object in a pool


def config(path, ceph_conf, namespace, objects_per_second, lease_seconds=LEASE_SECONDS):
    path.write_text(json.dumps({
        "backend": "rados",
        "rados": {"ceph_conf": str(ceph_conf), "namespace": namespace, "gc_interval_seconds": 1,
                  "gc_grace_seconds": 0},
        "pools": [{"name": "standard", "rados_pool": "silt.std"},
                  {"name": "cold", "rados_pool": "silt.cold", "zstd_level": 3}],
        "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"},
        "lifecycle": {"day_seconds": 1, "interval_seconds": 0, "lease_seconds": lease_seconds,
                      "page_versions": 10, "objects_per_second": objects_per_second},
    }))
    return path


class Pools(NamespaceIO):
    """The namespace's data ids per data pool, and its shards' intent and GC entries."""

    def __init__(self, conf, namespace):
        super().__init__(conf, namespace, ("silt.meta", "silt.std", "silt.cold"))

    def data_ids(self, pool):
        return {o.key.split(".")[0] for o in self.io[pool].list_objects()}

    def entries(self, kind):
        import rados
        n = 0
        for o in self.io["silt.meta"].list_objects():
            if o.key.startswith("silt.b."):
                with rados.ReadOpCtx() as op:
                    it, _ = self.io["silt.meta"].get_omap_vals(op, "", kind, 1000)
                    self.io["silt.meta"].operate_read_op(op, o.key)
                    n += len(list(it))
        return n


def populate(s3, bucket):
    s3.create_bucket(Bucket=bucket)
    keys = [f"exp/{i:04d}" for i in range(EXPIRING)] + [f"ia/{i:04d}" for i in range(MOVING)] + \
           [f"keep/{i:04d}" for i in range(KEPT)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=os.urandom(BODY)), keys))
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "exp/"}, "Expiration": {"Days": 1}},
        {"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": "ia/"},
         "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}]})
    time.sleep(2.2)  # lifecycle days of a second: every exp/ and ia/ version is due


def gateway_id(gw):
    """The default --gateway-id: host name and port."""
    return f"{socket.gethostname()}:{gw.host.rsplit(':', 1)[1]}"


def status(gw):
    r = gw.admin("--json", "lifecycle", "status")
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def bucket_status(gw, bucket):
    return next(b for b in status(gw)["buckets"] if b["bucket"] == bucket)


def acted(gw, bucket):
    """(expired, transitioned) by this gateway's passes over bucket since it started."""
    rules = {r["id"]: r for r in bucket_status(gw, bucket)["rules"]}
    return rules["expire"]["expired"], rules["to-ia"]["transitioned"]


def done_in_index(s3, bucket):
    """(exp/ keys gone, ia/ keys in STANDARD_IA), and the listing's keys by class."""
    listed = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        listed.update({o["Key"]: o.get("StorageClass", "STANDARD") for o in page.get("Contents", [])})
    gone = EXPIRING - sum(k.startswith("exp/") for k in listed)
    moved = sum(k.startswith("ia/") and c == "STANDARD_IA" for k, c in listed.items())
    return gone, moved, listed


def wait_for(what, fn, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def check_no_orphans(pools, listed):
    """After GC: the data pools hold exactly one data id per listed key, in its class's pool,
    and the shards no intent and no GC entry."""
    want_cold = sum(c == "STANDARD_IA" for c in listed.values())
    want_std = len(listed) - want_cold

    def settled():
        got = (len(pools.data_ids("silt.std")), len(pools.data_ids("silt.cold")), pools.entries("I"),
               pools.entries("G"))
        return got if got == (want_std, want_cold, 0, 0) else None
    try:
        wait_for("GC to leave one data id per listed key", settled, timeout=30, interval=0.5)
    except AssertionError:
        raise AssertionError(f"std/cold data ids, intents, GC entries: {len(pools.data_ids('silt.std'))}, "
                             f"{len(pools.data_ids('silt.cold'))}, {pools.entries('I')}, {pools.entries('G')}; "
                             f"want {want_std}, {want_cold}, 0, 0")


def stop_all(servers):
    for s in servers:
        if s.alive():
            code = s.stop(timeout=10)
            assert code == 0, f"silt exit code after SIGTERM: {code}\n{s.log_tail()}"


def test_three_gateways_act_once_under_the_lease(ceph_cluster, tmp_path):  # noqa: F811
    """Passes asked on three gateways at once: one holds the lease and acts on every eligible
    version, the others skip the bucket; every version is expired or transitioned exactly once
    (the index, the pools, the sum of the gateways' totals), and all three show one holder while
    the pass runs and none after."""
    namespace = "lclease-" + os.urandom(6).hex()
    cfg = config(tmp_path / "silt.json", ceph_cluster.conf, namespace, objects_per_second=30)
    gws = [start_gateway(tmp_path / f"gw{i}", cfg) for i in range(3)]
    pools = Pools(ceph_cluster.conf, namespace)
    try:
        s3 = gws[0].boto3()
        bucket = bucket_name("lclease")
        populate(s3, bucket)

        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            runs = [pool.submit(gw.admin, "--json", "lifecycle", "run", "--bucket", bucket) for gw in gws]
            # While it runs (130 versions at 30/s), every gateway names the same holder.
            holders = wait_for("one holder named by all three gateways", lambda: (
                lambda h: h if len(h) == 1 and None not in h else None)(
                {bucket_status(gw, bucket)["holder"] for gw in gws}), timeout=30, interval=0.05)
            for r in runs:
                r = r.result()
                assert r.returncode == 0, r.stdout + r.stderr
        holder = holders.pop()

        # Exactly one gateway acted; the sum of actions is the number of eligible versions.
        counts = [acted(gw, bucket) for gw in gws]
        assert sum(e for e, _ in counts) == EXPIRING, counts
        assert sum(t for _, t in counts) == MOVING, counts
        assert sum(1 for e, t in counts if e or t) == 1, counts
        actor = next(gw for gw, (e, t) in zip(gws, counts) if e or t)
        assert holder == gateway_id(actor), (holder, gateway_id(actor))
        held = [status(gw)["last"]["buckets_held"] for gw in gws]
        assert sorted(held)[0] == 0, held  # the holder's pass did not skip it

        gone, moved, listed = done_in_index(s3, bucket)
        assert (gone, moved) == (EXPIRING, MOVING), (gone, moved)
        assert sorted(listed) == [f"ia/{i:04d}" for i in range(MOVING)] + [f"keep/{i:04d}" for i in range(KEPT)]
        check_no_orphans(pools, listed)

        # Afterwards no gateway holds it, the cursor is cleared, and all three agree.
        for gw in gws:
            b = wait_for("the lease released", lambda: (lambda b: b if b["holder"] is None else None)(
                bucket_status(gw, bucket)))
            assert b["cursor"] == "" and b["scanned"] == 0, b
        # A second round on all three finds nothing left to do.
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            for r in pool.map(lambda gw: gw.admin("--json", "lifecycle", "run", "--bucket", bucket), gws):
                assert r.returncode == 0, r.stdout + r.stderr
        assert [acted(gw, bucket) for gw in gws] == counts
    finally:
        pools.close()
        stop_all(gws)


def test_kill_9_of_the_lease_holder_mid_pass(ceph_cluster, tmp_path):  # noqa: F811
    """The gateway holding a bucket's lease is killed (-9) mid-pass, once its cursor shows
    progress. The other gateway, asked meanwhile, finds the lease held and skips the bucket; when
    the dead holder's lease expires it takes the lease by itself and resumes after the cursor
    (scanning fewer versions than the bucket holds). Every eligible version is acted on exactly
    once in total: what the index shows done at the kill plus what the survivor did is the number
    of eligible versions, and the pools hold one data id per listed key."""
    namespace = "lclease-" + os.urandom(6).hex()
    # A longer lease here: the checks between the kill and B's first pass must fit in it
    # (the holder renews at half, so it is held at least 5 s after the kill).
    cfg = config(tmp_path / "silt.json", ceph_cluster.conf, namespace, objects_per_second=25,
                 lease_seconds=KILL_LEASE_SECONDS)
    a, b = start_gateway(tmp_path / "a", cfg), start_gateway(tmp_path / "b", cfg)
    pools = Pools(ceph_cluster.conf, namespace)
    run_a = None
    try:
        s3 = b.boto3()
        bucket = bucket_name("lckill")
        populate(s3, bucket)
        argv, env = a.admin_command("--json", "lifecycle", "run", "--bucket", bucket)
        run_a = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Killed once its cursor is saved past a few pages, well before the end (130 at 25/s).
        seen = wait_for("A's cursor to show progress", lambda: (
            lambda s: s if s["holder"] == gateway_id(a) and s["scanned"] >= 30 else None)(bucket_status(b, bucket)),
            timeout=30, interval=0.05)
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait(timeout=10)
        killed = time.monotonic()
        # What A did, read while its lease still keeps everyone else out.
        gone_at_kill, moved_at_kill, _ = done_in_index(s3, bucket)
        assert 0 < gone_at_kill + moved_at_kill < EXPIRING + MOVING, (gone_at_kill, moved_at_kill)
        assert bucket_status(b, bucket)["cursor"] >= seen["cursor"]

        # B asked while the dead gateway's lease runs: it skips the bucket...
        r = b.admin("--json", "lifecycle", "run", "--bucket", bucket)
        assert r.returncode == 0, r.stdout + r.stderr
        first = status(b)["last"]
        assert time.monotonic() - killed < KILL_LEASE_SECONDS / 2, "too slow to judge: the lease may have expired"
        assert first["buckets_held"] == 1 and first["objects_scanned"] == 0, first
        assert acted(b, bucket) == (0, 0)
        # ...and resumes on its own once that lease expired, from the cursor.
        resumed = wait_for("B to resume and finish the pass", lambda: (
            lambda s: s if s["last"] and s["last"]["id"] > first["id"] and not s["running"] and
            bucket_status(b, bucket)["cursor"] == "" else None)(status(b)),
            timeout=KILL_LEASE_SECONDS + 40, interval=0.3)["last"]
        total = EXPIRING + MOVING + KEPT
        assert 0 < resumed["objects_scanned"] < total - 20, resumed  # resumed past A's pages
        assert resumed["errors"] == 0, resumed
        expired, transitioned = acted(b, bucket)
        assert expired + gone_at_kill == EXPIRING, (expired, gone_at_kill)
        assert transitioned + moved_at_kill == MOVING, (transitioned, moved_at_kill)
        assert bucket_status(b, bucket)["holder"] is None

        gone, moved, listed = done_in_index(s3, bucket)
        assert (gone, moved) == (EXPIRING, MOVING)
        check_no_orphans(pools, listed)
    finally:
        if run_a:
            run_a.kill()
            run_a.wait()
        pools.close()
        stop_all([a, b])


def test_lease_options_refused(tmp_path):
    """The lease options' bounds: a lease under 2 s (renewed at half, a busy gateway would lose
    it between checks), a page of 0 or more than 1000 versions, a gateway id with a space: silt
    refuses to start, names the option and serves nothing."""
    from silt_server import silt_binary
    base = {"pools": [{"name": "p", "drives": [str(tmp_path / f"d{i}") for i in range(3)], "parity": 1}],
            "index": str(tmp_path / "index"), "storage_classes": {"STANDARD": "p"}}
    cases = [({"lifecycle": {"lease_seconds": 1}}, [], "lifecycle.lease_seconds must be at least 2"),
             ({"lifecycle": {"page_versions": 0}}, [], "lifecycle.page_versions must be 1 to 1000"),
             ({"lifecycle": {"page_versions": 1001}}, [], "lifecycle.page_versions must be 1 to 1000"),
             ({}, ["--lifecycle-lease-seconds", "1"], "--lifecycle-lease-seconds"),
             ({}, ["--gateway-id", "gw a"], "--gateway-id")]
    for i, (extra, flags, want) in enumerate(cases):
        cfg = tmp_path / f"c{i}.json"
        cfg.write_text(json.dumps({**base, **extra}))
        r = subprocess.run([str(silt_binary()), "server", "--config", str(cfg), "--address", "127.0.0.1:0", *flags],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and want in r.stderr, (extra, flags, r.returncode, r.stderr)
