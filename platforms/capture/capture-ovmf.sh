#!/usr/bin/env bash
# Boots real OVMF (Debian ovmf, q35, TCG) under QEMU with platforms/src/main/c/ovmf-probe as
# \EFI\BOOT\BOOTX64.EFI and writes the probe's COM1 report as a raw capture log.
#
#   platforms/capture/capture-ovmf.sh [--mem 2G|512M|...] [--out DIR] [--probe FILE.efi] [--timeout SECONDS]
#
# Output: DIR/ovmf-q35-<mem>.log (raw serial text, terminal escapes and CRs stripped, preceded by a header
# naming the command, QEMU and OVMF versions) and DIR/ovmf-q35-<mem>.probe-steps.txt (only the "probe: NN"
# step lines, the part efiemu must reproduce). DIR defaults to
# platforms/src/main/resources/org/efiemu/platform/captures.
# Needs: qemu-system-x86 and ovmf (apt-get install -y qemu-system-x86 ovmf), gcc, ld and gnu-efi
# headers to build the probe (apt-get install -y gnu-efi), or --probe with a prebuilt image.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mem=2G
out="$repo/platforms/src/main/resources/org/efiemu/platform/captures"
probe=""
timeout_s=120
code=/usr/share/OVMF/OVMF_CODE_4M.fd
vars=/usr/share/OVMF/OVMF_VARS_4M.fd

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --mem) mem="${2:?--mem needs a size such as 2G or 512M}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --probe) probe="${2:?--probe needs an .efi file}"; shift 2 ;;
    --timeout) timeout_s="${2:?--timeout needs seconds}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "capture-ovmf.sh: unknown argument '$1' (expected --mem, --out, --probe, --timeout)" >&2; usage 2 ;;
  esac
done
[[ "$mem" =~ ^[0-9]+[MG]$ ]] || { echo "capture-ovmf.sh: --mem '$mem' must be a number followed by M or G (e.g. 512M, 2G)" >&2; exit 2; }

command -v qemu-system-x86_64 >/dev/null || { echo "capture-ovmf.sh: qemu-system-x86_64 not found; install it with: apt-get install -y qemu-system-x86" >&2; exit 3; }
for f in "$code" "$vars"; do
  [ -r "$f" ] || { echo "capture-ovmf.sh: $f not found; install OVMF with: apt-get install -y ovmf" >&2; exit 3; }
done

work="$(mktemp -d /tmp/capture-ovmf.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ -z "$probe" ]; then
  make -s -f "$repo/emulator-core/src/main/c/payload.mk" SRC_DIR="$repo/platforms/src/main/c" \
    OUT_DIR="$work/build" OBJ_DIR="$work/build/obj"
  probe="$work/build/ovmf-probe.efi"
fi
[ -r "$probe" ] || { echo "capture-ovmf.sh: probe image '$probe' not readable" >&2; exit 2; }

mkdir -p "$work/esp/EFI/BOOT" "$out"
cp "$probe" "$work/esp/EFI/BOOT/BOOTX64.EFI"
cp "$vars" "$work/vars.fd"   # a fresh variable store each run: no boot entries or MemoryTypeInformation from earlier runs

mem_lc="$(echo "$mem" | tr 'MG' 'mg')"
log="$out/ovmf-q35-$mem_lc.log"
steps="$out/ovmf-q35-$mem_lc.probe-steps.txt"
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
if [ $rc -eq 124 ]; then
  echo "capture-ovmf.sh: QEMU did not shut down within ${timeout_s}s (the probe ends with ResetSystem(EfiResetShutdown)); partial serial output kept in $log" >&2
fi

qemu_version="$(qemu-system-x86_64 --version | head -1)"
ovmf_version="$(dpkg-query -W -f='${Package} ${Version}' ovmf 2>/dev/null || echo 'ovmf (version unknown: not a dpkg install)')"
{
  echo "# efiemu capture: OVMF memory services seen by platforms/src/main/c/ovmf-probe"
  echo "# command: platforms/capture/capture-ovmf.sh --mem $mem"
  echo "# qemu: ${qemu_cmd[*]}" | sed "s|$work|<tmp>|g"
  echo "# $qemu_version"
  echo "# firmware: $ovmf_version ($code, fresh copy of $vars)"
  echo "# probe sha256: $(sha256sum "$probe" | cut -d' ' -f1)"
  echo "# exit status $rc after ${secs}s"
  echo "# serial output follows (ANSI escape sequences and carriage returns removed)"
  # OVMF's ConOut is mirrored to the serial port through a terminal driver: drop CSI/OSC sequences,
  # other ESC pairs and CRs, keep the text.
  sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\x1b[=>78cDEHMZ]//g' -e 's/\r//g' \
    "$work/serial.raw" | tr -d '\000'
} >"$log"
grep -E '^probe: [0-9]{2,} ' "$log" >"$steps" || true
[ -s "$work/qemu.err" ] && sed 's/^/capture-ovmf.sh: qemu: /' "$work/qemu.err" >&2

n_steps=$(wc -l <"$steps")
n_entry=$(grep -m1 '^map: entry entries=' "$log" | sed 's/.*entries=//' || true)
echo "capture-ovmf.sh: $mem: ${secs}s, entry map ${n_entry:-?} entries, $n_steps step lines -> $log"
grep -q '^probe: end' "$log" || { echo "capture-ovmf.sh: the probe did not finish (no 'probe: end' line in $log)" >&2; exit 1; }
