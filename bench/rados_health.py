"""What the cluster health probe costs on a RADOS gateway (docs/cluster.md, "Health, metrics
and the console"): one silt binary serving a fresh test cluster (RADOS backend) and local
drives (erasure backend) side by side; ROUNDS rounds (default 3), each RADOS then erasure, of
PROBES (default 2000) sequential keep-alive GETs of /minio/health/cluster from one client.
Prints each round's median probe latency, the medians of the rounds and their ratio, then the
time of one refresh round of mon commands as the gateway sends them (`status`, `osd dump`, and
`pg map` of every PG of silt's three pools, as after an OSD map change), median of 10, through
python3-rados, and the load average. Run with /usr/bin/python3 from the repository:

  bench/rados_health.py SILT
"""
import http.client
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "test" / "integration"))
from ceph_cluster import CephCluster  # noqa: E402
from silt_server import SiltServer  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
PROBES = int(os.environ.get("PROBES", "2000"))


def probe_round(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat = []
    for _ in range(PROBES):
        t = time.perf_counter()
        conn.request("GET", "/minio/health/cluster")
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        lat.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(lat) * 1e6


def refresh_round(cluster, pools):
    def mon(cmd):
        ret, out, err = cluster.mon_command(json.dumps(dict(cmd, format="json")), b"")
        assert ret == 0, err
        return out
    t = time.perf_counter()
    mon({"prefix": "status"})
    dump = json.loads(mon({"prefix": "osd dump"}))
    for p in dump["pools"]:
        if p["pool_name"] in pools:
            for ps in range(p["pg_num"]):
                mon({"prefix": "pg map", "pgid": f"{p['pool']}.{ps:x}"})
    return (time.perf_counter() - t) * 1000


def main():
    os.environ["SILT_BIN"] = str(pathlib.Path(sys.argv[1]).resolve())
    work = pathlib.Path(tempfile.mkdtemp(prefix="silt-health-"))
    ceph = CephCluster()
    ceph.start()
    servers = []
    try:
        config = work / "rados.json"
        config.write_text(json.dumps({
            "backend": "rados", "rados": {"ceph_conf": str(ceph.conf), "namespace": "bench"},
            "pools": [{"name": "standard", "rados_pool": "silt.std"}, {"name": "cold", "rados_pool": "silt.cold"}],
            "storage_classes": {"STANDARD": "standard", "STANDARD_IA": "cold"}}))
        rados_gw = SiltServer(work / "r")
        rados_gw.args = ("--backend", "rados", "--config", str(config))
        erasure_gw = SiltServer(work / "e")
        for s in (rados_gw, erasure_gw):
            s.start(timeout=60)
            servers.append(s)
        time.sleep(3)  # the first snapshot
        load0 = os.getloadavg()[0]
        r, e = [], []
        for i in range(ROUNDS):
            r.append(probe_round(rados_gw.port))
            e.append(probe_round(erasure_gw.port))
            print(f"round {i + 1}: RADOS {r[-1]:.0f} us, erasure {e[-1]:.0f} us per probe (median of {PROBES})")
        print(f"medians: RADOS {statistics.median(r):.0f} us, erasure {statistics.median(e):.0f} us, "
              f"ratio {statistics.median(r) / statistics.median(e):.2f}")
        import rados
        c = rados.Rados(conffile=str(ceph.conf))
        c.connect(timeout=30)
        rounds = [refresh_round(c, ("silt.meta", "silt.std", "silt.cold")) for _ in range(10)]
        c.shutdown()
        print(f"refresh round with pg map of 24 PGs: median {statistics.median(rounds):.1f} ms "
              f"(min {min(rounds):.1f}, max {max(rounds):.1f})")
        print(f"load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
    finally:
        for s in servers:
            s.stop()
        ceph.stop()


if __name__ == "__main__":
    main()
