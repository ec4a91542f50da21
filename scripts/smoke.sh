#!/usr/bin/env bash
# make smoke ENV=<env>: a real browser (tests/smoke, Playwright + Debian's Chromium) signs in to the deployed
# TraceTrack as its administrator, makes a dispatcher, scans, looks up, checks the dashboard, then a scanner device
# scans through the API; screenshots of every step land in .local/smoke/<env>/.
# The administrator's password and the device key go from Secrets Manager to a file only this user can read
# (playbooks/smoke.yml), into the journey's environment, and the file is removed: they are never printed.
set -euo pipefail
cd "$(dirname "$0")/.."
env_name=${1:?usage: scripts/smoke.sh <env> [ansible-playbook options]}
shift
slug=${env_name//\//-}
artifacts=${SMOKE_ARTIFACTS:-$PWD/.local/smoke/$slug}
mkdir -p "$artifacts" .local/smoke
variables=$(mktemp "$PWD/.local/smoke/.variables-XXXXXX")
trap 'rm -f "$variables"' EXIT

echo "==> reading what the journey needs for ENV=$env_name (playbooks/smoke.yml)"
scripts/deploy.sh "$env_name" playbooks/smoke.yml -e "smoke_env_file=$variables" "$@" >"$artifacts/variables.log" 2>&1 ||
  { cat "$artifacts/variables.log"; exit 1; }
set -a
# shellcheck disable=SC1090  # written just now by playbooks/smoke.yml
. "$variables"
set +a
rm -f "$variables"
echo "==> the journey in Chromium against $SMOKE_URL (screenshots in $artifacts)"
SMOKE_ARTIFACTS=$artifacts exec python -m pytest -p no:cacheprovider -q tests/smoke
