#!/usr/bin/python3
"""The table of bench/rados.sh: per workload the median of the rounds on each gateway and the
ratio silt/RGW in speed (throughput ratio; for listing pages RGW's p50 over silt's, so above 1
always means silt is faster), with the load average seen across the rounds.

usage: rados_report.py RESULTS.jsonl   (one JSON line per silt-bench run, written by bench/rados.sh)
Exit 1 if any run failed (an error, or errors counted by silt-bench), after printing the table."""
import json
import statistics
import sys


def value(metric, result):
    if metric == "p50_ms":
        return result["latency_ms"]["p50"]
    return result[metric]


def fmt(metric, v):
    if metric == "p50_ms":
        return f"{v:.2f} ms"
    if metric == "mib_s":
        return f"{v:.1f} MiB/s"
    return f"{v:.0f} ops/s"


def main(path):
    rows, order, failed = {}, [], []
    for line in open(path):
        r = json.loads(line)
        if r["server"] == "both":  # seeding times
            print(f"{r['workload']}: {r['result']['seconds']} s, {r['result'].get('detail', '')} (load {r['load']})")
            continue
        res = r["result"]
        if "error" in res or res.get("errors"):
            failed.append(f"{r['workload']} {r['server']} #{r['rep']}: {res.get('error') or res.get('first_error')}")
            continue
        key = r["workload"]
        if key not in rows:
            rows[key] = {"metric": r["metric"], "what": r["what"], "silt": [], "rgw": [], "load": []}
            order.append(key)
        rows[key][r["server"]].append(value(r["metric"], res))
        rows[key]["load"].append(float(r["load"].split()[0]))
    print("| workload | silt on RADOS (median) | RGW (median) | silt/RGW speed | load (1 min) |")
    print("|---|---|---|---|---|")
    last_rgw_list = None  # (what, median) of the biggest RGW bucket listed so far
    for key in order:
        w = rows[key]
        if not w["silt"]:
            continue
        rounds = lambda xs: ", ".join(fmt(w["metric"], x).split()[0] for x in xs)
        silt = statistics.median(w["silt"])
        if w["rgw"]:
            rgw = statistics.median(w["rgw"])
            rgw_cell = f"**{fmt(w['metric'], rgw)}** ({rounds(w['rgw'])})"
            if key.startswith("list-"):
                last_rgw_list = (key[len("list-"):], rgw)
        elif key.startswith("list-") and last_rgw_list:
            # silt alone past RGW_MAX_KEYS: against RGW's page at its biggest bucket (bench/rados.sh).
            rgw = last_rgw_list[1]
            rgw_cell = f"not seeded; at {last_rgw_list[0]} keys: {fmt(w['metric'], rgw)}"
        else:
            continue
        ratio = rgw / silt if w["metric"] == "p50_ms" else silt / rgw
        print(f"| {w['what']} | **{fmt(w['metric'], silt)}** ({rounds(w['silt'])}) | {rgw_cell} | "
              f"**{ratio:.2f}×** | {min(w['load']):.1f}–{max(w['load']):.1f} |")
    for f in failed:
        print("FAILED: " + f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
