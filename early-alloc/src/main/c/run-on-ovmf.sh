#!/bin/sh
# Boots one EFI payload on real firmware: QEMU q35 + OVMF, 2 GiB, no display, COM1 to a log file.
#
#   run-on-ovmf.sh <payload.efi> [log-file] [memory]
#
# The payload becomes \EFI\BOOT\BOOTX64.EFI of a throw-away FAT ESP (QEMU's vvfat), so OVMF's boot
# manager starts it as the removable-media default. The strategy payloads call
# ResetSystem(EfiResetShutdown) after "@efiemu done"; -no-reboot makes QEMU exit then. A timeout
# (EFIEMU_QEMU_TIMEOUT seconds, default 60) ends a payload that hangs. The `@efiemu ` lines of the
# log are printed at the end (they come from ConOut before ExitBootServices and COM1 after it;
# OVMF mirrors ConOut to the serial port, so both land in the same log).
set -eu

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 <payload.efi> [log-file] [memory, default 2G]" >&2
  exit 2
fi
payload=$1
log=${2:-${payload%.efi}.ovmf.log}
mem=${3:-2G}
code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
vars_template=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
for f in "$code" "$vars_template"; do
  [ -f "$f" ] || { echo "$0: $f not found (install the Debian package ovmf)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/efiemu-ovmf.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/esp/EFI/BOOT"
cp "$payload" "$work/esp/EFI/BOOT/BOOTX64.EFI"
cp "$vars_template" "$work/vars.fd"
: > "$log"

set +e
timeout "${EFIEMU_QEMU_TIMEOUT:-60}" qemu-system-x86_64 \
  -machine q35 -m "$mem" -display none -no-reboot -nodefaults -vga std \
  -serial "file:$log" \
  -drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
  -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
  -drive format=raw,file=fat:rw:"$work/esp"
rc=$?
set -e

# OVMF's terminal emulation adds escape sequences and CRs; keep the report lines readable.
grep -a '@efiemu ' "$log" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r//g' -e 's/^.*@efiemu /@efiemu /' || true
if [ $rc -eq 124 ]; then
  echo "$0: QEMU did not stop within ${EFIEMU_QEMU_TIMEOUT:-60} s (log: $log)" >&2
  exit 1
fi
grep -aq '@efiemu done' "$log" || { echo "$0: no '@efiemu done' line (log: $log)" >&2; exit 1; }
