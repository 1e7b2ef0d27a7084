#!/usr/bin/env bash
# Installs what efiemu's builds and tests need on a fresh Debian/Ubuntu machine, idempotently:
# a provisioned machine costs one dpkg-query. As root it runs `apt-get update` once and installs what is
# missing; otherwise it uses `sudo -n` when sudo works without a password, and else stops with the exact
# command to run.
#
#   scripts/provision.sh            install what is missing for everything (build, all tests)
#   scripts/provision.sh --check    only report what is missing (exit 1 if anything is)
#   scripts/provision.sh --main     only what the main job needs (./efiemu matrix): JDK, Maven, gcc, gnu-efi, libunicorn2
#   scripts/provision.sh --runtime  only what running a built efiemu needs: a JRE and libunicorn2
#   scripts/provision.sh --quiet    say nothing when nothing is missing
set -euo pipefail

PACKAGES=(
  openjdk-17-jdk-headless maven   # Java 17 build
  gcc binutils make gnu-efi       # C payloads: gcc, GNU ld (i386pep), gnu-efi headers
  libunicorn2                     # the CPU engine (libunicorn.so.2, loaded through JNA)
  libcapstone4                    # disassembly in traces and the debugger
  qemu-system-x86 ovmf            # comparison runs on real OVMF firmware
  gdb                             # GDB stub tests
  chromium                        # headless browser tests of the HTML report
  dosfstools mtools               # FAT ESP images for QEMU runs; FAT partitions in --disk tests
  gdisk fdisk                     # sgdisk/sfdisk: GPT and MBR disk images in --disk tests
  e2fsprogs                       # mkfs.ext4 -d: the ext4 partition rEFInd's ext4 driver reads (RefindExt4DriverTest)
  grub-efi-amd64-bin grub-common  # grub-mkstandalone: the real GRUB reading --disk partitions
  fontconfig fonts-dejavu-core    # the text console screenshot (console.png) draws with a monospaced font
)

log() { echo "provision: $*" >&2; }

MAIN_PACKAGES=(openjdk-17-jdk-headless maven gcc binutils make gnu-efi libunicorn2 fontconfig fonts-dejavu-core)
RUNTIME_PACKAGES=(openjdk-17-jdk-headless libunicorn2 fontconfig fonts-dejavu-core)

check_only=false
quiet=false
for arg in "$@"; do
  case "$arg" in
    --check) check_only=true ;;
    --quiet) quiet=true ;;
    --main) PACKAGES=("${MAIN_PACKAGES[@]}") ;;
    --runtime) PACKAGES=("${RUNTIME_PACKAGES[@]}") ;;
    *) log "unknown argument '$arg'; usage: $0 [--check] [--main|--runtime] [--quiet]"; exit 2 ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  log "dpkg-query/apt-get not found: this script provisions Debian/Ubuntu machines only."
  log "Install by other means: ${PACKAGES[*]}"
  exit 1
fi

# one dpkg-query for all packages (a package dpkg does not know prints nothing and counts as missing)
declare -A installed=()
while read -r name status; do
  [[ "$status" == "installed" ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
  [[ -n "${installed[$p]:-}" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  $quiet || log "all ${#PACKAGES[@]} packages are installed"
  exit 0
fi
log "missing: ${missing[*]}"
if $check_only; then
  exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  log "not root and sudo needs a password (or is absent); run:"
  echo "sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q >&2
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
log "installed: ${missing[*]}"
