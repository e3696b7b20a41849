"""Anonymous GETs of a 4 KiB object through a public-read bucket policy on one RADOS
gateway, two silt binaries side by side on one test cluster (docs/cluster.md, "Figures:
caches"): each request needs the bucket's record and several bucket config documents
(policy, ACL, public access block, ownership ...), which the old binary reads from the
root object on every request and the new one from its watch-invalidated cache. ROUNDS
rounds (default 3), each old then new, WORKERS processes (default 4) of keep-alive GETs
for SECONDS (default 3) each; prints requests/s per round, the medians, their ratio and the
load average. Run with /usr/bin/python3 from the repository:

  bench/rados_config_cache.py OLD_SILT NEW_SILT
"""
import json
import multiprocessing
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import http.client

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "test" / "integration"))
from silt_server import SiltServer  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
WORKERS = int(os.environ.get("WORKERS", "4"))
SECONDS = float(os.environ.get("SECONDS", "3"))
REPO = pathlib.Path(__file__).resolve().parent.parent


def hammer(port, path, seconds, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        n += 1
    out.put(n)


def rate(port, path):
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=hammer, args=(port, path, SECONDS, q)) for _ in range(WORKERS)]
    t = time.monotonic()
    for p in ps:
        p.start()
    total = sum(q.get() for _ in ps)
    for p in ps:
        p.join()
    return total / (time.monotonic() - t)


def main():
    old, new = sys.argv[1], sys.argv[2]
    work = pathlib.Path(tempfile.mkdtemp(prefix="srcc-", dir="/tmp"))
    ceph = work / "c"
    subprocess.run([str(REPO / "scripts/ceph-cluster.sh"), "start", str(ceph)], check=True, stdout=subprocess.DEVNULL)
    servers = {}
    try:
        for name, binary in (("old", old), ("new", new)):
            cfg = work / f"{name}.json"
            cfg.write_text(json.dumps({
                "backend": "rados", "rados": {"ceph_conf": str(ceph / "ceph.conf"), "namespace": "bench-" + name},
                "pools": [{"name": "standard", "rados_pool": "silt.std"}], "storage_classes": {"STANDARD": "standard"},
                "lifecycle": {"interval_seconds": 0}}))
            os.environ["SILT_BIN"] = binary
            s = SiltServer(work / name)
            s.args = ("--backend", "rados", "--config", str(cfg))
            s.start(timeout=60)
            servers[name] = s
            c = s.boto3()
            c.create_bucket(Bucket="pub")
            c.put_object(Bucket="pub", Key="obj", Body=os.urandom(4096))
            c.put_bucket_policy(Bucket="pub", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pub/*"}]}))
        res = {"old": [], "new": []}
        for rnd in range(ROUNDS):
            for name in ("old", "new"):
                res[name].append(rate(servers[name].port, "/pub/obj"))
                print(f"round {rnd + 1} {name}: {res[name][-1]:.0f} requests/s", flush=True)
        mo, mn = statistics.median(res["old"]), statistics.median(res["new"])
        print(f"median old {mo:.0f}/s, new {mn:.0f}/s, new/old {mn / mo:.2f}x; "
              f"load average {os.getloadavg()[0]:.1f}")
    finally:
        for s in servers.values():
            s.stop()
        subprocess.run([str(REPO / "scripts/ceph-cluster.sh"), "stop", str(ceph)], stdout=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
