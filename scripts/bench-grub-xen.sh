#!/usr/bin/env bash
# Bench (issue 16): GRUB -> multiboot2 -> Xen with a real Debian kernel as module2, to Xen's ExitBootServices, on
# efiemu (`efiemu run`, whole process) and on QEMU + OVMF in the same run, plus the guest-code speed of counting by
# block vs raw Unicorn on the same code (GrubXenBench).
# (Raw Unicorn on exactly the same stretches of guest code, replayed from efiemu's state: scripts/bench-raw.sh.)
#
#   scripts/bench-grub-xen.sh [--rounds N] [--skip-qemu] [--skip-bench] [--skip-raw] [--work DIR]
#
# The image: grub-mkstandalone (Debian grub-efi-amd64-bin) holding in its memdisk /boot/grub/grub.cfg, /xen.gz
# (Debian xen-hypervisor-4.17-amd64's xen-4.17-amd64.gz) and /vmlinuz (a Debian linux-image-*-amd64 kernel: the
# newest such .deb in /var/cache/apt/archives, or KERNEL_DEB=FILE.deb, else `apt-get download` of linux-image-amd64's
# kernel); grub.cfg: timeout 0, multiboot2 /xen.gz console=com1, module2 /vmlinuz, boot.
# efiemu: `java -jar early-alloc/target/efiemu-cli.jar run --platform ovmf-q35-2g --payload grubx64.efi
# --until exit-boot-services` (build it first: mvn -B -q -o package -pl early-alloc -am -DskipTests), timed whole
# process with /usr/bin/time (wall and CPU).
# QEMU + OVMF (q35, TCG, 2 GiB, 1 CPU): the same image as \EFI\BOOT\BOOTX64.EFI; timed from start to Xen's first
# "(XEN)" line on COM1 (Xen proper prints only after ExitBootServices), then QEMU is stopped.
# Raw Unicorn (no efiemu): scripts/unicorn-store-bench.c, compiled with gcc, runs a 5-instruction loop that stores
# (or loads) one byte per iteration on the libunicorn.so.2 the machine has, and on every library listed in
# UNICORN_LIBS (space-separated paths, e.g. a newer Unicorn built from source), so the cost of guest stores in the
# engine itself is measured in the same run.
# GrubXenBench runs the modes in BENCH_MODES (default blocks; per-instruction takes minutes, and uncounted now
# spends minutes in IN port reads on this image: most likely GRUB's TSC calibration polling the ACPI PM timer, whose
# virtual time advances only at host calls when nothing is counted).
# Also timed: the same run through the ./efiemu launcher (class-data archive, C1 only), as a user types it, and the
# same run with Unicorn's stock store path (-Defiemu.unicorn.storeFastPath=false; see StoreFastPath).
# Needs: grub-efi-amd64-bin (grub-mkstandalone), qemu-system-x86, ovmf, apt-get/dpkg-deb; src/test compiled
# (mvn -B -q -o verify -f src/test/pom.xml -DskipTests) for GrubXenBench.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rounds=3
skip_qemu=0
skip_bench=0
skip_raw=0
work="${XDG_CACHE_HOME:-$HOME/.cache}/efiemu/grub-xen"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    --skip-qemu) skip_qemu=1; shift ;;
    --skip-bench) skip_bench=1; shift ;;
    --skip-raw) skip_raw=1; shift ;;
    --work) work="${2:?--work needs a directory}"; shift 2 ;;
    *) echo "bench-grub-xen.sh: unknown argument '$1' (expected --rounds N, --skip-qemu, --skip-bench, --skip-raw, --work DIR)" >&2; exit 2 ;;
  esac
done
log() { echo "bench-grub-xen: $*" >&2; }
command -v grub-mkstandalone >/dev/null || { log "grub-mkstandalone not found: apt-get install -y grub-efi-amd64-bin"; exit 3; }
mkdir -p "$work"
cd "$work"

if [ ! -s xen.gz ]; then
  log "fetching xen-hypervisor-4.17-amd64 (apt-get download)"
  rm -rf xen-deb && mkdir xen-deb && (cd xen-deb && apt-get download xen-hypervisor-4.17-amd64 >&2)
  dpkg-deb -x xen-deb/*.deb xen-x && cp xen-x/boot/xen-4.17-amd64.gz xen.gz
  basename xen-deb/*.deb > xen.version
fi
if [ ! -s vmlinuz ]; then
  deb="${KERNEL_DEB:-$(ls -t /var/cache/apt/archives/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | head -1 || true)}"
  if [ -z "$deb" ]; then
    pkg="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')"
    log "fetching $pkg (apt-get download)"
    rm -rf k-deb && mkdir k-deb && (cd k-deb && apt-get download "$pkg" >&2)
    deb="$(ls k-deb/*.deb)"
  fi
  dpkg-deb -x "$deb" k-x && cp k-x/boot/vmlinuz-* vmlinuz
  basename "$deb" > vmlinuz.version
fi
cat > grub.cfg <<'CFG'
set timeout=0
insmod multiboot2
multiboot2 /xen.gz console=com1 com1=115200,8n1 loglvl=all noreboot
module2 /vmlinuz console=hvc0 earlyprintk=xen
boot
CFG
if [ ! -s grubx64.efi ] || [ grub.cfg -nt grubx64.efi ]; then
  grub-mkstandalone -O x86_64-efi -o grubx64.efi "boot/grub/grub.cfg=grub.cfg" "xen.gz=xen.gz" "vmlinuz=vmlinuz"
fi
echo "image: $work/grubx64.efi ($(stat -c %s grubx64.efi) bytes; $(dpkg-query -W -f='${Package} ${Version}' grub-efi-amd64-bin); $(cat xen.version); $(cat vmlinuz.version), vmlinuz $(stat -c %s vmlinuz) bytes)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

if [ "$skip_raw" = 0 ]; then
  gcc -O2 -o unicorn-store-bench "$repo/scripts/unicorn-store-bench.c" -ldl
  for lib in libunicorn.so.2 ${UNICORN_LIBS:-}; do ./unicorn-store-bench "$lib" 20000000; done
fi

jar="$repo/early-alloc/target/efiemu-cli.jar"
[ -r "$jar" ] || { log "$jar missing: mvn -B -q -o package -pl early-alloc -am -DskipTests"; exit 3; }
for i in $(seq 1 "$rounds"); do
  /usr/bin/time -f "efiemu-run wall=%e s user=%U s sys=%S s" -o time.txt \
    java -jar "$jar" run --platform ovmf-q35-2g --payload grubx64.efi --until exit-boot-services --time-limit 10m > efiemu.out 2>&1 || true
  echo "efiemu run #$i: $(grep -E '^ended' efiemu.out | sed 's/^ended *//'); $(grep -E '^guest' efiemu.out | sed 's/^guest *//'); $(cat time.txt)"
  echo "  stores: $(grep -E '^stores' efiemu.out | sed 's/^stores *//')"
  # the same with Unicorn's stock store path (the store fast path off: StoreFastPath)
  /usr/bin/time -f "efiemu-run-stock-stores wall=%e s user=%U s sys=%S s" -o time.txt \
    java -Defiemu.unicorn.storeFastPath=false -jar "$jar" run --platform ovmf-q35-2g --payload grubx64.efi --until exit-boot-services --time-limit 10m > efiemu.out 2>&1 || true
  echo "efiemu run, store fast path off, #$i: $(grep -E '^ended' efiemu.out | sed 's/^ended *//'); $(grep -E '^guest' efiemu.out | sed 's/^guest *//'); $(cat time.txt)"
  if [ -x "$repo/efiemu" ]; then
    /usr/bin/time -f "efiemu-launcher wall=%e s user=%U s sys=%S s" -o time.txt \
      "$repo/efiemu" run --platform ovmf-q35-2g --payload grubx64.efi --until exit-boot-services --time-limit 10m > efiemu.out 2>&1 || true
    echo "./efiemu run #$i: $(grep -E '^ended' efiemu.out | sed 's/^ended *//'); $(cat time.txt)"
  fi
done

if [ "$skip_qemu" = 0 ]; then
  code=/usr/share/OVMF/OVMF_CODE_4M.fd
  vars=/usr/share/OVMF/OVMF_VARS_4M.fd
  for i in $(seq 1 "$rounds"); do
    rm -rf esp && mkdir -p esp/EFI/BOOT && cp grubx64.efi esp/EFI/BOOT/BOOTX64.EFI && cp "$vars" vars.fd
    : > serial.raw
    start=$(date +%s.%N)
    qemu-system-x86_64 -machine q35,accel=tcg -m 2G -smp 1 -net none -display none -serial file:serial.raw \
      -monitor none -no-reboot -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
      -drive "if=pflash,format=raw,unit=1,file=vars.fd" -drive "format=raw,file=fat:rw:esp" 2>qemu.err &
    qpid=$!
    found=""
    while kill -0 "$qpid" 2>/dev/null; do
      if grep -aq '(XEN)' serial.raw; then found=1; break; fi
      if [ "$(echo "$(date +%s.%N) - $start > 600" | bc)" = 1 ]; then break; fi
      sleep 0.05
    done
    secs=$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")
    cpu=$(awk '{print ($14+$15)/100}' "/proc/$qpid/stat" 2>/dev/null || echo '?')
    kill "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    echo "qemu+ovmf #$i: $([ -n "$found" ] && echo "Xen's first (XEN) line after ${secs} s wall, QEMU CPU ${cpu} s" || echo "no (XEN) line within ${secs} s")"
  done
fi

if [ "$skip_bench" = 0 ]; then
  cp_file="$repo/src/test/target/bench.classpath"
  [ -s "$cp_file" ] || mvn -B -q -o dependency:build-classpath -f "$repo/src/test/pom.xml" -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
  # the project's own modules from this tree's target/classes, never from ~/.m2 (which may hold another build)
  cp="$(tr ':' '\n' < "$cp_file" | sed -E \
    -e "s#.*/org/efiemu/efiemu-core/.*#$repo/emulator-core/target/classes#" \
    -e "s#.*/org/efiemu/efiemu-uefi-services/.*#$repo/uefi-services/target/classes#" \
    -e "s#.*/org/efiemu/efiemu-platforms/.*#$repo/platforms/target/classes#" \
    -e "s#.*/org/efiemu/efiemu-early-alloc/.*#$repo/early-alloc/target/classes#" | paste -sd:)"
  java -cp "$repo/src/test/target/test-classes:$cp" org.efiemu.system.speed.GrubXenBench grubx64.efi "$rounds" "${BENCH_MODES:-blocks}"
fi
