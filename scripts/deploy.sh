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
  # The emulated RDS instance and ElastiCache replication group report the loopback PostgreSQL and Redis as
  # their endpoints when these answer, so that the local stand-in of the application reaches them through
  # the same secrets as the real service (LOCAL_POSTGRES / LOCAL_REDIS, host:port, choose other servers).
  # The emulator reads them when it starts: `make emulator-down` first to change them.
  answers() { timeout 2 bash -c "exec 3<>/dev/tcp/${1%:*}/${1##*:}" 2>/dev/null; }
  LOCAL_POSTGRES=${LOCAL_POSTGRES:-127.0.0.1:5432}
  LOCAL_REDIS=${LOCAL_REDIS:-127.0.0.1:6379}
  if answers "$LOCAL_POSTGRES"; then
    export TRACETRACK_EMULATOR_RDS_ENDPOINT=$LOCAL_POSTGRES
    echo "==> PostgreSQL answers on $LOCAL_POSTGRES: the emulated RDS instance reports it as its endpoint"
  else
    echo "==> no PostgreSQL on $LOCAL_POSTGRES: the local application runs on SQLite"
  fi
  if answers "$LOCAL_REDIS"; then
    export TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT=$LOCAL_REDIS
    echo "==> Redis answers on $LOCAL_REDIS: the emulated replication group reports it as its endpoint"
  else
    echo "==> no Redis on $LOCAL_REDIS: the local application uses its in-process cache"
  fi
  # The local inventory points every AWS task at this emulator (aws_endpoint_url).
  python -m tracetrack_emulator start
else
  # A real environment must never be sent to an emulator by a stray variable.
  unset AWS_ENDPOINT_URL
fi

echo "==> ansible-playbook -i inventories/$env_name ${playbooks[*]} $*"
exec ansible-playbook -i "inventories/$env_name" "${playbooks[@]}" "$@"
