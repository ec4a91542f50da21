#!/usr/bin/env bash
# Build the TraceTrack application image from app/Containerfile and tag it
# IMAGE_NAME:<APP_VERSION> and IMAGE_NAME:<git short commit>.
#
# Usage: scripts/build-image.sh [extra build options...]
# Env (all optional):
#   CONTAINER_ENGINE   podman, buildah or docker (default: the first found in that order; docker only with a daemon)
#   BASE_IMAGE         base image; default docker.io/library/python:3.12-slim-bookworm. When that default cannot
#                      be pulled, the local Debian base (BASE_IMAGE_LOCAL, built by scripts/containers/base-image.sh)
#                      is used instead; an explicitly set BASE_IMAGE that cannot be pulled is an error.
#   IMAGE_NAME         default tracetrack
#   APP_DIR            the build context (default app): the application source with its Containerfile
#   APP_VERSION        default: __version__ of $APP_DIR/tracetrack
#   PIP_CERT / SSL_CERT_FILE   a CA bundle handed to pip as the build secret `pip_cert` (proxies that intercept TLS)
#   PIP_INDEX_URL, PIP_EXTRA_INDEX_URL   package index mirror, passed as build arguments
#   RDS_CA_BUNDLE_URL, RDS_CA_BUNDLE_REQUIRED   the RDS CA bundle the image carries (see app/Containerfile)
#   IMAGE_ID_FILE      write the built image id to this file
set -euo pipefail
cd "$(dirname "$0")/.."

DEFAULT_BASE=docker.io/library/python:3.12-slim-bookworm
BASE_IMAGE_LOCAL=${BASE_IMAGE_LOCAL:-localhost/tracetrack-base:bookworm}
IMAGE_NAME=${IMAGE_NAME:-tracetrack}
APP_DIR=${APP_DIR:-app}
[ -f "$APP_DIR/Containerfile" ] || { printf 'ERROR: %s has no Containerfile (APP_DIR)\n' "$APP_DIR" >&2; exit 1; }

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
t0=$SECONDS

# --- engine ------------------------------------------------------------------------------------------
engine_usable() {
  case "$1" in
    docker) command -v docker >/dev/null && docker info >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null ;;
  esac
}
if [ -n "${CONTAINER_ENGINE:-}" ]; then
  engine_usable "$CONTAINER_ENGINE" || die "CONTAINER_ENGINE=$CONTAINER_ENGINE is not usable here"
  ENGINE=$CONTAINER_ENGINE
else
  ENGINE=
  for candidate in podman buildah docker; do
    if engine_usable "$candidate"; then ENGINE=$candidate; break; fi
  done
  [ -n "$ENGINE" ] || die "no container engine found (podman, buildah or docker with a running daemon); \
on Debian/Ubuntu: scripts/system-deps.sh container"
fi
ENGINE_NAME=$(basename "$ENGINE")
if [ "$ENGINE_NAME" != docker ]; then
  # shellcheck source=scripts/containers/env.sh
  . scripts/containers/env.sh
fi
say "engine: $ENGINE_NAME ($("$ENGINE" --version 2>/dev/null | head -1))"

image_exists() {
  case "$ENGINE_NAME" in
    buildah) buildah inspect --type image "$1" >/dev/null 2>&1 ;;
    *) "$ENGINE" image inspect "$1" >/dev/null 2>&1 ;;
  esac
}
pull() {
  case "$ENGINE_NAME" in
    docker) docker pull -q "$1" >/dev/null ;;
    *) "$ENGINE" pull -q "$1" >/dev/null ;;
  esac
}

# --- version and commit -------------------------------------------------------------------------------
APP_VERSION=${APP_VERSION:-$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$APP_DIR/tracetrack/__init__.py")}
[ -n "$APP_VERSION" ] || die "cannot read __version__ from $APP_DIR/tracetrack/__init__.py (or set APP_VERSION)"
GIT_COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
GIT_SHORT=$(git rev-parse --short HEAD 2>/dev/null || true)
SOURCE_URL=$(git config --get remote.origin.url 2>/dev/null || true)
if [ -n "$GIT_SHORT" ] && [ -n "$(git status --porcelain -- "$APP_DIR" 2>/dev/null)" ]; then
  say "note: $APP_DIR has uncommitted changes; the image is tagged $GIT_SHORT but contains them"
fi

# --- base image -------------------------------------------------------------------------------------
if [ -n "${BASE_IMAGE:-}" ]; then
  base=$BASE_IMAGE
  if ! image_exists "$base"; then
    t=$SECONDS
    pull "$base" || die "cannot pull BASE_IMAGE=$base"
    say "pulled $base in $((SECONDS - t)) s"
  fi
  say "base image: $base (BASE_IMAGE)"
elif image_exists "$DEFAULT_BASE"; then
  base=$DEFAULT_BASE
  say "base image: $base (already present)"
else
  t=$SECONDS
  if pull "$DEFAULT_BASE" 2>/dev/null; then
    base=$DEFAULT_BASE
    say "base image: $base (pulled in $((SECONDS - t)) s)"
  else
    say "cannot pull $DEFAULT_BASE (no registry access); using the local Debian base $BASE_IMAGE_LOCAL"
    if ! image_exists "$BASE_IMAGE_LOCAL"; then
      # base-image.sh imports with podman or docker; buildah shares podman's storage.
      importer=$ENGINE
      [ "$ENGINE_NAME" = buildah ] && importer=podman
      command -v "$importer" >/dev/null || die "$BASE_IMAGE_LOCAL is missing and needs podman to be built"
      CONTAINER_ENGINE=$importer BASE_IMAGE_LOCAL=$BASE_IMAGE_LOCAL scripts/containers/base-image.sh
    fi
    base=$BASE_IMAGE_LOCAL
    say "base image: $base (local)"
  fi
fi

# --- build ------------------------------------------------------------------------------------------
tags=("$IMAGE_NAME:$APP_VERSION")
[ -n "$GIT_SHORT" ] && tags+=("$IMAGE_NAME:$GIT_SHORT")
args=(-f "$APP_DIR/Containerfile"
      --build-arg "BASE_IMAGE=$base"
      --build-arg "APP_VERSION=$APP_VERSION"
      --build-arg "GIT_COMMIT=$GIT_COMMIT"
      --build-arg "BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      --build-arg "SOURCE_URL=$SOURCE_URL")
for tag in "${tags[@]}"; do args+=(-t "$tag"); done
for var in PIP_INDEX_URL PIP_EXTRA_INDEX_URL RDS_CA_BUNDLE_URL RDS_CA_BUNDLE_REQUIRED; do
  [ -n "${!var:-}" ] && args+=(--build-arg "$var=${!var}")
done
ca_bundle=${PIP_CERT:-${SSL_CERT_FILE:-}}
if [ -n "$ca_bundle" ]; then
  [ -r "$ca_bundle" ] || die "CA bundle $ca_bundle (PIP_CERT/SSL_CERT_FILE) is not readable"
  args+=(--secret "id=pip_cert,src=$ca_bundle")
  say "CA bundle for pip: $ca_bundle (build secret pip_cert)"
fi
iidfile=$(mktemp)
trap 'rm -f "$iidfile"' EXIT
args+=(--iidfile "$iidfile")
case "$ENGINE_NAME" in
  podman) build=(podman build --format docker --layers) ;;   # docker format keeps the HEALTHCHECK
  buildah) build=(buildah bud --format docker --layers) ;;
  docker) build=(docker build); export DOCKER_BUILDKIT=1 ;;  # BuildKit for RUN --mount=type=secret
esac

say "building ${tags[*]} (version $APP_VERSION, commit ${GIT_SHORT:-unknown})"
t=$SECONDS
"${build[@]}" "${args[@]}" "$@" "$APP_DIR"
build_s=$((SECONDS - t))
image_id=$(cat "$iidfile")
image_id=${image_id#sha256:}
[ -n "${IMAGE_ID_FILE:-}" ] && echo "$image_id" >"$IMAGE_ID_FILE"

case "$ENGINE_NAME" in
  buildah) size=$(buildah inspect --type image --format '{{.ImageSize}}' "$image_id" 2>/dev/null || echo 0) ;;
  *) size=$("$ENGINE" image inspect --format '{{.Size}}' "$image_id") ;;
esac
say "built ${image_id:0:12} in ${build_s} s: ${tags[*]} ($((size / 1000000)) MB, base $base)"
say "total $((SECONDS - t0)) s"
