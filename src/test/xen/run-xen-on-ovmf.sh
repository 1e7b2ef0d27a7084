#!/usr/bin/env bash
# Boots Debian's real Xen EFI loader (xen-4.17-amd64.efi) on real OVMF under QEMU (q35, TCG, 1 CPU) with the
# system tests' ESP and writes Xen's serial console (COM1: OVMF's ConOut mirror during the EFI phase, then Xen
# proper's "(XEN)" console) as a text capture. The efiemu side boots the same binary and ESP
# (src/test/java/org/efiemu/system/xen) and compares the module placement lines.
#
#   src/test/xen/run-xen-on-ovmf.sh [--mem 2G] [--xen FILE.efi] [--out FILE] [--timeout SECONDS]
#
# ESP (a QEMU fat: drive, built in a temporary directory):
#   \EFI\BOOT\BOOTX64.EFI   the Xen loader (BDS boots it as removable media, no boot entry needed)
#   \EFI\BOOT\BOOTX64.cfg   src/test/resources/xen/xen.cfg (Xen looks up <its own file name>.cfg in its directory)
#   \EFI\BOOT\vmlinuz, \EFI\BOOT\initrd.img   src/test/resources/xen/ (small generated files, only loaded)
# Output: --out (default src/test/resources/xen/ovmf-q35-<mem>.serial.txt): a '#' header naming the command,
# QEMU, OVMF and Xen versions, wall time, then the serial text (ANSI escapes, CRs and NULs removed).
# Xen panics without a real dom0 and reboots; -no-reboot makes QEMU exit then. --timeout (default 180) bounds it.
# Needs: qemu-system-x86 and ovmf (apt-get install -y qemu-system-x86 ovmf); the Xen image from
# scripts/fetch-xen-efi.sh (used when --xen is not given).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
res="$repo/src/test/resources/xen"
mem=2G
xen=""
out=""
timeout_s=180
code=/usr/share/OVMF/OVMF_CODE_4M.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --mem) mem="${2:?--mem needs a size such as 2G or 512M}"; shift 2 ;;
    --xen) xen="${2:?--xen needs an .efi file}"; shift 2 ;;
    --out) out="${2:?--out needs a file name}"; shift 2 ;;
    --timeout) timeout_s="${2:?--timeout needs seconds}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "run-xen-on-ovmf.sh: unknown argument '$1' (expected --mem, --xen, --out, --timeout)" >&2; usage 2 ;;
  esac
done
[[ "$mem" =~ ^[0-9]+[MG]$ ]] || { echo "run-xen-on-ovmf.sh: --mem '$mem' must be a number followed by M or G (e.g. 512M, 2G)" >&2; exit 2; }
mem_lc="$(echo "$mem" | tr 'MG' 'mg')"
out="${out:-$res/ovmf-q35-$mem_lc.serial.txt}"

command -v qemu-system-x86_64 >/dev/null || { echo "run-xen-on-ovmf.sh: qemu-system-x86_64 not found; install it with: apt-get install -y qemu-system-x86" >&2; exit 3; }
for f in "$code" "$vars"; do
  [ -r "$f" ] || { echo "run-xen-on-ovmf.sh: $f not found; install OVMF with: apt-get install -y ovmf" >&2; exit 3; }
done
if [ -z "$xen" ]; then
  xen="$("$repo/scripts/fetch-xen-efi.sh")"
fi
[ -r "$xen" ] || { echo "run-xen-on-ovmf.sh: Xen image '$xen' not readable" >&2; exit 2; }
for f in xen.cfg vmlinuz initrd.img; do
  [ -r "$res/$f" ] || { echo "run-xen-on-ovmf.sh: ESP file $res/$f missing" >&2; exit 2; }
done

work="$(mktemp -d /tmp/run-xen-on-ovmf.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/esp/EFI/BOOT"
cp "$xen" "$work/esp/EFI/BOOT/BOOTX64.EFI"
cp "$res/xen.cfg" "$work/esp/EFI/BOOT/BOOTX64.cfg"
cp "$res/vmlinuz" "$res/initrd.img" "$work/esp/EFI/BOOT/"
cp "$vars" "$work/vars.fd"   # fresh variable store: no boot entries or MemoryTypeInformation from earlier runs

qemu_cmd=(qemu-system-x86_64 -machine q35,accel=tcg -m "$mem" -smp 1 -net none -display none
  -serial "file:$work/serial.raw" -monitor none -no-reboot
  -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
  -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd"
  -drive "format=raw,file=fat:rw:$work/esp")

start=$(date +%s.%N)
set +e
timeout "$timeout_s" "${qemu_cmd[@]}" 2>"$work/qemu.err"
rc=$?
set -e
secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
[ $rc -eq 124 ] && echo "run-xen-on-ovmf.sh: QEMU still running after ${timeout_s}s; stopped it, partial serial output kept" >&2

mkdir -p "$(dirname "$out")"
{
  echo "# efiemu capture: Xen's EFI loader on real OVMF (serial console, COM1)"
  echo "# command: src/test/xen/run-xen-on-ovmf.sh --mem $mem"
  echo "# qemu: ${qemu_cmd[*]}" | sed "s|$work|<tmp>|g"
  echo "# $(qemu-system-x86_64 --version | head -1)"
  echo "# firmware: $(dpkg-query -W -f='${Package} ${Version}' ovmf 2>/dev/null || echo 'ovmf (version unknown)') ($code, fresh copy of $vars)"
  echo "# xen: $(cat "$(dirname "$xen")/VERSION" 2>/dev/null || echo 'version unknown') sha256 $(sha256sum "$xen" | cut -d' ' -f1)"
  echo "# ESP: \\EFI\\BOOT\\BOOTX64.EFI, BOOTX64.cfg (= xen.cfg), vmlinuz ($(stat -c %s "$res/vmlinuz") bytes), initrd.img ($(stat -c %s "$res/initrd.img") bytes)"
  echo "# exit status $rc after ${secs}s wall time"
  echo "# serial output follows (ANSI escape sequences, carriage returns and NULs removed)"
  sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\x1b[=>78cDEHMZ]//g' -e 's/\r//g' \
    "$work/serial.raw" | tr -d '\000'
} >"$out"
[ -s "$work/qemu.err" ] && sed 's/^/run-xen-on-ovmf.sh: qemu: /' "$work/qemu.err" >&2
echo "run-xen-on-ovmf.sh: $mem: exit $rc after ${secs}s -> $out"
grep -q 'EFI loader' "$out" || { echo "run-xen-on-ovmf.sh: no Xen EFI loader banner in the capture" >&2; exit 1; }
