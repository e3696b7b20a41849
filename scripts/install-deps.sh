#!/usr/bin/env bash
# Installs the Debian packages silt needs, only those that are missing.
#   scripts/install-deps.sh          build + run dependencies
#   scripts/install-deps.sh --test   also the real S3 clients the tests drive
set -euo pipefail

build_pkgs=(g++ meson ninja-build pkg-config libboost1.81-dev libisal-dev libleveldb-dev
  nlohmann-json3-dev catch2 libssl-dev libpugixml-dev libspdlog-dev libcli11-dev libzstd-dev)
test_pkgs=(rclone s3cmd python3-boto3 python3-pytest python3-requests docker-compose curl)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The tests drive an aws cli; any on PATH will do (e.g. a pip-installed v1),
# otherwise Debian's.
if [ "${1:-}" = "--test" ] && ! command -v aws >/dev/null 2>&1; then
  missing+=(awscli)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
