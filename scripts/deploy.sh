#!/usr/bin/env bash
# Run one playbook against one environment's inventory. The local environment gets the project's
# AWS emulator (started if needed); every other environment uses the standard AWS credential chain.
set -euo pipefail
cd "$(dirname "$0")/.."
env_name=$1; playbook=$2; shift 2

if [ ! -d "inventories/$env_name" ]; then
  echo "ERROR: no inventory for ENV=$env_name (have: $(cd inventories && echo */ | tr -d /))" >&2
  exit 2
fi

if [ "$env_name" = local ]; then
  # The local inventory points every AWS task at this emulator (aws_endpoint_url).
  python -m tracetrack_emulator start
else
  # A real environment must never be sent to an emulator by a stray variable.
  unset AWS_ENDPOINT_URL
fi

echo "==> ansible-playbook -i inventories/$env_name $playbook $*"
exec ansible-playbook -i "inventories/$env_name" "$playbook" "$@"
