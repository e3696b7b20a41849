#!/usr/bin/env bash
# The lifecycle benchmark (issue 4): a raw-data-lake corpus lands as STANDARD on
# an "ssd" pool, a rule moves 80 % of it to STANDARD_IA on an "hdd" pool (10+4,
# zstd), and we report stored bytes and monthly cost before and after, the
# transition throughput beside single-core zstd on the same bytes, and GET
# latency during the pass against idle. Results go to stdout and, with
# --record, into docs/performance.md between the lifecycle markers.
#
#   bench/lifecycle.sh [--total-mb 1024] [--record]
#
# Needs: build/silt (or SILT_BIN), build-bench/bench/silt-bench (or SILT_BENCH),
# aws cli, zstd, /usr/bin/python3.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SILT_BIN="${SILT_BIN:-$REPO/build/silt}"
SILT_BENCH="${SILT_BENCH:-$REPO/build-bench/bench/silt-bench}"
TOTAL_MB=1024
RECORD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --total-mb) TOTAL_MB="$2"; shift 2 ;;
    --record) RECORD=1; shift ;;
    *) echo "usage: $0 [--total-mb N] [--record]" >&2; exit 2 ;;
  esac
done
for tool in "$SILT_BIN" "$SILT_BENCH"; do
  [ -x "$tool" ] || { echo "missing $tool (build it first)" >&2; exit 2; }
done

WORK="$(mktemp -d /tmp/silt-lifecycle-bench.XXXXXX)"
SILT_PID=""
cleanup() {
  [ -n "$SILT_PID" ] && kill "$SILT_PID" 2>/dev/null && wait "$SILT_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=bench-admin AWS_SECRET_ACCESS_KEY=bench-admin-secret AWS_DEFAULT_REGION=us-east-1
export SILT_ROOT_USER=$AWS_ACCESS_KEY_ID SILT_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL

echo "== corpus: $TOTAL_MB MiB of JSON-lines logs and CSV (bench/gen_corpus.py)"
# Four fifths under raw/ (the rule's prefix), one fifth under fresh/.
/usr/bin/python3 "$REPO/bench/gen_corpus.py" "$WORK/corpus" --total-mb "$TOTAL_MB" --file-mb 32 \
  --prefixes raw/day1,raw/day2,raw/day3,raw/day4,fresh/day5

# Two pools priced as in the Doris case (SSD 1000, HDD 300 per TB-month).
/usr/bin/python3 - "$WORK" <<'EOF'
import json, sys
w = sys.argv[1]
json.dump({
    "index": "index",
    "pools": [
        {"name": "ssd", "drives": [f"ssd-{i}" for i in range(1, 7)], "parity": 2, "price_per_tb_month": 1000},
        {"name": "hdd", "drives": [f"hdd-{i}" for i in range(1, 15)], "parity": 4, "zstd_level": 3,
         "price_per_tb_month": 300}],
    "storage_classes": {"STANDARD": "ssd", "STANDARD_IA": "hdd", "GLACIER_IR": "hdd"},
    "lifecycle": {"day_seconds": 1, "interval_seconds": 0, "objects_per_second": 0, "bytes_per_second": 0},
}, open(f"{w}/silt.json", "w"), indent=2)
EOF
"$SILT_BIN" server --config "$WORK/silt.json" --address "127.0.0.1:$PORT" --log-level warn >"$WORK/silt.log" 2>&1 &
SILT_PID=$!
for _ in $(seq 100); do
  curl -fs "$ENDPOINT/_silt/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
admin() { "$SILT_BIN" admin --endpoint "$ENDPOINT" "$@"; }

echo "== upload as STANDARD (aws s3 cp --recursive)"
aws --endpoint-url "$ENDPOINT" s3 mb s3://lake >/dev/null
aws --endpoint-url "$ENDPOINT" s3 cp --recursive --quiet "$WORK/corpus" s3://lake/
admin --json usage --bucket lake >"$WORK/usage-before.json"
"$SILT_BENCH" get --endpoint "$ENDPOINT" --bucket latency --size 64K --objects 8 --setup -c 1 --count 1 >/dev/null

cat >"$WORK/rules.json" <<'EOF'
{"Rules": [{"ID": "raw-is-cold-after-a-day", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
            "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}]}
EOF
aws --endpoint-url "$ENDPOINT" s3api put-bucket-lifecycle-configuration --bucket lake \
  --lifecycle-configuration "file://$WORK/rules.json"
admin --json lifecycle simulate --bucket lake --days 1 >"$WORK/simulate.json"
sleep 1.5

echo "== GET latency idle (silt-bench get 64 KiB, 1 connection, 10 s)"
"$SILT_BENCH" get --endpoint "$ENDPOINT" --bucket latency --size 64K --objects 8 -c 1 --duration 10 --json \
  >"$WORK/get-idle.json"

echo "== lifecycle pass, with the same GET load running"
# 5-second GET runs back to back until the pass is over.
(
  i=0
  while [ ! -e "$WORK/pass-done" ]; do
    i=$((i + 1))
    "$SILT_BENCH" get --endpoint "$ENDPOINT" --bucket latency --size 64K --objects 8 -c 1 --duration 5 --json \
      >"$WORK/get-busy-$i.json"
  done
) &
BENCH_PID=$!
admin lifecycle run >"$WORK/pass.txt" 2>&1
touch "$WORK/pass-done"
wait "$BENCH_PID"
admin --json lifecycle status >"$WORK/status.json"
admin --json usage --bucket lake >"$WORK/usage-after.json"

echo "== reference: single-core zstd -3 over the same bytes (3 runs)"
MOVED_FILES=$(find "$WORK/corpus/raw" -type f | sort)
for i in 1 2 3; do
  start=$(date +%s.%N)
  cat $MOVED_FILES | zstd -3 -T1 -c >"$WORK/zstd.out"
  end=$(date +%s.%N)
  echo "$start $end" >>"$WORK/zstd-times"
done
cat $MOVED_FILES | wc -c >"$WORK/moved-bytes"
stat -c %s "$WORK/zstd.out" >"$WORK/zstd-bytes"

/usr/bin/python3 - "$WORK" "$RECORD" "$REPO/docs/performance.md" "$TOTAL_MB" <<'EOF'
import json, statistics, sys, datetime
w, record, doc, total_mb = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
load = lambda n: json.load(open(f"{w}/{n}"))
before, after, status, sim = load("usage-before.json"), load("usage-after.json"), load("status.json"), load("simulate.json")
import glob
idle = load("get-idle.json")
runs = [json.load(open(f)) for f in sorted(glob.glob(f"{w}/get-busy-*.json"))]
busy = {"latency_ms": {"p50": statistics.median(r["latency_ms"]["p50"] for r in runs),
                       "p99": max(r["latency_ms"]["p99"] for r in runs)},
        "ops_s": statistics.median(r["ops_s"] for r in runs)}
last = status["last"]
secs = (last["finished_ms"] - last["started_ms"]) / 1000
moved = last["bytes_transitioned"]
times = [float(b) - float(a) for a, b in (l.split() for l in open(f"{w}/zstd-times"))]
zstd_s = statistics.median(times)
raw = int(open(f"{w}/moved-bytes").read())
zbytes = int(open(f"{w}/zstd-bytes").read())
mib = 1 << 20
b, a = before["totals"], after["totals"]
pred = sim["horizons"][0]
rows = [
    ("logical bytes", f"{b['logical_bytes'] / mib:.0f} MiB", f"{a['logical_bytes'] / mib:.0f} MiB", ""),
    ("stored bytes (measured)", f"{b['stored_bytes'] / mib:.0f} MiB", f"{a['stored_bytes'] / mib:.0f} MiB",
     f"{a['stored_bytes'] / b['stored_bytes']:.2f}x"),
    ("monthly cost", f"{b['monthly_cost']:.4f}", f"{a['monthly_cost']:.4f}",
     f"{100 * (1 - a['monthly_cost'] / b['monthly_cost']):.1f} % lower"),
    ("simulate's prediction (before the pass)", "", f"{pred['stored_bytes'] / mib:.0f} MiB, {pred['monthly_cost']:.4f}", ""),
]
thr = moved / mib / secs
zthr = raw / mib / zstd_s
out = []
out.append(f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, `bench/lifecycle.sh --total-mb {total_mb}`; "
           f"pools: ssd 6 drives 4+2 at 1000/TB-month, hdd 14 drives 10+4 zstd-3 at 300/TB-month; "
           f"a rule moves {last['transitioned']} objects ({moved / mib:.0f} MiB, {100 * moved / b['logical_bytes']:.0f} % "
           f"of the bytes) to STANDARD_IA.")
out.append("")
out.append("| | before | after | change |")
out.append("|---|---|---|---|")
out += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in rows]
out.append("")
out.append("| throughput | MiB/s | ratio |")
out.append("|---|---|---|")
out.append(f"| transition pass: read, re-encode 10+4 with zstd-3, fsync, flip ({secs:.1f} s) | {thr:.1f} | {thr / zthr:.2f}x zstd |")
out.append(f"| `zstd -3 -T1` over the same {raw / mib:.0f} MiB (median of 3; ratio {zbytes / raw:.2f}) | {zthr:.1f} | 1.00x |")
out.append("")
out.append(f"| 64 KiB GET, 1 connection (during the pass: {len(runs)} runs of 5 s, median p50, max p99) | p50 ms | p99 ms | ops/s |")
out.append("|---|---|---|---|")
for name, j in (("idle", idle), ("during the pass", busy)):
    out.append(f"| {name} | {j['latency_ms']['p50']:.2f} | {j['latency_ms']['p99']:.2f} | {j['ops_s']:.0f} |")
text = "\n".join(out)
print(text)
if record:
    s = open(doc).read()
    begin, end = "<!-- lifecycle:begin -->", "<!-- lifecycle:end -->"
    block = begin + "\n" + text + "\n" + end
    if begin in s:
        s = s[:s.index(begin)] + block + s[s.index(end) + len(end):]
    else:
        s += "\n## Lifecycle: what moving cold data saves\n\n" + block + "\n"
    open(doc, "w").write(s)
EOF
