#!/usr/bin/env bash
# Boots real OVMF (Debian ovmf, q35, TCG) under QEMU with platforms/src/main/c/firmware-probe as
# \EFI\BOOT\BOOTX64.EFI and keeps what the firmware presents to an application BDS starts: variables,
# QueryVariableInfo, configuration tables, GOP and text modes, console/serial/RNG protocols, ACPI power-off
# facts, every handle with its protocols and device path (the probe's "fw:/var:/qvi:/cfg:/gop:/text:/conin:/
# serial:/rng:/acpi:/handle:" lines).
#
#   platforms/capture/capture-firmware.sh [--mem 2G|512M|...] [--out DIR] [--probe FILE.efi] [--timeout SECONDS]
#
# Output: DIR/ovmf-q35-<mem>.firmware.txt: a header (command, QEMU command line and version, OVMF package
# version, probe sha256), then only the probe's lines (OVMF's own BDS/console text is dropped). DIR defaults
# to platforms/src/main/resources/org/efiemu/platform/captures.
# Needs: qemu-system-x86 and ovmf, gcc, ld and gnu-efi headers (or --probe with a prebuilt image).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mem=2G
out="$repo/platforms/src/main/resources/org/efiemu/platform/captures"
probe=""
timeout_s=120
code=/usr/share/OVMF/OVMF_CODE_4M.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --mem) mem="${2:?--mem needs a size such as 2G or 512M}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --probe) probe="${2:?--probe needs an .efi file}"; shift 2 ;;
    --timeout) timeout_s="${2:?--timeout needs seconds}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "capture-firmware.sh: unknown argument '$1' (expected --mem, --out, --probe, --timeout)" >&2; usage 2 ;;
  esac
done
[[ "$mem" =~ ^[0-9]+[MG]$ ]] || { echo "capture-firmware.sh: --mem '$mem' must be a number followed by M or G (e.g. 512M, 2G)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "capture-firmware.sh: qemu-system-x86_64 not found; install it with: apt-get install -y qemu-system-x86" >&2; exit 3; }
for f in "$code" "$vars"; do
  [ -r "$f" ] || { echo "capture-firmware.sh: $f not found; install OVMF with: apt-get install -y ovmf" >&2; exit 3; }
done

work="$(mktemp -d /tmp/capture-firmware.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if [ -z "$probe" ]; then
  make -s -f "$repo/emulator-core/src/main/c/payload.mk" SRC_DIR="$repo/platforms/src/main/c" \
    OUT_DIR="$work/build" OBJ_DIR="$work/build/obj"
  probe="$work/build/firmware-probe.efi"
fi
[ -r "$probe" ] || { echo "capture-firmware.sh: probe image '$probe' not readable" >&2; exit 2; }
mkdir -p "$work/esp/EFI/BOOT" "$out"
cp "$probe" "$work/esp/EFI/BOOT/BOOTX64.EFI"
cp "$vars" "$work/vars.fd"   # a fresh variable store each run

mem_lc="$(echo "$mem" | tr 'MG' 'mg')"
result="$out/ovmf-q35-$mem_lc.firmware.txt"
qemu_cmd=(qemu-system-x86_64 -machine q35,accel=tcg -m "$mem" -smp 1 -net none -display none
  -serial "file:$work/serial.raw" -monitor none -no-reboot
  -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
  -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd"
  -drive "format=raw,file=fat:rw:$work/esp")
start=$(date +%s)
set +e
timeout "$timeout_s" "${qemu_cmd[@]}" 2>"$work/qemu.err"
rc=$?
set -e
secs=$(( $(date +%s) - start ))
[ -s "$work/qemu.err" ] && sed 's/^/capture-firmware.sh: qemu: /' "$work/qemu.err" >&2
{
  echo "# efiemu capture: what OVMF presents to an application BDS starts, seen by platforms/src/main/c/firmware-probe"
  echo "# command: platforms/capture/capture-firmware.sh --mem $mem"
  echo "# qemu: ${qemu_cmd[*]}" | sed "s|$work|<tmp>|g"
  echo "# $(qemu-system-x86_64 --version | head -1)"
  echo "# firmware: $(dpkg-query -W -f='${Package} ${Version}' ovmf 2>/dev/null || echo 'ovmf (version unknown)') ($code, fresh copy of $vars)"
  echo "# probe sha256: $(sha256sum "$probe" | cut -d' ' -f1)"
  echo "# exit status $rc after ${secs}s"
  echo "# probe lines follow (serial output with terminal escapes and CRs removed, other firmware text dropped)"
  sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\x1b[=>78cDEHMZ]//g' -e 's/\r//g' \
    "$work/serial.raw" | tr -d '\000' \
    | sed -n '/^fw: firmware-probe begin$/,/^fw: firmware-probe end$/p'
} >"$result"
grep -q '^fw: firmware-probe end$' "$result" || { echo "capture-firmware.sh: the probe did not finish (no 'fw: firmware-probe end' in $result; exit status $rc)" >&2; exit 1; }
echo "capture-firmware.sh: $mem: ${secs}s, $(grep -c '^var: [0-9a-f]\{8\}-' "$result") variables, $(grep -m1 '^handle: count=' "$result") -> $result"
