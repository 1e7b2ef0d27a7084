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
