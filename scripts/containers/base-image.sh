#!/usr/bin/env bash
# Build the local base image for machines that cannot pull one from a registry: a minimal Debian bookworm
# root filesystem (debootstrap --variant=minbase) with python3, python3-venv and ca-certificates, imported
# as BASE_IMAGE_LOCAL (default localhost/tracetrack-base:bookworm). Skips when the image already exists.
#
# Usage: scripts/containers/base-image.sh [--force]
# Env:   BASE_IMAGE_LOCAL, DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SUITE (bookworm),
#        CONTAINER_ENGINE (podman or docker; default podman). Needs root (debootstrap).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/containers/env.sh
. scripts/containers/env.sh

IMAGE=${BASE_IMAGE_LOCAL:-localhost/tracetrack-base:bookworm}
SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ENGINE=${CONTAINER_ENGINE:-podman}
PACKAGES=python3,python3-venv,ca-certificates
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

command -v "$ENGINE" >/dev/null || die "$ENGINE not found (install the 'container' profile: scripts/system-deps.sh container)"
# One build at a time: two builds at once (two releases, a release and an image build) would share the
# root filesystem's directory; the second waits, then finds the image the first made.
mkdir -p "$TRACETRACK_CONTAINERS_DIR"
exec 9>"$TRACETRACK_CONTAINERS_DIR/base-image.lock"
if ! flock -n 9; then
  say "another build of $IMAGE is running: waiting for it"
  flock 9
fi
if [ "$FORCE" = 0 ] && "$ENGINE" image inspect "$IMAGE" >/dev/null 2>&1; then
  say "base image $IMAGE already exists (use --force to rebuild)"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "debootstrap needs root to build $IMAGE"
command -v debootstrap >/dev/null || die "debootstrap not found (scripts/system-deps.sh container)"

work="$TRACETRACK_CONTAINERS_DIR/base-rootfs"
# debootstrap mounts /proc (and more) inside the root filesystem; a build that was stopped half-way leaves them
# mounted, and nothing under them can be removed until they are unmounted.
release_work() {
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
release_work
mkdir -p "$work"
trap release_work EXIT

start=$SECONDS
say "debootstrap --variant=minbase $SUITE from $MIRROR with $PACKAGES (about a minute)"
# A clean environment: the host's proxy/locale settings have no meaning inside the chroot.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin debootstrap --variant=minbase --include="$PACKAGES" \
  "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
say "debootstrap done in $((SECONDS - start)) s"

# Trim what an image does not need: package caches and lists, logs.
chroot "$work/rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin apt-get clean
(cd "$work/rootfs" && rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/log/*.log var/log/apt/* tmp/* \
  usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/locale/*)
: >"$work/rootfs/etc/hostname"
: >"$work/rootfs/etc/resolv.conf"

say "importing the root filesystem as $IMAGE"
quiet=()
[ "$(basename "$ENGINE")" = podman ] && quiet=(--quiet)
tar -C "$work/rootfs" --numeric-owner -cf - . | "$ENGINE" import "${quiet[@]}" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/usr/bin/python3"]' \
  --message "debootstrap --variant=minbase $SUITE + $PACKAGES" \
  - "$IMAGE" >/dev/null
size=$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE")
say "built $IMAGE ($((size / 1000000)) MB, Python $("$ENGINE" run --rm "$IMAGE" python3 -c 'import sys; print(sys.version.split()[0])')) in $((SECONDS - start)) s"
