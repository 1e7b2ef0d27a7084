#!/usr/bin/env bash
# Fetches a Debian package holding EFI binaries WITHOUT installing it: `apt-get download` the .deb and
# `dpkg-deb -x` it into a cache directory; prints the directory the package was extracted into on stdout
# (progress goes to stderr). Used by the loader tests (efiemu diff, the Linux EFI stub, shim, the UKI):
#
#   scripts/fetch-debian-efi.sh PACKAGE [CACHE_DIR]
#
#   shim-unsigned       usr/lib/shim/shimx64.efi, mmx64.efi, fbx64.efi
#   systemd-boot-efi    usr/lib/systemd/boot/efi/systemd-bootx64.efi, linuxx64.efi.stub
#   grub-efi-amd64-bin  usr/lib/grub/x86_64-efi/monolithic/grubx64.efi
#   linux-image-amd64   (the meta package: its dependency linux-image-<version>-amd64 is fetched) boot/vmlinuz-*
#   memtest86+          boot/memtest86+x64.efi
#   refind              usr/share/refind/refind/drivers_x64/ext4_x64.efi (rEFInd's UEFI file-system drivers)
#
# CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/efiemu/debian; the package lands in CACHE_DIR/PACKAGE
# (with its version in CACHE_DIR/PACKAGE/VERSION). Idempotent: an extracted package is not fetched again.
set -euo pipefail

PACKAGE="${1:?usage: fetch-debian-efi.sh PACKAGE [CACHE_DIR]}"
CACHE="${2:-${XDG_CACHE_HOME:-$HOME/.cache}/efiemu/debian}"
DEST="$CACHE/$PACKAGE"
log() { echo "fetch-debian-efi: $*" >&2; }

if [[ -s "$DEST/VERSION" ]]; then
  echo "$DEST"
  exit 0
fi
for tool in apt-get apt-cache dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { log "'$tool' not found: this script needs a Debian/Ubuntu package manager"; exit 1; }
done

spec="$PACKAGE"
if [[ "$PACKAGE" == linux-image-amd64 ]]; then
  # the meta package holds no kernel: take the versioned image it depends on
  spec="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)"
  [[ -n "$spec" ]] || { log "cannot tell which linux-image-*-amd64 linux-image-amd64 depends on (apt-get update?)"; exit 1; }
fi

mkdir -p "$CACHE"
work="$(mktemp -d "$CACHE/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
sandbox=()
if [[ $(id -u) -eq 0 ]]; then
  sandbox=(-o APT::Sandbox::User=root)
fi
log "downloading $spec (not installing it)"
if ! (cd "$work" && apt-get download -q "${sandbox[@]}" "$spec" >&2); then
  log "apt-get download $spec failed; if apt does not know the package, refresh its lists first: sudo apt-get update"
  exit 1
fi
deb="$(find "$work" -maxdepth 1 -name '*.deb' | head -n 1)"
[[ -n "$deb" ]] || { log "apt-get download produced no .deb in $work"; exit 1; }
dpkg-deb -x "$deb" "$work/root"
rm -rf "$work/root/lib/modules"   # a kernel package's modules (390 MB): the tests need only boot/vmlinuz-*
dpkg-deb -f "$deb" Package Version | tr '\n' ' ' > "$work/root/VERSION"
echo >> "$work/root/VERSION"
rm -rf "$DEST"
mv "$work/root" "$DEST"
log "$(cat "$DEST/VERSION") -> $DEST"
echo "$DEST"
