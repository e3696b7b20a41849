#!/usr/bin/python3
"""Turns the raw figures of bench/run.sh into the tables of docs/performance.md and bench/last.json.

  report.py full  RESULTS WORKLOADS META LAST_JSON --doc docs/performance.md --raw bench/last-results.jsonl
  report.py quick RESULTS WORKLOADS META LAST_JSON [--record]

RESULTS: one JSON object per measurement {"workload","server","rep","cmd","result"}; WORKLOADS: one
{"name","metric","what"} per workload, in run order. The doc's generated part sits between the
BEGIN/END markers below; text outside them (the profiles and plans) is kept as it is.
"""
import argparse
import json
import statistics
import sys

BEGIN = "<!-- bench/run.sh: generated table, begin -->"
END = "<!-- bench/run.sh: generated table, end -->"
SERVERS = ["silt", "rgw", "s3rver", "nginx"]
UNITS = {"mib_s": "MiB/s", "ops_s": "ops/s", "p50": "ms p50", "rss_mib": "MiB", "records_s": "records/s"}
# Quick figures this much worse than the recorded ones are reported as regressions, after both are
# divided by md5sum's rate from their own run (REFERENCE: the machine's speed at the time).
REGRESSION = 0.8
REFERENCE = "q-ceil-md5sum"
# 4 KiB PUTs swing far more than the rest on these VMs: six 3 s rounds against one silt gave
# 590-1201 ops/s with nothing else running, and syncfs(2)'s own rate did not follow them. Only a
# drop below half is flagged there.
THRESHOLD = {"q-put-4k-c16": 0.5}


def value(result, metric):
    if "error" in result:
        return None
    if metric == "p50":
        return result["latency_ms"]["p50"]
    return result.get(metric)


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def medians(results, workloads):
    """{(workload, server): {"median", "values", "errors", "cmd"}}"""
    metric = {w["name"]: w["metric"] for w in workloads}
    out = {}
    for r in results:
        key = (r["workload"], r["server"])
        e = out.setdefault(key, {"values": [], "errors": 0, "cmd": r["cmd"], "first_error": ""})
        v = value(r["result"], metric[r["workload"]])
        errs = r["result"].get("errors", 0) if "error" not in r["result"] else 1
        e["errors"] += errs
        if errs and not e["first_error"]:
            e["first_error"] = r["result"].get("error") or r["result"].get("first_error", "")
        if v is not None and (r["result"].get("ops", 1) > 0):
            e["values"].append(v)
    for e in out.values():
        e["median"] = statistics.median(e["values"]) if e["values"] else None
    return out


def better(metric):
    return "lower" if metric == "p50" else "higher"


def fmt(v, metric):
    if v is None:
        return "—"
    if metric in ("ops_s", "records_s"):
        return f"{v:,.0f}"
    if metric == "p50":
        return f"{v:.2f}"
    return f"{v:,.1f}"


def ratio(a, b, metric):
    """How many times better a is than b (for latency: b / a)."""
    if a is None or b is None or a == 0 or b == 0:
        return None
    return b / a if metric == "p50" else a / b


def rfmt(x):
    return "—" if x is None else f"{x:.2f}×"


def targets(m, wl):
    def med(w, s):
        e = m.get((w, s))
        return e["median"] if e else None

    md5 = med("ceil-md5sum", "machine")
    rows = []

    def add(what, got, goal, cmp=">="):
        if got is None:
            rows.append((what, "—", f"{cmp} {goal}", "not measured"))
            return
        ok = got >= goal if cmp == ">=" else got <= goal
        rows.append((what, f"{got:.2f}", f"{cmp} {goal}", "met" if ok else "**missed**"))

    for w in ("put-1g-unsigned", "put-1g-chunked"):
        add(f"{w}: silt / md5sum (1 core)", ratio(med(w, "silt"), md5, "mib_s"), 0.75)
    add("put-64m-c16: silt / md5sum (1 core)", ratio(med("put-64m-c16", "silt"), md5, "mib_s"), 1.3)
    for w in ("get-1g", "get-64m-c16", "ranged-1m-c16"):
        add(f"{w}: silt / nginx", ratio(med(w, "silt"), med(w, "nginx"), "mib_s"), 0.8)
    add("get-4k-c16: silt / nginx", ratio(med("get-4k-c16", "silt"), med("get-4k-c16", "nginx"), "ops_s"), 0.5)
    for w in ("put-4k-c16", "put-4k-c64"):
        add(f"{w}: silt / RGW", ratio(med(w, "silt"), med(w, "rgw"), "ops_s"), 5)
    for w in wl:
        if w["name"].startswith(("ceil-", "mem-", "wrk-")):
            continue
        for peer, goal in (("rgw", 2), ("s3rver", 3)):
            if (w["name"], peer) in m:
                add(f"{w['name']}: silt / {peer}", ratio(med(w["name"], "silt"), med(w["name"], peer), w["metric"]), goal)
    add("list-10k: page p50 (ms)", med("list-10k", "silt"), 20, "<=")
    for big in ("list-1m", "list-10m"):
        if (big, "silt") in m:
            add(f"{big}: page p50 (ms)", med(big, "silt"), 20, "<=")
            # A page should cost the same whatever the index holds.
            add(f"{big} / list-10k: page p50", ratio(med("list-10k", "silt"), med(big, "silt"), "p50"), 1.5, "<=")
    add("mem-rss: peak RSS (MiB), 64 concurrent PUTs of 128 MiB", med("mem-rss", "silt"), 300, "<=")
    add("mem-rss-1g-zstd: peak RSS (MiB), 64 concurrent PUTs of 1 GiB", med("mem-rss-1g-zstd", "silt"), 300, "<=")
    return rows


def targets_21(m, wl, previous):
    """Issue 21's targets, and each silt figure against the one the previous full run recorded
    (PREVIOUS: bench/last.json's "full" figures before this run replaces them)."""
    def med(w, s):
        e = m.get((w, s))
        return e["median"] if e else None

    metric = {w["name"]: w["metric"] for w in wl}
    md5 = med("ceil-md5sum", "machine")
    rows = []

    def add(what, got, goal):
        if got is None:
            rows.append((what, "—", f">= {goal}", "not measured"))
        else:
            rows.append((what, f"{got:.2f}", f">= {goal}", "met" if got >= goal else "**missed**"))

    for w in ("put-4k-c16", "put-4k-c64"):
        add(f"{w}: silt / RGW", ratio(med(w, "silt"), med(w, "rgw"), "ops_s"), 5)
        add(f"{w}: silt / s3rver", ratio(med(w, "silt"), med(w, "s3rver"), "ops_s"), 3)
    add("get-4k-c16: silt / nginx", ratio(med("get-4k-c16", "silt"), med("get-4k-c16", "nginx"), "ops_s"), 0.5)
    add("put-1g-chunked: silt / md5sum (1 core)", ratio(med("put-1g-chunked", "silt"), md5, "mib_s"), 0.75)
    add("put-64m-c16: silt / md5sum (1 core)", ratio(med("put-64m-c16", "silt"), md5, "mib_s"), 1.2)
    add("ranged-1m-c16: silt / nginx", ratio(med("ranged-1m-c16", "silt"), med("ranged-1m-c16", "nginx"), "mib_s"), 0.8)
    add("get-1g-https: silt https / silt http (get-1g)", ratio(med("get-1g-https", "silt_tls"), med("get-1g", "silt"), "mib_s"), 0.7)
    # Machine speed differs between runs: each figure is divided by the run's md5sum rate first
    # (as --quick does) where the run recorded one.
    old_md5 = previous.get("ceil-md5sum@machine", {}).get("median")
    for key, e in previous.items():
        name, server = key.split("@", 1)
        if server != "silt" or name.startswith(("ceil-", "mem-", "load-")) or name not in metric:
            continue
        now = med(name, "silt")
        if now is None or not e.get("median"):
            continue
        r = ratio(now, e["median"], metric[name])
        if md5 and old_md5 and metric[name] != "p50":
            r = r * old_md5 / md5
        add(f"{name}: silt now / last full run (md5sum-normalized)", r, 1.0)
    return rows


def full(args, results, wl, meta):
    m = medians(results, wl)
    previous = read_last(args.last).get("full", {}).get("figures", {})
    lines = [BEGIN, ""]
    lines.append(f"Run of {meta['date']}: {meta['cores']} × {meta['cpu']}, Linux {meta['kernel']}; silt "
                 f"`{meta['silt_bin']}` (tree at {meta['silt_commit']}); servers {', '.join(meta['servers'])}"
                 f" and nginx; median of {meta['reps']} interleaved rounds; run took {meta['seconds'] // 60} min; "
                 f"load average at the end {' '.join(meta['loadavg_end'])} (client and servers share the cores).")
    for n in meta["notes"]:
        lines.append(f"\nNote: {n}")
    lines += ["", "### Machine ceilings (same run)", "", "| ceiling | MiB/s (median) | runs |", "|---|---|---|"]
    for w in wl:
        if w["name"].startswith("ceil-"):
            e = m.get((w["name"], "machine"))
            if e:
                lines.append(f"| {w['what']} | {fmt(e['median'], 'mib_s')} | "
                             f"{', '.join(fmt(v, 'mib_s') for v in e['values'])} |")
    lines += ["", "### Workloads", "",
              "| workload | unit | silt | RGW | s3rver | nginx | silt/RGW | silt/s3rver | silt/nginx | silt/md5sum |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    md5 = m.get(("ceil-md5sum", "machine"), {}).get("median")
    for w in wl:
        n, met = w["name"], w["metric"]
        if n.startswith("ceil-"):
            continue
        cells = []
        for s in SERVERS:
            e = m.get((n, s)) or (m.get((n, "silt_tls")) if s == "silt" else None)  # https: silt's column
            if not e:
                cells.append("—")
                continue
            c = fmt(e["median"], met)
            if e["errors"]:
                c += f" ({e['errors']} err)"
            cells.append(c)
        sv = m.get((n, "silt"), {}).get("median")
        rs = [rfmt(ratio(sv, m.get((n, p), {}).get("median"), met)) for p in ("rgw", "s3rver", "nginx")]
        rs.append(rfmt(ratio(sv, md5, met)) if met == "mib_s" and n.startswith("put") else "")
        lines.append(f"| {n}: {w['what']} | {UNITS[met]} | " + " | ".join(cells) + " | " + " | ".join(rs) + " |")
    lines += ["", "### Targets (issue 6)", "", "| target | measured | goal | |", "|---|---|---|---|"]
    for t in targets(m, wl):
        lines.append("| " + " | ".join(t) + " |")
    lines += ["", "### Targets (issue 21)", "", "| target | measured | goal | |", "|---|---|---|---|"]
    for t in targets_21(m, wl, previous):
        lines.append("| " + " | ".join(t) + " |")
    errs = [(k, e["first_error"]) for k, e in m.items() if e["errors"]]
    if errs:
        lines += ["", "Errors seen (first of each):", ""]
        lines += [f"- {k[0]} on {k[1]}: {msg}" for k, msg in errs]
    lines += ["", "### Exact commands", "",
              "Every measurement, first round (the other rounds repeat it; `$WORK` is the run's temp dir):", "",
              "```"]
    seen = set()
    for r in results:
        key = (r["workload"], r["server"])
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"# {r['workload']} on {r['server']}")
        lines.append(r["cmd"])
    lines += ["```", "", END]
    block = "\n".join(lines)

    try:
        with open(args.doc) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = "# Performance\n\n" + BEGIN + "\n" + END + "\n"
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc += "\n" + block + "\n"
    with open(args.doc, "w") as f:
        f.write(doc)
    with open(args.raw, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    last = read_last(args.last)
    last["full"] = {"meta": meta, "figures": {f"{k[0]}@{k[1]}": {"median": e["median"], "values": e["values"],
                                                                 "errors": e["errors"]} for k, e in m.items()}}
    write_last(args.last, last)
    for t in targets(m, wl):
        print(" | ".join(t))


def read_last(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def write_last(path, last):
    with open(path, "w") as f:
        json.dump(last, f, indent=1, sort_keys=True)
        f.write("\n")


def normalized(value, metric, ref):
    """value relative to its reference: a throughput divided by it, a latency multiplied by it
    (a machine half as fast halves md5sum and doubles p50, leaving the product)."""
    if value is None or not ref:
        return None
    return value * ref if metric == "p50" else value / ref


def quick(args, results, wl, meta):
    m = medians(results, wl)
    last = read_last(args.last).get("quick", {}).get("figures", {})
    print(f"{'workload':<18} {'unit':<10} {'now':>10} {'last':>10} {'reference, its now/last':<31} {'now/last':>9}")
    regressions = 0
    ref_now = (m.get((REFERENCE, "machine")) or {}).get("median")
    ref_prev = last.get(REFERENCE, {}).get("median")
    for w in wl:
        e = m.get((w["name"], "silt"))
        if not e:
            continue
        now, met = e["median"], w["metric"]
        prev = last.get(w["name"], {}).get("median")
        if ref_now and ref_prev:
            # Judged relative to the reference: a slower or busier machine moves both.
            r = ratio(normalized(now, met, ref_now), normalized(prev, met, ref_prev), met)
            ref_text = f"{REFERENCE} {rfmt(ratio(ref_now, ref_prev, 'ops_s')):>7}"
        else:
            r = ratio(now, prev, met)
            ref_text = "(none recorded)"
        flag = ""
        if e["errors"]:
            flag = f"  {e['errors']} errors: {e['first_error']}"
            regressions += 1
        elif r is not None and r < THRESHOLD.get(w["name"], REGRESSION):
            flag = "  REGRESSION"
            regressions += 1
        print(f"{w['name']:<18} {UNITS[met]:<10} {fmt(now, met):>10} {fmt(prev, met):>10} {ref_text:<31} {rfmt(r):>9}{flag}")
    print(f"(load average {' '.join(meta['loadavg_end'])}; now/last is 'times better' after dividing each "
          f"figure by md5sum's rate from the same run; < {REGRESSION} is flagged"
          + "".join(f", < {t} for {n}" for n, t in THRESHOLD.items()) + ")")
    if args.record:
        full_last = read_last(args.last)
        full_last["quick"] = {"meta": meta, "figures": {w: {"median": e["median"], "values": e["values"]}
                                                        for (w, s), e in m.items() if s in ("silt", "machine")}}
        write_last(args.last, full_last)
        print(f"recorded in {args.last}")
    return 1 if regressions else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["full", "quick"])
    p.add_argument("results")
    p.add_argument("workloads")
    p.add_argument("meta")
    p.add_argument("last")
    p.add_argument("--doc")
    p.add_argument("--raw")
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    results, wl = load(args.results), load(args.workloads)
    with open(args.meta) as f:
        meta = json.load(f)
    if args.mode == "full":
        full(args, results, wl, meta)
        return 0
    return quick(args, results, wl, meta)


if __name__ == "__main__":
    sys.exit(main())
