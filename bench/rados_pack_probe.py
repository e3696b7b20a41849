#!/usr/bin/python3
"""What a ListObjects page would cost the OSDs if listing headers were packed B to an omap value.

docs/performance.md, "Listing pages: packed blocks, measured before building". One throwaway
object in an index pool gets N `O<key>` entries (353-byte values, today's latest-version
entries), the same keys packed into blocks of B listing headers (56 bytes each, keyed by each
block's last key, one block family per B), and one delta (a 56-byte per-key entry) every 20 keys:
50 per page of 1000. Then ROUNDS rounds, each reading PAGES pages in turn per layout, every read
one ObjectReadOperation like a gateway's page:
  O    omap_get_vals(after "O"+marker, 1001)                today's page
  B    omap_get_vals(after "K<B>"+marker, 1000/B + 2)      the blocks covering the page
       + omap_get_vals(after "L"+marker, 64)                 the deltas it would merge
Per run: p50 of the read's latency and the three OSDs' CPU per read (/proc/PID/stat).
A gateway (HTTP, XML) comes on top: compare with silt-bench's page on the same cluster.

  /usr/bin/python3 bench/rados_pack_probe.py CEPH_DIR [--pool silt.meta] [--keys 1000000]
      [--blocks 16,32,64] [--rounds 3] [--pages 100] [--skip-seed]
CEPH_DIR is a scripts/ceph-cluster.sh directory (its ceph.conf and daemons file).
"""
import argparse
import os
import statistics
import time

import rados

OBJ = "silt.pack-probe"
HEADER = os.urandom(56)  # the size of a listing entry (docs/format.md)
O_VALUE = os.urandom(353)  # the size of a latest-version entry seeded by silt-seed-rados


def key(i):
    return b"lb/obj-%08d" % i


def seed(io, n, sizes):
    def put(ks, vs):
        with rados.WriteOpCtx() as op:
            io.set_omap(op, tuple(ks), tuple(vs))
            io.operate_write_op(op, OBJ)

    t0 = time.time()
    for s in range(0, n, 1000):
        ks = [b"O" + key(i) for i in range(s, min(n, s + 1000))]
        put(ks, [O_VALUE] * len(ks))
    for b in sizes:
        ks, vs = [], []
        for s in range(0, n, b):
            last = min(n, s + b) - 1
            vs.append(b"".join(len(key(i)).to_bytes(2, "little") + key(i) + HEADER for i in range(s, last + 1)))
            ks.append(b"K%02d" % b + key(last))
            if len(ks) == 500:
                put(ks, vs)
                ks, vs = [], []
        if ks:
            put(ks, vs)
    ks = [b"L" + key(i) for i in range(7, n, 20)]
    for s in range(0, len(ks), 1000):
        put(ks[s : s + 1000], [HEADER] * len(ks[s : s + 1000]))
    print("seeded %d keys in %.1f s" % (n, time.time() - t0), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ceph_dir")
    ap.add_argument("--pool", default="silt.meta")
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--blocks", default="16,32,64")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--skip-seed", action="store_true")
    a = ap.parse_args()
    sizes = [int(x) for x in a.blocks.split(",")]
    osds = [l.split()[1] for l in open(os.path.join(a.ceph_dir, "daemons")) if l.startswith("osd")]
    hz = os.sysconf("SC_CLK_TCK")

    def cpu():
        t = 0
        for p in osds:
            f = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        return t / hz

    c = rados.Rados(conffile=os.path.join(a.ceph_dir, "ceph.conf"))
    c.connect()
    io = c.open_ioctx(a.pool)
    if not a.skip_seed:
        seed(io, a.keys, sizes)

    def page(layout, i):
        m = key((i * 1000 + 123456) % max(1, a.keys - 2000))
        with rados.ReadOpCtx() as op:
            its = []
            if layout == "O":
                its.append(io.get_omap_vals(op, (b"O" + m).decode(), "O", 1001))
            else:
                pre = b"K%02d" % layout
                its.append(io.get_omap_vals(op, (pre + m).decode(), pre.decode(), 1000 // layout + 2))
                its.append(io.get_omap_vals(op, (b"L" + m).decode(), "L", 64))
            t = time.perf_counter()
            io.operate_read_op(op, OBJ)
            dt = time.perf_counter() - t
            return dt, [sum(1 for _ in it[0]) for it in its]

    res = {}
    for r in range(a.rounds):
        for layout in ["O"] + sizes:
            c0, lat = cpu(), []
            for i in range(a.pages):
                dt, n = page(layout, i)
                lat.append(dt)
            osd = (cpu() - c0) / a.pages * 1e3
            res.setdefault(layout, []).append((statistics.median(lat) * 1e3, osd))
            print("round %d %-3s p50 %.3f ms  OSD CPU %.2f ms/read  entries read %s  load %.1f"
                  % (r + 1, layout, res[layout][-1][0], osd, n, os.getloadavg()[0]), flush=True)
    for layout, v in res.items():
        print("%-3s median p50 %.3f ms, median OSD CPU %.2f ms/read" % (
            layout, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)))


if __name__ == "__main__":
    main()
