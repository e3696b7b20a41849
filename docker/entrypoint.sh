#!/bin/sh
# The image's entrypoint. MinIO's image ran as root, so compose files bind-mount folders
# that Docker created as root (`./data:/data`). Started as root, this gives each data
# folder on the command line to the silt user when it is empty, and drops to that user if
# silt can then write every one of them; otherwise it runs silt as root, as MinIO ran, and
# says so. It never changes the owner of a folder that holds files.
set -e
bin=${SILT_BIN:-/usr/local/bin/silt}
uid=${SILT_UID:-10001}
gid=${SILT_GID:-10001}
[ "$(id -u)" = 0 ] || exec "$bin" "$@"

as_silt() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"; }
why=""
for arg in "$@"; do
  case "$arg" in
    *"{"*) why="MinIO's {1...N} folders are not checked here" ;;
    /*)
      [ -d "$arg" ] || continue
      [ -z "$(ls -A "$arg")" ] && chown "$uid:$gid" "$arg"
      as_silt test -w "$arg" || why="$arg is not writable by uid $uid"
      ;;
  esac
done
# MinIO's default certificate folder is under root's home, which uid $uid cannot read.
[ -z "${SILT_CERTS_DIR+set}" ] && [ -d "$HOME/.minio/certs" ] && why="$HOME/.minio/certs is root's"
if [ -z "$why" ]; then
  exec setpriv --reuid="$uid" --regid="$gid" --clear-groups "$bin" "$@"
fi
echo "silt: running as root: $why" >&2
exec "$bin" "$@"
