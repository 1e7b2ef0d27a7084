#!/usr/bin/env bash
# Bench (issue 16 item 1): guest code of real loaders on efiemu vs raw Unicorn on the SAME code, side by side in one
# process (`efiemu bench raw`, early-alloc's RawBenchCommand / org.efiemu.earlyalloc.speed.RawComparison):
# the longest stretches of guest code between two firmware calls are run by efiemu as it runs them (counting by
# block, store fast path, timer tick: the defaults) and replayed from the same registers and RAM on a new raw Unicorn
# engine (uc_open, uc_mem_map_ptr, uc_context_restore, one uc_emu_start(begin, end), no hook), with and without
# efiemu's store fast path; both sides must end at the same RIP with the same registers and RAM; instructions per CPU
# second of each, per stretch, plus the whole efiemu run's rate. Rounds interleave: efiemu run, then the raw replays.
#
#   scripts/bench-raw.sh [--rounds N] [--stretches N] [--only grub-xen|linux] [--work DIR] [--raw V,V] [--tsc-reads]
#                        [--jar JAR]
#
#   --raw V,V     raw variants (bench raw's --raw; default raw,raw-fast-stores,raw-fast-stores-warm)
#   --tsc-reads   compare the stretches that read RDTSC/RDTSCP (and took no interrupt) instead, against
#                 raw-fast-stores-tsc: raw Unicorn + store fast path + a C hook per RDTSC site handing out the values
#                 efiemu's guest read (Unicorn 2.0.1 cannot hook RDTSC as an instruction)
#   --jar JAR     another build's efiemu-cli.jar (before/after comparisons; default: this tree's)
#
# Loaders:
#   grub-xen  Debian GRUB 2.06 grub-mkstandalone image -> multiboot2 Xen 4.17 + Debian kernel as module2, to Xen's
#             ExitBootServices (the image of scripts/bench-grub-xen.sh, built by it in --work DIR/grub-xen)
#   linux     Debian's kernel (linux-image-amd64's vmlinuz, fetched by scripts/fetch-debian-efi.sh) as the EFI
#             application, initrd=\initrd.img (a 124-byte newc archive) from an ESP folder, to ExitBootServices
# Needs: early-alloc/target/efiemu-cli.jar (mvn -B -q -o package -pl early-alloc -am -DskipTests),
# grub-efi-amd64-bin (grub-mkstandalone), apt-get/dpkg-deb.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rounds=3
stretches=4
only=""
raw=""
tsc=""
jar=""
work="${XDG_CACHE_HOME:-$HOME/.cache}/efiemu/bench-raw"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    --stretches) stretches="${2:?--stretches needs a number}"; shift 2 ;;
    --only) only="${2:?--only needs grub-xen or linux}"; shift 2 ;;
    --work) work="${2:?--work needs a directory}"; shift 2 ;;
    --raw) raw="${2:?--raw needs variants}"; shift 2 ;;
    --tsc-reads) tsc="--tsc-reads"; shift ;;
    --jar) jar="${2:?--jar needs a file}"; shift 2 ;;
    *) echo "bench-raw.sh: unknown argument '$1' (expected --rounds N, --stretches N, --only grub-xen|linux, --work DIR, --raw V,V, --tsc-reads, --jar JAR)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|grub-xen|linux) ;; *) echo "bench-raw.sh: --only '$only': expected grub-xen or linux" >&2; exit 2 ;; esac
[ -n "$jar" ] || jar="$repo/early-alloc/target/efiemu-cli.jar"
extra=()
[ -z "$raw" ] || extra+=(--raw "$raw")
[ -z "$tsc" ] || extra+=("$tsc")
[ -r "$jar" ] || { echo "bench-raw.sh: $jar missing: mvn -B -q -o package -pl early-alloc -am -DskipTests" >&2; exit 3; }
mkdir -p "$work"
echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -z "$only" ] || [ "$only" = grub-xen ]; then
  # the image only: no efiemu or QEMU run, no bench
  "$repo/scripts/bench-grub-xen.sh" --rounds 0 --skip-qemu --skip-bench --skip-raw --work "$work/grub-xen" | grep '^image:'
  echo "== grub-xen: java -jar $jar bench raw --platform ovmf-q35-2g --payload grubx64.efi --until exit-boot-services --stretches $stretches --rounds $rounds ${extra[*]}"
  /usr/bin/time -f "grub-xen bench process: wall=%e s user=%U s sys=%S s" \
    java -jar "$jar" bench raw --platform ovmf-q35-2g --payload "$work/grub-xen/grubx64.efi" \
      --until exit-boot-services --stretches "$stretches" --rounds "$rounds" "${extra[@]}"
fi

if [ -z "$only" ] || [ "$only" = linux ]; then
  kdir="$(bash "$repo/scripts/fetch-debian-efi.sh" linux-image-amd64)"
  vmlinuz="$(ls "$kdir"/boot/vmlinuz-* | head -1)"
  esp="$work/linux-esp"
  mkdir -p "$esp"
  cp "$vmlinuz" "$esp/vmlinuz.efi"
  # a newc archive holding only its trailer (124 bytes): the stub only loads it
  printf '070701%0104dTRAILER!!!\0\0\0\0' 0 > "$esp/initrd.img"
  echo "image: $(basename "$vmlinuz") ($(cat "$kdir/VERSION" 2>/dev/null || echo '?'), $(stat -c %s "$vmlinuz") bytes), initrd $(stat -c %s "$esp/initrd.img") bytes"
  echo "== linux: java -jar $jar bench raw --platform ovmf-q35-2g --payload ESP/vmlinuz.efi --esp ESP --load-options 'initrd=\\initrd.img efi=debug console=ttyS0 panic=1' --until exit-boot-services --budget 20000000000 --stretches $stretches --rounds $rounds ${extra[*]}"
  /usr/bin/time -f "linux bench process: wall=%e s user=%U s sys=%S s" \
    java -jar "$jar" bench raw --platform ovmf-q35-2g --payload "$esp/vmlinuz.efi" --esp "$esp" \
      --load-options 'initrd=\initrd.img efi=debug console=ttyS0 panic=1' --until exit-boot-services \
      --budget 20000000000 --stretches "$stretches" --rounds "$rounds" "${extra[@]}"
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
