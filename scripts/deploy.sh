#!/usr/bin/env bash
# Run one playbook against one environment's inventory. The local environment gets the project's
# AWS emulator (started if needed); every other environment uses the standard AWS credential chain.
set -euo pipefail
cd "$(dirname "$0")/.."
env_name=$1; shift
# One or more playbooks (run in order, in one ansible-playbook run), then ansible-playbook's options.
playbooks=()
while [ $# -gt 0 ] && [[ $1 == *.yml ]]; do playbooks+=("$1"); shift; done

# An environment is a directory of inventories/ with a hosts.yml (inventories/examples/ holds other systems'
# inventories: ENV=examples/migrateai/production).
if [ ! -f "inventories/$env_name/hosts.yml" ]; then
  echo "ERROR: no inventory for ENV=$env_name (have: $(cd inventories && for f in */hosts.yml; do printf '%s ' "${f%/hosts.yml}"; done))" >&2
  exit 2
fi

if [ "$env_name" = local ]; then
  # The local inventory points every AWS task at this emulator (aws_endpoint_url). Started as the local environment's
  # AWS: the emulated RDS instance and ElastiCache group report the loopback PostgreSQL and Redis as their endpoints
  # when these answer (LOCAL_POSTGRES / LOCAL_REDIS, host:port, choose other servers), the ECS service's task runs on
  # this machine and ECR's repositories live in a loopback registry (emulator/tracetrack_emulator/control.py,
  # local_settings). The emulator reads these when it starts: `make emulator-down` first to change them.
  python -m tracetrack_emulator start --local-environment
else
  # A real environment must never be sent to an emulator by a stray variable.
  unset AWS_ENDPOINT_URL
fi

# The warm module interpreter (scripts/warm_python.py) this run starts stops with it. It is started now, in the
# background, so that its imports overlap ansible-playbook's own start rather than delay the first task.
if [ -n "${TRACETRACK_MODULE_PYTHON:-}" ]; then
  trap '"$TRACETRACK_MODULE_PYTHON" --stop' EXIT
  "$TRACETRACK_MODULE_PYTHON" -c pass >/dev/null 2>&1 &
fi

echo "==> ansible-playbook -i inventories/$env_name ${playbooks[*]} $*"
ansible-playbook -i "inventories/$env_name" "${playbooks[@]}" "$@"
