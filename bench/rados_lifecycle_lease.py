"""The cost of the lifecycle lease (docs/cluster.md, "Lifecycle across gateways"): one RADOS
gateway, a bucket of N versions (default 3000) under a rule with nothing due, so a pass is the
walk plus the lease; ROUNDS rounds (3) alternating OLD_SILT and NEW_SILT on one namespace of the
cluster CEPH_CONF (scripts/ceph-cluster.sh start DIR), each `silt admin lifecycle run` timed by
its pass's finished_ms - started_ms. Prints the times, the medians and the load average. Run
with /usr/bin/python3 from the repository:

  bench/rados_lifecycle_lease.py CEPH_CONF OLD_SILT NEW_SILT [N]
"""
import concurrent.futures
import json
import os
import pathlib
import statistics
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "test" / "integration"))
os.environ.pop("AWS_CA_BUNDLE", None)
from silt_server import SiltServer  # noqa: E402

BUCKET = "lease-bench"


def main():
    conf, old, new = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 3000
    work = pathlib.Path(tempfile.mkdtemp(prefix="silt-lease-bench-"))
    cfg = work / "silt.json"
    cfg.write_text(json.dumps({
        "backend": "rados", "rados": {"ceph_conf": conf, "namespace": "bench-" + os.urandom(4).hex()},
        "pools": [{"name": "standard", "rados_pool": "silt.std"}], "storage_classes": {"STANDARD": "standard"},
        "lifecycle": {"day_seconds": 86400, "interval_seconds": 0, "objects_per_second": 0}}))

    def gateway(binary, name):
        os.environ["SILT_BIN"] = str(pathlib.Path(binary).resolve())
        s = SiltServer(work / name)
        s.args = ("--backend", "rados", "--config", str(cfg))
        s.start(timeout=60)
        return s

    s = gateway(new, "seed")
    c = s.boto3()
    c.create_bucket(Bucket=BUCKET)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: c.put_object(Bucket=BUCKET, Key=f"k/{i:06d}", Body=b"x" * 100), range(n)))
    c.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [
        {"ID": "far", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 3650}}]})
    s.stop()
    times = {"old": [], "new": []}
    for r in range(3):
        for which, binary in (("old", old), ("new", new)):
            s = gateway(binary, f"{which}{r}")
            run = s.admin("--json", "lifecycle", "run", "--bucket", BUCKET)
            assert run.returncode == 0, run.stderr
            last = json.loads(s.admin("--json", "lifecycle", "status").stdout)["last"]
            assert last["objects_scanned"] == n, last
            times[which].append(last["finished_ms"] - last["started_ms"])
            s.stop()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"pass over {n} versions, ms: {times}; medians {med}; new/old {med['new'] / med['old']:.2f}; "
          f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
