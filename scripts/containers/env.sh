# shellcheck shell=bash
# Source this file (`. scripts/containers/env.sh`) to point podman, buildah and skopeo at the project's
# own configuration: runtime settings (containers.conf), image storage under .local/containers/
# (storage.conf) and the loopback registry as an insecure registry (registries.conf).
#
# Inputs (optional): REGISTRY_PORT (default 5500), TRACETRACK_CONTAINERS_DIR (default .local/containers).
# Exports: CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF, REGISTRY_PORT,
#          REGISTRY_ADDR, TRACETRACK_REPO_ROOT, TRACETRACK_CONTAINERS_DIR.

_tt_src=${BASH_SOURCE[0]:-$0}
TRACETRACK_REPO_ROOT=$(cd "$(dirname "$_tt_src")/../.." && pwd)
_tt_conf_dir="$TRACETRACK_REPO_ROOT/scripts/containers"
TRACETRACK_CONTAINERS_DIR=${TRACETRACK_CONTAINERS_DIR:-$TRACETRACK_REPO_ROOT/.local/containers}
REGISTRY_PORT=${REGISTRY_PORT:-5500}
REGISTRY_ADDR="127.0.0.1:$REGISTRY_PORT"

mkdir -p "$TRACETRACK_CONTAINERS_DIR"
# podman refuses a runroot longer than 50 characters: a deep checkout gets a short one under /run (or /tmp).
_tt_runroot="$TRACETRACK_CONTAINERS_DIR/run"
if [ "${#_tt_runroot}" -gt 50 ]; then
  _tt_runroot="$( [ -w /run ] && echo /run || echo /tmp )/tracetrack-containers-$(printf '%s' "$TRACETRACK_CONTAINERS_DIR" | cksum | cut -d' ' -f1)"
fi

# Render a template only when the result would change, so concurrent readers never see a partial file.
# TRACETRACK_CONTAINERS_RENDERED counts the files this sourcing wrote (0 when all were up to date).
TRACETRACK_CONTAINERS_RENDERED=0
_tt_render() {
  local src=$1 dest=$2 tmp
  tmp=$(mktemp "$dest.XXXXXX")
  sed -e "s|@STATE_DIR@|$TRACETRACK_CONTAINERS_DIR|g" -e "s|@RUNROOT@|$_tt_runroot|g" -e "s|@REGISTRY_PORT@|$REGISTRY_PORT|g" "$src" >"$tmp"
  if cmp -s "$tmp" "$dest" 2>/dev/null; then rm -f "$tmp"; else mv -f "$tmp" "$dest"; TRACETRACK_CONTAINERS_RENDERED=$((TRACETRACK_CONTAINERS_RENDERED + 1)); fi
}
_tt_render "$_tt_conf_dir/storage.conf.in" "$TRACETRACK_CONTAINERS_DIR/storage.conf"
# One registries.conf per port: a second registry (tests use their own port) never rewrites another's file.
_tt_render "$_tt_conf_dir/registries.conf.in" "$TRACETRACK_CONTAINERS_DIR/registries-$REGISTRY_PORT.conf"

export CONTAINERS_CONF="$_tt_conf_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$TRACETRACK_CONTAINERS_DIR/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$TRACETRACK_CONTAINERS_DIR/registries-$REGISTRY_PORT.conf"
export REGISTRY_PORT REGISTRY_ADDR TRACETRACK_REPO_ROOT TRACETRACK_CONTAINERS_DIR
unset _tt_src _tt_conf_dir _tt_runroot
unset -f _tt_render
