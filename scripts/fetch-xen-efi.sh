#!/usr/bin/env bash
# Fetches the real Xen 4.17 EFI loader (/boot/xen-4.17-amd64.efi of Debian's xen-hypervisor-4.17-amd64)
# WITHOUT installing the hypervisor: `apt-get download` the .deb, `dpkg-deb -x` it into a cache directory,
# and print the path of the EFI image on stdout (progress goes to stderr). The package's multiboot2 image
# (/boot/xen-4.17-amd64.gz) is kept beside it.
#
#   scripts/fetch-xen-efi.sh [DEST_DIR]
#
# DEST_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/efiemu/xen. Idempotent: when DEST_DIR already holds
# the image (of XEN_EFI_VERSION, when set), nothing is downloaded. The package version is kept in DEST_DIR/VERSION.
# Environment: XEN_EFI_PACKAGE (default xen-hypervisor-4.17-amd64), XEN_EFI_VERSION (default: apt's
# candidate; set it to pin, e.g. 4.17.7+13-g2445b30a44-0+deb12u1).
# Tests find the image with -Defiemu.xen.efi=<path> or at the default DEST_DIR.
set -euo pipefail

PACKAGE="${XEN_EFI_PACKAGE:-xen-hypervisor-4.17-amd64}"
IMAGE_IN_PACKAGE="boot/xen-4.17-amd64.efi"
DEST="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/efiemu/xen}"
IMAGE="$DEST/xen-4.17-amd64.efi"
# The same package's multiboot2 image (a gzip'd 32-bit ELF), which GRUB loads with `multiboot2`: kept beside the EFI
# image for the GRUB -> multiboot2 -> Xen system test (GrubMultiboot2XenTest).
MB2_IN_PACKAGE="boot/xen-4.17-amd64.gz"
MB2="$DEST/xen-4.17-amd64.gz"

log() { echo "fetch-xen-efi: $*" >&2; }

if [[ -s "$IMAGE" && -s "$MB2" ]]; then
  cached="$(cat "$DEST/VERSION" 2>/dev/null || true)"
  if [[ -z "${XEN_EFI_VERSION:-}" || "$cached" == "$XEN_EFI_VERSION" ]]; then
    echo "$IMAGE"
    exit 0
  fi
  log "$DEST holds version '${cached:-unknown}', replacing it with $XEN_EFI_VERSION"
fi

for tool in apt-get dpkg-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "'$tool' not found: this script needs a Debian/Ubuntu package manager"
    exit 1
  fi
done

spec="$PACKAGE"
if [[ -n "${XEN_EFI_VERSION:-}" ]]; then
  spec="$PACKAGE=$XEN_EFI_VERSION"
fi

mkdir -p "$DEST"
work="$(mktemp -d "$DEST/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "downloading $spec (not installing it) into $DEST"
# apt-get download needs no root; as root, apt drops to the `_apt` user, who may not reach a cache under /root
sandbox=()
if [[ $(id -u) -eq 0 ]]; then
  sandbox=(-o APT::Sandbox::User=root)
fi
if ! (cd "$work" && apt-get download -q "${sandbox[@]}" "$spec" >&2); then
  log "apt-get download $spec failed."
  log "If apt does not know the package, refresh its lists first: sudo apt-get update"
  log "(the package is in Debian 12 bookworm 'main'; set XEN_EFI_PACKAGE / XEN_EFI_VERSION for another source)"
  exit 1
fi
deb="$(find "$work" -maxdepth 1 -name '*.deb' | head -n 1)"
if [[ -z "$deb" ]]; then
  log "apt-get download produced no .deb in $work"
  exit 1
fi
dpkg-deb -x "$deb" "$work/root"
if [[ ! -s "$work/root/$IMAGE_IN_PACKAGE" ]]; then
  log "$(basename "$deb") holds no /$IMAGE_IN_PACKAGE"
  exit 1
fi
dpkg-deb -f "$deb" Version > "$work/VERSION"
# install atomically: a concurrent run sees either no image or the whole image
mv "$work/VERSION" "$DEST/VERSION"
if [[ -s "$work/root/$MB2_IN_PACKAGE" ]]; then
  mv "$work/root/$MB2_IN_PACKAGE" "$MB2.tmp.$$"
  mv "$MB2.tmp.$$" "$MB2"
fi
mv "$work/root/$IMAGE_IN_PACKAGE" "$IMAGE.tmp.$$"
mv "$IMAGE.tmp.$$" "$IMAGE"
log "$(cat "$DEST/VERSION") -> $IMAGE"
echo "$IMAGE"
