#!/usr/bin/env bash
# Healing speed (issue 5): a deep heal pass (every shard of every version read
# and its CRC32C checked) and the rebuild of a wiped drive, each beside a
# reference measured in the same run on the same bytes: `cat` of all shard
# files (the drives' read ceiling, page cache warm for both) and `md5sum` of
# the uploaded data (one core's hashing speed).
#
#   bench/heal.sh [--total-mb 1024]
#
# Needs: build/silt (or SILT_BIN), /usr/bin/python3 with boto3.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SILT_BIN="${SILT_BIN:-$REPO/build/silt}"
TOTAL_MB=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --total-mb) TOTAL_MB="$2"; shift 2 ;;
    *) echo "usage: $0 [--total-mb N]" >&2; exit 2 ;;
  esac
done
[ -x "$SILT_BIN" ] || { echo "missing $SILT_BIN (build it first)" >&2; exit 2; }

WORK="$(mktemp -d /tmp/silt-heal-bench.XXXXXX)"
SILT_PID=""
cleanup() {
  [ -n "$SILT_PID" ] && kill "$SILT_PID" 2>/dev/null && wait "$SILT_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
export SILT_ROOT_USER=healbench SILT_ROOT_PASSWORD=healbench-secret
"$SILT_BIN" server --data "$WORK/data" --address "127.0.0.1:$PORT" --scrub-interval 0 \
  --drive-check-interval 0.5 >"$WORK/silt.log" 2>&1 &
SILT_PID=$!
for _ in $(seq 100); do curl -sf "$ENDPOINT/_silt/health/ready" >/dev/null && break; sleep 0.1; done

head -c "$((TOTAL_MB << 20))" /dev/urandom >"$WORK/corpus"
/usr/bin/python3 - "$ENDPOINT" "$WORK/corpus" <<'PY'
import sys, boto3
from botocore.config import Config
ep, path = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id="healbench",
                  aws_secret_access_key="healbench-secret", region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="heal-bench")
with open(path, "rb") as f:
    i = 0
    while chunk := f.read(64 << 20):  # 64 MiB objects
        s3.put_object(Bucket="heal-bench", Key=f"obj-{i:04d}", Body=chunk)
        i += 1
PY

admin() { "$SILT_BIN" admin --endpoint "$ENDPOINT" --json "$@"; }
seconds() { /usr/bin/python3 -c 'import sys,time; t=time.time(); print(f"{t:.3f}")'; }
pass_field() { /usr/bin/python3 -c "import json,sys; p=json.load(sys.stdin)['last']; print(p['$1'])"; }

shard_bytes=$(du -sb "$WORK"/data/drive-*/data | awk '{s+=$1} END {print s}')
t0=$(seconds); cat "$WORK"/data/drive-*/data/*/*/part.* >/dev/null; t1=$(seconds)
md5sum "$WORK/corpus" >/dev/null; t2=$(seconds)
heal_json=$(admin heal)
heal_ms=$(( $(echo "$heal_json" | pass_field finished_ms) - $(echo "$heal_json" | pass_field started_ms) ))

victim="$WORK/data/drive-3"
victim_bytes=$(du -sb "$victim/data" | awk '{print $1}')
rm -rf "$victim"
rebuild_json=""
for _ in $(seq 1200); do
  rebuild_json=$(admin status)
  if echo "$rebuild_json" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
last = s["healing"]["last"] or {}
sys.exit(0 if last.get("kind") == "rebuild" and all(d["state"] == "online" for d in s["drives"]) else 1)'; then
    break
  fi
  sleep 0.2
done
/usr/bin/python3 - "$TOTAL_MB" "$shard_bytes" "$t0" "$t1" "$t2" "$heal_ms" "$victim_bytes" "$rebuild_json" <<'PY'
import json, sys
total_mb, shard_bytes = int(sys.argv[1]), int(sys.argv[2])
t0, t1, t2, heal_ms, victim = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
status = json.loads(sys.argv[8])
last = status["healing"]["last"]
assert last["kind"] == "rebuild" and last["errors"] == 0, last
rebuild_s = (last["finished_ms"] - last["started_ms"]) / 1000
MiB = 1 << 20
cat_s, md5_s, heal_s = t1 - t0, t2 - t1, heal_ms / 1000
print(f"corpus: {total_mb} MiB in 64 MiB objects, 4+2: {shard_bytes / MiB:.0f} MiB of shard files")
print(f"deep heal pass: {heal_s:.2f} s = {shard_bytes / MiB / heal_s:.0f} MiB/s of shards "
      f"({total_mb / heal_s:.0f} MiB/s of object data)")
print(f"  cat of the same shard files: {shard_bytes / MiB / cat_s:.0f} MiB/s -> heal/cat {cat_s / heal_s:.2f}x")
print(f"  md5sum of the object data: {total_mb / md5_s:.0f} MiB/s -> heal/md5sum {md5_s / heal_s:.2f}x")
print(f"wiped drive rebuilt: {victim / MiB:.0f} MiB in {rebuild_s:.2f} s = {victim / MiB / rebuild_s:.0f} MiB/s written "
      f"({last['shards_repaired']} shards, {last['objects_scanned']} versions)")
PY
