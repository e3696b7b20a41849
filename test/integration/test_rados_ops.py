"""Health, metrics, the admin status and the console's cluster panel of a RADOS-backed gateway
come from the cluster's monitors (issue 18 item 4; rados/cluster_status.h, docs/cluster.md
"Health, metrics and the console"). This module starts a cluster of its own (it kills OSDs) and
one gateway on it:

- healthy: /minio/health/cluster answers 200, the metrics show 3 OSDs up and every PG clean;
- one OSD `kill -9`ed: once the monitors mark it down, 2 up and degraded PGs in the metrics, the
  admin status and the console's data; the EC pools (2+1, min_size 2) still take writes, so the
  probe stays 200 and a PUT succeeds; a second OSD down leaves PGs below min_size: 503;
- the OSDs restarted: back to 3 up, every PG clean, 200.
The usage answer carries the per-pool cross-check (the pool figures need a ceph-mgr, which the
test cluster does not run: the answer says so).

Convergence is polled with a deadline, never waited for with a sleep."""
import http.client
import json
import os
import pathlib
import select
import shutil
import subprocess
import time

import pytest

from ceph_cluster import SCRIPT, own_cluster
from silt_server import bucket_name
from test_rados_backend import rados_config, start_gateway, stop_gateway
from test_metrics import Scrape

DEADLINE = 60  # seconds for the monitors to mark an OSD down or up and silt to refresh (2 s)
DATA_POOLS = ("silt.std", "silt.cold")


@pytest.fixture(scope="module")
def cluster():
    yield from own_cluster()


@pytest.fixture(scope="module")
def gateway(cluster, tmp_path_factory):
    base = tmp_path_factory.mktemp("rados-ops")
    config = rados_config(base / "silt.json", cluster.conf, "ops",
                          pools=[{"name": "standard", "rados_pool": "silt.std", "price_per_tb_month": 20},
                                 {"name": "cold", "rados_pool": "silt.cold", "zstd_level": 3,
                                  "price_per_tb_month": 8}],
                          lifecycle={"interval_seconds": 0})
    s = start_gateway(base / "gw", config)
    yield s
    stop_gateway(s, timeout=40)


def get(server, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read().decode()
    finally:
        c.close()


def metrics(server):
    status, _, text = get(server, "/_silt/metrics")
    assert status == 200, text
    return Scrape(text)


def admin_json(server, *args):
    r = server.admin("--json", *args)
    assert r.returncode == 0, f"silt admin {args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout)


def osd(cluster, command, n):
    import subprocess
    r = subprocess.run([str(SCRIPT), command, str(cluster.dir), str(n)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{command} {n}: {r.stdout}{r.stderr}"


NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"
CHROMIUM = "/usr/bin/chromium"


class ConsolePage:
    """node/console_cluster.mjs: the console signed in as the admin in headless Chromium;
    shown() waits for the dashboard's next refresh and returns what the page displays."""

    def __init__(self, gateway):
        env = dict(os.environ, ENDPOINT=gateway.endpoint, ADMIN_KEY=gateway.access_key,
                   ADMIN_SECRET=gateway.secret_key, CHROMIUM=CHROMIUM)
        self.err = open(gateway.workdir / "console-cluster.err", "w")
        self.proc = subprocess.Popen(["node", str(NODE_DIR / "console_cluster.mjs")], cwd=NODE_DIR, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)

    def shown(self, timeout=60):
        self.proc.stdin.write("next\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        assert line, f"console_cluster.mjs gave nothing: {(self.err.name and open(self.err.name).read())[-2000:]}"
        got = json.loads(line)
        assert got["problems"] == [] and got["loadError"] == "", got
        return got

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.err.close()


@pytest.fixture(scope="module")
def console_page(gateway):
    if not os.path.exists(CHROMIUM) or shutil.which("node") is None or \
            not (NODE_DIR / "node_modules" / "playwright-core").is_dir():
        pytest.skip("needs chromium, node and node/node_modules/playwright-core (scripts/install-deps.sh --test)")
    page = ConsolePage(gateway)
    yield page
    page.close()


def until_shown(page, what, check, deadline=DEADLINE):
    """The page's refreshes until check(shown) is True."""
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        last = page.shown()
        if check(last):
            return last
    pytest.fail(f"console: {what} not shown within {deadline} s (last: {last!r})", pytrace=False)


def poll(what, check, deadline=DEADLINE):
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        last = check()
        if last is True:
            print(f"{what}: {deadline - (end - time.monotonic()):.1f} s")
            return
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {deadline} s (last: {last!r})", pytrace=False)


def pgs(m, pool, state):
    return m.value("silt_cluster_pool_pgs", pool=pool, state=state)


def clean_and_up(m):
    """True when 3 OSDs are up and every PG of silt's pools is clean; else what is not."""
    if m.value("silt_cluster_osds", state="up") != 3:
        return ("osds up", m.value("silt_cluster_osds", state="up"))
    for pool in ("silt.meta", *DATA_POOLS):
        if pgs(m, pool, "degraded") or pgs(m, pool, "inactive") or not pgs(m, pool, "clean"):
            return (pool, pgs(m, pool, "clean"), pgs(m, pool, "degraded"), pgs(m, pool, "inactive"))
    return True


def console_status(server):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        c.request("POST", "/_silt/console/api/login",
                  body=json.dumps({"accessKey": server.access_key, "secretKey": server.secret_key}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        assert r.status == 200
        token = r.headers["Set-Cookie"].split(";")[0]
    finally:
        c.close()
    status, _, body = get(server, "/_silt/console/api/status", {"Cookie": token})
    assert status == 200, body
    return json.loads(body)


def test_a_healthy_cluster_answers_200_with_every_osd_up_and_every_pg_clean(gateway):
    poll("all OSDs up and PGs clean in the metrics", lambda: clean_and_up(metrics(gateway)))
    m = metrics(gateway)
    assert m.value("silt_cluster_reachable") == 1
    assert m.value("silt_cluster_writable") == 1
    assert m.value("silt_cluster_osds", state="total") == 3 and m.value("silt_cluster_osds", state="in") == 3
    assert m.value("silt_cluster_monitors") == 1 and m.value("silt_cluster_monitors_in_quorum") == 1
    assert m.value("silt_cluster_health_status") in (0, 1)  # HEALTH_WARN: the shared disk may be nearly full
    for pool in DATA_POOLS:
        assert pgs(m, pool, "clean") == 8, pool  # scripts/ceph_cluster_admin.py: 8 PGs per pool
        assert m.value("silt_cluster_pool_writable", pool=pool, role="data") == 1
    assert not m.find("silt_cluster_pool_used_bytes")  # no ceph-mgr: no pool statistics, no made-up zero
    assert not m.find("silt_drive_state")  # no local drives on this backend
    for path in ("/minio/health/cluster", "/minio/health/cluster/read", "/minio/health/cluster?maintenance=true"):
        status, h, _ = get(gateway, path)
        assert status == 200, path
        assert h["X-Minio-Write-Quorum"] == "2"  # silt.std: EC 2+1, min_size 2
    st = admin_json(gateway, "status")
    assert st["backend"] == "rados" and st["drives"] == []
    c = st["cluster"]
    assert c["reachable"] and c["writable"] and c["osds"] == {"total": 3, "up": 3, "in": 3}
    by_name = {p["name"]: p for p in c["pools"]}
    assert by_name["silt.meta"]["role"] == "index" and not by_name["silt.meta"]["erasure"]
    std = by_name["silt.std"]
    assert (std["erasure"], std["k"], std["m"], std["size"], std["min_size"]) == (True, 2, 1, 3, 2)
    assert std["storage_classes"] == ["STANDARD"] and std["silt_pools"] == ["standard"]
    assert std["pgs"] == {"total": 8, "clean": 8, "degraded": 0, "inactive": 0}
    assert std["used_bytes"] is None and not c["mgr"]
    assert console_status(gateway)["cluster"]["osds"]["up"] == 3
    text = gateway.admin("status")
    assert text.returncode == 0, text.stderr
    assert "  OSDs: 3 up, 3 in, of 3\n" in text.stdout and "  writes: ok\n" in text.stdout, text.stdout
    assert "Drives" not in text.stdout


def test_usage_shows_each_pool_beside_what_the_index_stores_there(gateway):
    s3 = gateway.boto3()
    b = bucket_name("ops-usage")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="std", Body=b"s" * 300_000)
    s3.put_object(Bucket=b, Key="ia", Body=b'{"line": 1}\n' * 30_000, StorageClass="STANDARD_IA")
    usage = admin_json(gateway, "usage")
    rows = {r["pool"]: r for r in usage["cluster"]}
    assert set(rows) == set(DATA_POOLS)  # the index pool holds no class's data
    classes = {c["storage_class"]: c for bu in usage["buckets"] if bu["bucket"] == b for c in bu["classes"]}
    std, cold = rows["silt.std"], rows["silt.cold"]
    assert std["index_stored_bytes"] >= classes["STANDARD"]["stored_bytes"] > 0
    assert std["ec_overhead"] == 1.5 and std["compression"] == "none"
    assert cold["compression"] == "zstd-3" and cold["compression_ratio"] > 5  # JSON lines compress well
    assert cold["index_stored_bytes"] >= classes["STANDARD_IA"]["stored_bytes"] > 0
    for r in rows.values():  # no ceph-mgr here: the pool's figures are unknown, and the answer says why
        assert r["pool_used_bytes"] is None and r["used_to_index_ratio"] is None
        assert "ceph-mgr" in r["note"]
    one_bucket = admin_json(gateway, "usage", "--bucket", b)
    assert "cluster" not in one_bucket  # the pools hold every bucket: beside one they would mislead


def test_an_osd_killed_then_restarted_shows_in_metrics_status_console_and_health(gateway, cluster):
    poll("healthy before the kill", lambda: clean_and_up(metrics(gateway)))
    s3 = gateway.boto3()
    b = bucket_name("ops-kill")
    s3.create_bucket(Bucket=b)
    osd(cluster, "kill-osd", 2)
    try:
        def one_down():
            m = metrics(gateway)
            if m.value("silt_cluster_osds", state="up") != 2:
                return ("osds up", m.value("silt_cluster_osds", state="up"))
            return True if all(pgs(m, p, "degraded") > 0 for p in DATA_POOLS) else "no degraded PGs yet"
        poll("metrics: 2 OSDs up and degraded PGs", one_down)
        m = metrics(gateway)
        assert m.value("silt_cluster_health_status") >= 1  # OSD_DOWN
        for pool in DATA_POOLS:  # 2 of 3 up = min_size: degraded, not inactive
            assert pgs(m, pool, "inactive") == 0 and pgs(m, pool, "clean") + pgs(m, pool, "degraded") == 8
        assert m.value("silt_cluster_writable") == 1
        c = admin_json(gateway, "status")["cluster"]
        assert c["osds"]["up"] == 2 and "OSD_DOWN" in c["checks"] and c["health"] != "HEALTH_OK"
        panel = console_status(gateway)["cluster"]
        assert panel["osds"]["up"] == 2
        assert all(p["pgs"]["degraded"] > 0 for p in panel["pools"] if p["role"] == "data")
        # The rule: every pool still takes writes, so 200, and writes do go through.
        assert get(gateway, "/minio/health/cluster")[0] == 200
        s3.put_object(Bucket=b, Key="during", Body=b"x" * 100_000)
        assert s3.get_object(Bucket=b, Key="during")["Body"].read() == b"x" * 100_000

        # A pool whose PGs have fewer acting OSDs up than its min_size takes no writes: raise
        # silt.cold's min_size to 3 while only 2 are up (a second kill would wait a minute for
        # the lone OSD left to be reported down).
        cluster.set_min_size("silt.cold", 3)
        try:
            poll("metrics: silt.cold below min_size", lambda: metrics(gateway).value("silt_cluster_writable") == 0)
            m = metrics(gateway)
            assert pgs(m, "silt.cold", "inactive") > 0 and pgs(m, "silt.std", "inactive") == 0
            assert m.value("silt_cluster_pool_writable", pool="silt.cold", role="data") == 0
            assert m.value("silt_cluster_pool_writable", pool="silt.std", role="data") == 1
            for path in ("/minio/health/cluster", "/minio/health/cluster/read", "/minio/health/cluster?maintenance=true"):
                assert get(gateway, path)[0] == 503, path
            assert get(gateway, "/_silt/health/ready")[0] == 200  # the gateway itself still serves
            panel = console_status(gateway)["cluster"]
            assert panel["writable"] is False
            assert [p["writable"] for p in panel["pools"] if p["name"] == "silt.cold"] == [False]
        finally:
            cluster.set_min_size("silt.cold", 2)
        poll("metrics: silt.cold writable again", lambda: metrics(gateway).value("silt_cluster_writable") == 1)
    finally:
        osd(cluster, "start-osd", 2)
    poll("metrics: 3 OSDs up and every PG clean again", lambda: clean_and_up(metrics(gateway)))
    assert get(gateway, "/minio/health/cluster")[0] == 200
    assert admin_json(gateway, "status")["cluster"]["osds"]["up"] == 3
    assert s3.get_object(Bucket=b, Key="during")["Body"].read() == b"x" * 100_000


def test_the_console_shows_the_cluster_panel_and_follows_an_osd_down(gateway, cluster, console_page):
    """The page itself, in Chromium: the cluster panel instead of drives, pools and healing;
    2 OSDs up and degraded PGs while one is killed; back to 3 after its restart."""
    poll("healthy before", lambda: clean_and_up(metrics(gateway)))
    shown = until_shown(console_page, "3 OSDs up", lambda s: s["summary"].get("osdsUp") == "3")
    assert shown["hidden"] == {"cluster-panel": False, "drives-panel": True, "pools-panel": True,
                               "healing-panel": True, "usage-cluster": False}
    assert shown["summary"]["writable"] == "true" and "takes writes" in shown["summary"]["text"]
    assert {p["pool"] for p in shown["pools"]} == {"silt.meta", *DATA_POOLS}
    assert all(p["degraded"] == "0" and p["inactive"] == "0" for p in shown["pools"])
    assert set(shown["usagePools"]) == set(DATA_POOLS)  # the usage panel's table against the pools
    osd(cluster, "kill-osd", 0)
    try:
        shown = until_shown(console_page, "2 OSDs up with degraded PGs", lambda s: s["summary"].get("osdsUp") == "2" and
                            all(int(p["degraded"]) > 0 for p in s["pools"] if p["pool"] in DATA_POOLS))
        assert "OSD_DOWN" in shown["summary"]["text"] and shown["summary"]["health"] != "HEALTH_OK"
        assert shown["summary"]["writable"] == "true"  # degraded, still min_size up
    finally:
        osd(cluster, "start-osd", 0)
    until_shown(console_page, "3 OSDs up again", lambda s: s["summary"].get("osdsUp") == "3" and
                all(p["degraded"] == "0" for p in s["pools"]))


def test_heal_calls_still_refuse_on_a_cluster(gateway):
    # Ceph heals and scrubs: silt's healer does not run here, and says so rather than 200.
    r = gateway.admin("heal")
    assert r.returncode != 0 and "healer is not running" in (r.stdout + r.stderr), (r.stdout, r.stderr)
    assert gateway.health("live") == 200  # and it keeps serving


def test_monitors_that_stop_answering_make_the_cluster_probe_503_until_they_answer(gateway, cluster):
    import os
    import signal
    poll("healthy before", lambda: clean_and_up(metrics(gateway)))
    mon = cluster.daemons()["mon.a"]  # this module's own cluster
    os.kill(mon, signal.SIGSTOP)
    try:
        # The gateway's refresh waits on the silent monitor; its last answer ages past 15 s.
        poll("cluster probe 503 with the monitor stopped", lambda: get(gateway, "/minio/health/cluster")[0] == 503)
        m = metrics(gateway)
        assert m.value("silt_cluster_reachable") == 0 and m.value("silt_cluster_writable") == 0
        assert m.value("silt_cluster_osds", state="up") == 3  # the last figures the monitors gave
        c = admin_json(gateway, "status")["cluster"]
        assert c["reachable"] is False and "monitors" in c["error"]
        assert get(gateway, "/_silt/health/live")[0] == 200
    finally:
        os.kill(mon, signal.SIGCONT)
    poll("cluster probe 200 once the monitor answers", lambda: get(gateway, "/minio/health/cluster")[0] == 200)
    assert metrics(gateway).value("silt_cluster_reachable") == 1
