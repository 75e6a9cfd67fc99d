#!/usr/bin/env bash
# Installs the Debian packages the tests use, when run as root and they are missing.
set -euo pipefail

packages=(postgresql redis-server ffmpeg nginx libnginx-mod-rtmp chromium janus coturn iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: missing system packages: ${missing[*]} (install them with apt-get as root;" \
       "tests that need them will skip, or fail under CI=true)" >&2
  exit 0
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
# The test suite starts its own throwaway servers; the distribution's own instances are not needed.
for svc in postgresql redis-server nginx janus coturn; do
  command -v service >/dev/null && service "$svc" stop >/dev/null 2>&1 || true
done
