#!/usr/bin/env bash
# Profiles one stretch of guest code of `efiemu bench raw` with perf (issue 16 item 1): the stretch after firmware call
# N (default 11: GRUB's TSC calibration on the ACPI PM timer in the GRUB -> Xen bench) of the record run and of every
# round, and nothing else. perf starts with its events disabled (-D -1); the bench's StretchRecorder writes
# "enable"/"disable" to a control FIFO at the stretch's ends and waits for perf's "ack" (-Defiemu.bench.perfControl).
# The thread running the guest is the process's main thread ("java" in `perf report --comm java`).
#
#   scripts/perf-stretch.sh [--stretch N] [--rounds N] [--freq HZ] [--out perf.data] [--jar JAR] -- BENCH-RAW-ARGS...
#
# e.g. scripts/perf-stretch.sh --rounds 12 -- --platform ovmf-q35-2g --payload /tmp/inpos-bench/grub-xen/grubx64.efi \
#        --until exit-boot-services --stretches 5 --tsc-reads --raw raw-fast-stores-tsc
#      perf report -i perf.data --no-children --comm java --sort dso,sym --stdio -g none
# Needs perf (linux-perf) with --control (perf 5.10+). -XX:+DumpPerfMapAtExit names the JIT-compiled Java methods.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
stretch=11
rounds=12
freq=20000
out=perf.data
jar="$repo/early-alloc/target/efiemu-cli.jar"
while [ $# -gt 0 ]; do
  case "$1" in
    --stretch) stretch="${2:?--stretch needs a call number}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    --freq) freq="${2:?--freq needs a sampling frequency}"; shift 2 ;;
    --out) out="${2:?--out needs a file}"; shift 2 ;;
    --jar) jar="${2:?--jar needs a file}"; shift 2 ;;
    --) shift; break ;;
    *) echo "perf-stretch.sh: unknown argument '$1' (expected --stretch N, --rounds N, --freq HZ, --out FILE, --jar JAR, then -- and bench raw's arguments)" >&2; exit 2 ;;
  esac
done
[ -r "$jar" ] || { echo "perf-stretch.sh: $jar missing: mvn -B -q -o package -pl early-alloc -am -DskipTests" >&2; exit 3; }
command -v perf >/dev/null || { echo "perf-stretch.sh: perf not found (apt-get install linux-perf)" >&2; exit 3; }
fifo="$(mktemp -u "${TMPDIR:-/tmp}/perf-stretch.XXXXXX")"
mkfifo "$fifo" "$fifo.ack"
trap 'rm -f "$fifo" "$fifo.ack"' EXIT
exec {ctl}<>"$fifo"
exec {ack}<>"$fifo.ack"
perf record -F "$freq" -g -D -1 --control "fd:$ctl,$ack" -o "$out" -- \
  java "-Defiemu.bench.perfControl=$fifo" "-Defiemu.bench.perfStretch=$stretch" -XX:+UnlockDiagnosticVMOptions \
    -XX:+DumpPerfMapAtExit -jar "$jar" bench raw --rounds "$rounds" "$@"
