#!/usr/bin/env bash
# Runs every test of efiemu (unit, system, real-firmware comparison, headless browser, gdb) on this machine,
# provisioning what is missing first (or stopping with the exact command to run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/provision.sh
# the real Xen EFI loader (Debian xen-hypervisor-4.17-amd64), fetched without installing the hypervisor
scripts/fetch-xen-efi.sh >/dev/null
mvn -B install "$@"
# bounded coverage-guided fuzzing (docs/robustness.md "Fuzzing"): each Jazzer @FuzzTest in its own JVM with
# JAZZER_FUZZ=1 for 25 s (PE loader, GDB packet framing, profile parser, dump importers); a finding fails the build
# and is written into the target's seed directory under src/test/resources
mvn -B verify -Pfuzz -pl platforms -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
