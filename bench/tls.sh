#!/bin/bash
# What https costs against plain http: one silt on one data dir, started alternately plain and
# with --certs-dir, curl PUTs then GETs the same object each round; prints each round and the
# medians. Wall seconds are curl's time_total; server CPU is the silt process's utime+stime.
#   SILT_BIN=build/silt bench/tls.sh [--mb 1024] [--rounds 3]
set -euo pipefail
mb=1024
rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --mb) mb=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [--mb N] [--rounds N]" >&2; exit 2 ;;
  esac
done
bin=${SILT_BIN:-build/silt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# A CA and a certificate for 127.0.0.1, made for this run.
mkdir -p "$work/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$work/certs/private.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1') -out "$work/certs/public.crt" 2>/dev/null
head -c $((mb << 20)) /dev/urandom > "$work/obj.bin"

# One round: start silt in mode $1, PUT and GET, stop. Prints "mode put_s put_cpu get_s get_cpu".
round() {
  local mode=$1 args=(server --data "$work/data" --address "127.0.0.1:$port")
  [ "$mode" = https ] && args+=(--certs-dir "$work/certs")
  SILT_CERTS_DIR= "$bin" "${args[@]}" > "$work/silt-$mode.log" 2>&1 &
  local pid=$! url="$mode://127.0.0.1:$port"
  for _ in $(seq 200); do curl -sf --cacert "$work/ca.pem" "$url/_silt/health/ready" > /dev/null && break; sleep 0.05; done
  local s3=(--aws-sigv4 aws:amz:us-east-1:s3 --user siltadmin:siltadmin-secret --cacert "$work/ca.pem" -sS -f
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
  local tck; tck=$(getconf CLK_TCK)
  cpu() { awk -v t="$tck" '{printf "%.2f", ($14+$15)/t}' "/proc/$pid/stat"; }
  curl "${s3[@]}" -X PUT "$url/bench" > /dev/null 2>&1 || true
  local c0 c1 c2 put get
  c0=$(cpu); put=$(curl "${s3[@]}" -T "$work/obj.bin" -o /dev/null -w "%{time_total}" "$url/bench/obj")
  c1=$(cpu); get=$(curl "${s3[@]}" -o /dev/null -w "%{time_total}" "$url/bench/obj")
  c2=$(cpu)
  kill -TERM "$pid"; wait "$pid" || true
  echo "$mode $put $(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b-a}') $get $(awk -v a="$c1" -v b="$c2" 'BEGIN{printf "%.2f", b-a}')"
}

results=()
for i in $(seq "$rounds"); do
  for mode in http https; do
    line=$(round $mode)
    echo "round $i: $line" >&2
    results+=("$line")
  done
done
printf '%s\n' "${results[@]}" | /usr/bin/python3 -c '
import sys, statistics as st
rows = [l.split() for l in sys.stdin if l.strip()]
med = {m: [st.median(float(r[i]) for r in rows if r[0] == m) for i in range(1, 5)] for m in ("http", "https")}
print(f"{len(rows)//2} rounds of '"$mb"' MiB, medians:")
for i, name in enumerate(["PUT wall s", "PUT silt CPU s", "GET wall s", "GET silt CPU s"]):
    h, s = med["http"][i], med["https"][i]
    ratio = f"{s / h:.2f}" if h else "-"
    print(f"  {name:15} http {h:7.2f}  https {s:7.2f}  https/http {ratio}")
'
