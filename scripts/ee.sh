#!/usr/bin/env bash
# The execution environment (execution-environment.yml): build the collection, write the ansible-builder
# context to .local/ee/context, and, with EE_BUILD=1 and podman or docker at hand, build the image.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.local/ee
mkdir -p "$out"
rm -f "$out"/tracetrack-aws-*.tar.gz
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
cp "$out"/tracetrack-aws-*.tar.gz "$out/tracetrack-aws.tar.gz"
ansible-builder create -f execution-environment.yml --context "$out/context" --output-filename Containerfile
echo "==> build context: $out/context"
if [ "${EE_BUILD:-0}" = 1 ]; then
  runtime=$(command -v podman || command -v docker || true)
  if [ -z "$runtime" ]; then echo "ERROR: EE_BUILD=1 needs podman or docker" >&2; exit 2; fi
  ansible-builder build -f execution-environment.yml --context "$out/context" --container-runtime "$(basename "$runtime")" \
    --tag "${EE_TAG:-tracetrack/ee:0.1.0}"
fi
