#!/usr/bin/env bash
# Install the system packages bindep.txt lists for the given profiles (default: container test) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=("$@")
[ ${#profiles[@]} -gt 0 ] || profiles=(container test)
mapfile -t missing < <(.venv/bin/bindep -b "${profiles[@]}" 2>/dev/null || true)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "WARNING: missing system packages (install them, then re-run): ${missing[*]}" >&2
  exit 0
fi
echo "==> installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
