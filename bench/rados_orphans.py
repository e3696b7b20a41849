#!/usr/bin/python3
"""How long `silt admin rados orphans` takes, and how much memory it holds, on a namespace of N
live objects (each one data object: 5 KB, above inline_bytes), then with N raw orphans beside
them (the worst case: every orphan is looked at twice and stat'ed). docs/cluster.md, "Orphan
check".

    /usr/bin/python3 bench/rados_orphans.py CEPH_CONF [N]      # SILT_BIN, default build/silt

Starts one gateway on the cluster in a fresh namespace, PUTs N objects with 8 threads, runs the
check 3 times, writes N raw objects with silt's naming into the data pool, runs it 3 times
again, and prints each run's seconds and the check's peak RSS. Leaves the namespace behind
(a throwaway cluster is assumed)."""
import concurrent.futures
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "test" / "integration"))
from silt_server import SiltServer, silt_binary  # noqa: E402


def check(config):
    """One run -> (seconds, peak RSS of the child in MiB, exit code)."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # its own process, so wait4 gives its peak RSS alone; the listing goes nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(str(silt_binary()), [str(silt_binary()), "admin", "rados", "orphans", "--config", str(config),
                                      "--intent-timeout", "1000000"])
    _, status, usage = os.wait4(pid, 0)
    return time.monotonic() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    conf = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    namespace = "orphbench-" + os.urandom(4).hex()
    work = pathlib.Path(tempfile.mkdtemp(prefix="silt-orphbench-"))
    config = work / "silt.json"
    config.write_text(json.dumps({
        "backend": "rados", "rados": {"ceph_conf": conf, "namespace": namespace, "gc_interval_seconds": 0},
        "pools": [{"name": "standard", "rados_pool": "silt.std"}], "storage_classes": {"STANDARD": "standard"}}))
    gw = SiltServer(work / "gw")
    gw.args = ("--backend", "rados", "--config", str(config))
    gw.start(timeout=60)
    try:
        s3 = gw.boto3(max_pool_connections=8)
        s3.create_bucket(Bucket="bench")
        body = os.urandom(5000)
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda i: s3.put_object(Bucket="bench", Key=f"k{i:07d}", Body=body), range(n)))
        print(f"{n} PUTs in {time.monotonic() - t0:.1f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
        for label in ("live only", f"+ {n} raw orphans"):
            runs = [check(config) for _ in range(3)]
            secs = [r[0] for r in runs]
            print(f"{label}: {', '.join(f'{s:.2f}' for s in secs)} s (median {statistics.median(secs):.2f} s), "
                  f"peak RSS {max(r[1] for r in runs):.0f} MiB, exit {runs[0][2]}; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            if label == "live only":
                import rados
                cluster = rados.Rados(conffile=conf)
                cluster.connect(timeout=30)
                with cluster.open_ioctx("silt.std") as io:
                    io.set_namespace(namespace)
                    for i in range(n):
                        io.aio_write_full(os.urandom(16).hex() + ".0", b"x")
                    io.aio_flush()
                cluster.shutdown()
    finally:
        gw.stop()


if __name__ == "__main__":
    main()
