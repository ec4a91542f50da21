#!/usr/bin/env bash
# Install the system packages bindep.txt lists for the given profiles (default: container test) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=("$@")
[ ${#profiles[@]} -gt 0 ] || profiles=(container test)
# The answer only changes with bindep.txt or the system's package database: remembered until one of them changes.
stamp=.local/system-deps-${profiles[*]// /-}.ok
key="$(cksum < bindep.txt) $(stat -c %Y /var/lib/dpkg/status 2>/dev/null || echo none)"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && exit 0
mapfile -t missing < <(.venv/bin/bindep -b "${profiles[@]}" 2>/dev/null || true)
if [ ${#missing[@]} -eq 0 ]; then
  mkdir -p .local && printf '%s\n' "$key" > "$stamp"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "WARNING: missing system packages (install them, then re-run): ${missing[*]}" >&2
  exit 0
fi
echo "==> installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
