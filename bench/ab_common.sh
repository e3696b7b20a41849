# Sourced by the A/B scripts (ab_get.sh, ab_put.sh), which set AK and SK first:
#   . "$(dirname "$0")/ab_common.sh" NAME
# gives a work dir /tmp/silt-NAME.XXXXXX removed at exit together with every process listed
# in pids; start_silt_process NAME BINARY PORT, which starts a silt with its default flags
# on a fresh data dir under the work dir and returns once it answers health (EP[NAME] its
# endpoint, PID[NAME] its process); field FILE KEY, a value of silt-bench's --json output.
work=$(mktemp -d "/tmp/silt-$1.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
declare -A EP PID
start_silt_process() {  # name binary port
  mkdir -p "$work/$1"
  SILT_ROOT_USER=$AK SILT_ROOT_PASSWORD=$SK SILT_CERTS_DIR= "$2" server --data "$work/$1/data" \
    --address 127.0.0.1:$3 --log-level warn >"$work/$1/log" 2>&1 &
  pids+=($!)
  PID[$1]=$!
  for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:$3/_silt/health/ready && break; sleep 0.1; done
  EP[$1]=http://127.0.0.1:$3
}
field() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j[sys.argv[2]])' "$@"; }
