#!/usr/bin/python3
"""Monitor commands for the throwaway test cluster of scripts/ceph-cluster.sh, issued from one
process through the `rados` Python binding (Debian's python3-rados).

Why not the `ceph` CLI: each `ceph` call pays ~1 s of Python start-up and a fresh mon session;
the start recipe needs a dozen commands, so one connection saves most of the cluster's start time.

Subcommands (all but free-ports need --conf, the cluster's ceph.conf):
  free-ports WIDTH [--base B]  print the first port of a free window of WIDTH TCP ports on
                            127.0.0.1; with --base, B itself or exit 1 if that window is taken
  osd-new UUID...           register one OSD per uuid with the mon, print their ids, one a line
  ready --osds N            wait until N OSDs are up, then run `pools`
  pools                     create the EC profile and the pools (idempotent), then write one probe
                            object to each pool: it returns only once the pool's PGs are active
  status                    print quorum, OSDs up/in and pools; exit 1 if the mon does not answer
  osd-up N                  wait until the mon shows osd.N up
  pgs                       every PG's state (asked of its primary OSD: no mgr needed), then a
                            summary; exit 1 unless all are active+clean
  wait-clean                poll `pgs` until every PG is active+clean
  mgr-ready                 wait until a mgr is available and `df` reports every pool (the
                            mgr's pool statistics have arrived)
Every wait is bounded (--timeout, seconds); on expiry the command exits 1 with what it saw last.
"""
import argparse
import json
import random
import socket
import sys
import time

# What the RADOS backend will need (docs/cluster.md, design memo §2.1 and §4.1): the index lives in
# omap, which EC pools lack in Pacific, so it gets a replicated pool; the data classes get EC 2+1
# with the ISA-L plugin, the most three OSDs allow with the failure domain at OSD level.
EC_PROFILE = "silt-isa-2-1"
EC_PROFILE_SPEC = ["plugin=isa", "k=2", "m=1", "crush-failure-domain=osd", "technique=reed_sol_van"]
PG_NUM = 8
POOLS = [
    # (name, type, settings applied after creation)
    ("silt.meta", "replicated", {"size": "2", "min_size": "1"}),
    ("silt.std", "erasure", {}),
    # A compressed EC class. 128 KiB blobs: with bluestore's 8 KiB default a compressed blob
    # still takes half its allocation units, so the pool could never save more than 50 %.
    ("silt.cold", "erasure", {"compression_algorithm": "zstd", "compression_mode": "aggressive",
                              "compression_min_blob_size": "131072",
                              "compression_max_blob_size": "131072"}),
]
PROBE_OBJECT = "silt-probe"


def fail(msg):
    print(f"ceph_cluster_admin: {msg}", file=sys.stderr)
    sys.exit(1)


def window_free(base, width):
    """True if every port of base..base+width-1 binds on 127.0.0.1 now."""
    socks = []
    try:
        for port in range(base, base + width):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_ports(width, base=None, lo=20000, hi=32000):
    """A free window's base. Picked at random below Linux's default ephemeral range (32768+), so
    outgoing connections do not take its ports, and two clusters starting at once rarely try
    the same window (if they do, the second mon cannot bind and its start fails cleanly)."""
    if base is not None:
        if not window_free(base, width):
            fail(f"ports {base}-{base + width - 1} are not all free")
        return base
    bases = list(range(lo, hi - width, width))
    random.shuffle(bases)
    for base in bases:
        if window_free(base, width):
            return base
    fail(f"no window of {width} free ports in {lo}-{hi}")


def connect(conf, timeout):
    import rados  # only here: free-ports must work without the Ceph packages
    # Bounded waits instead of librados's defaults (300 s to mount, ops wait forever).
    cluster = rados.Rados(conffile=conf, conf={"client_mount_timeout": str(int(timeout)),
                                              "rados_osd_op_timeout": str(int(timeout)),
                                              "rados_mon_op_timeout": str(int(timeout))})
    deadline = time.monotonic() + timeout
    while True:
        try:
            cluster.connect(timeout=max(1, int(deadline - time.monotonic())))
            return cluster
        except rados.Error as e:
            if time.monotonic() >= deadline:
                fail(f"cannot reach the mon within {timeout} s: {e}")
            time.sleep(0.2)


def mon(cluster, prefix, check=True, **args):
    """One mon command; returns its JSON output (or text when it prints none)."""
    cmd = dict(prefix=prefix, format="json", **args)
    ret, out, err = cluster.mon_command(json.dumps(cmd), b"")
    if check and ret != 0:
        fail(f"`{prefix}` {args}: {ret} {err}")
    if not out:
        return err
    return json.loads(out)


def osd_new(cluster, uuids):
    for uuid in uuids:
        out = mon(cluster, "osd new", uuid=uuid)
        print(out["osdid"] if isinstance(out, dict) else out)


def wait_osds(cluster, want, timeout):
    deadline = time.monotonic() + timeout
    while True:
        osds = mon(cluster, "osd dump")["osds"]
        up = sum(1 for o in osds if o["up"])
        if up >= want:
            return
        if time.monotonic() >= deadline:
            fail(f"only {up} of {want} OSDs up after {timeout} s")
        time.sleep(0.2)


def pools(cluster):
    mon(cluster, "osd erasure-code-profile set", name=EC_PROFILE, profile=EC_PROFILE_SPEC)
    for name, kind, settings in POOLS:
        args = dict(pool=name, pg_num=PG_NUM, pgp_num=PG_NUM, pool_type=kind)
        if kind == "erasure":
            args["erasure_code_profile"] = EC_PROFILE
        mon(cluster, "osd pool create", **args)
        for var, val in settings.items():
            mon(cluster, "osd pool set", pool=name, var=var, val=val)
        # Without an application tag the mon reports POOL_APP_NOT_ENABLED (HEALTH_WARN).
        mon(cluster, "osd pool application enable", pool=name, app="silt")
    # Ready means writable: write_full blocks until the object's PG is active on enough OSDs.
    for name, _, _ in POOLS:
        with cluster.open_ioctx(name) as io:
            io.write_full(PROBE_OBJECT, b"probe")
            io.remove_object(PROBE_OBJECT)
    print("pools: " + " ".join(name for name, _, _ in POOLS))


def wait_osd_up(cluster, osd, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if any(o["osd"] == osd and o["up"] for o in mon(cluster, "osd dump")["osds"]):
            return
        if time.monotonic() >= deadline:
            fail(f"osd.{osd} not up after {timeout} s")
        time.sleep(0.2)


def pg_states(cluster):
    """{pgid: state} of every PG of every pool. Without a mgr the mon has no PG statistics, so
    each PG's primary is asked (`pg query`, what `ceph tell <pgid> query` sends); a PG whose
    primary does not answer within 10 s is "unknown"."""
    states = {}
    for p in mon(cluster, "osd pool ls", detail="detail"):
        for n in range(p["pg_num"]):
            pg = f"{p['pool_id']}.{n:x}"
            try:
                ret, out, _ = cluster.pg_command(pg, json.dumps({"prefix": "query", "pgid": pg}), b"", timeout=10)
                states[pg] = json.loads(out).get("state", "unknown") if ret == 0 else "unknown"
            except Exception:  # noqa: BLE001 - a timeout or a PG being remapped: ask again later
                states[pg] = "unknown"
    return states


def summary(states):
    counts = {}
    for st in states.values():
        counts[st] = counts.get(st, 0) + 1
    return ", ".join(f"{n} {st}" for st, n in sorted(counts.items()))


def pgs(cluster):
    states = pg_states(cluster)
    for pg, st in sorted(states.items()):
        print(f"{pg} {st}")
    print(f"{len(states)} pgs: {summary(states)}")
    if any(st != "active+clean" for st in states.values()):
        sys.exit(1)


def wait_clean(cluster, timeout):
    deadline = time.monotonic() + timeout
    while True:
        states = pg_states(cluster)
        if states and all(st == "active+clean" for st in states.values()):
            return
        if time.monotonic() >= deadline:
            fail(f"not every PG active+clean after {timeout} s: {summary(states)}")
        time.sleep(0.5)


def wait_mgr(cluster, timeout):
    # The mgr's first digest reaches the mon a stats period after the OSDs report to it; until
    # then `df` lists no pool. Waiting here means a test's first `df` is already meaningful.
    want = {name for name, _, _ in POOLS}
    deadline = time.monotonic() + timeout
    seen = set()
    while True:
        st = mon(cluster, "status")
        if st.get("mgrmap", {}).get("available"):
            seen = {p["name"] for p in mon(cluster, "df").get("pools", [])}
            if want <= seen:
                return
        if time.monotonic() >= deadline:
            fail(f"no mgr statistics for {sorted(want - seen)} after {timeout} s")
        time.sleep(0.2)


def status(cluster):
    q = mon(cluster, "quorum_status")
    osds = mon(cluster, "osd dump")
    up = sum(1 for o in osds["osds"] if o["up"])
    inn = sum(1 for o in osds["osds"] if o["in"])
    health = mon(cluster, "health")
    print(f"mon quorum: {' '.join(q['quorum_names'])}")
    print(f"osds: {len(osds['osds'])} total, {up} up, {inn} in")
    print("pools: " + " ".join(p["pool_name"] for p in osds["pools"]))
    mgr = mon(cluster, "mgr stat")
    print(f"mgr: {mgr.get('active_name') or 'none'}, {'available' if mgr.get('available') else 'not available'}")
    checks = health.get("checks", {}) if isinstance(health, dict) else {}
    print(f"health: {health.get('status') if isinstance(health, dict) else health}"
          + "".join(f"\n  {k}: {v['summary']['message']}" for k, v in checks.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--conf")
    ap.add_argument("--timeout", type=float, default=60)
    sub = ap.add_subparsers(dest="cmd", required=True)
    fp = sub.add_parser("free-ports")
    fp.add_argument("width", type=int)
    fp.add_argument("--base", type=int)
    sub.add_parser("osd-new").add_argument("uuids", nargs="+")
    sub.add_parser("ready").add_argument("--osds", type=int, required=True)
    sub.add_parser("pools")
    sub.add_parser("status")
    sub.add_parser("osd-up").add_argument("osd", type=int)
    sub.add_parser("pgs")
    sub.add_parser("wait-clean")
    sub.add_parser("mgr-ready")
    a = ap.parse_args()

    if a.cmd == "free-ports":
        print(free_ports(a.width, a.base))
        return
    if not a.conf:
        fail("--conf is required")
    cluster = connect(a.conf, a.timeout)
    try:
        if a.cmd == "osd-new":
            osd_new(cluster, a.uuids)
        elif a.cmd == "ready":
            wait_osds(cluster, a.osds, a.timeout)
            pools(cluster)
        elif a.cmd == "pools":
            pools(cluster)
        elif a.cmd == "status":
            status(cluster)
        elif a.cmd == "osd-up":
            wait_osd_up(cluster, a.osd, a.timeout)
        elif a.cmd == "pgs":
            pgs(cluster)
        elif a.cmd == "wait-clean":
            wait_clean(cluster, a.timeout)
        elif a.cmd == "mgr-ready":
            wait_mgr(cluster, a.timeout)
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main()
