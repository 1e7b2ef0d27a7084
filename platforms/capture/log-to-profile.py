#!/usr/bin/env python3
"""Turns an ovmf-probe capture log (capture-ovmf.sh) into a platform profile in the format of docs/profiles.md.

    platforms/capture/log-to-profile.py CAPTURE.log --name ovmf-q35-2g [--out FILE.profile]

What it changes relative to the map the probe saw at entry, each written as a `source: inferred:` line:
  * EfiLoaderCode/EfiLoaderData at entry (only the probe's own image: BDS loads nothing else as Loader*) become
    EfiConventionalMemory, since efiemu loads the application itself;
  * the OVMF memory-type bins (OvmfPkg/PlatformPei/MemTypeInfo.c with the OvmfPkgX64.dsc sizes: ACPI NVS 0x80,
    ACPI reclaim 0x12, reserved 0x80, RT code 0x100, RT data 0x100 pages, stacked NVS highest) are located as the
    five adjacent descriptors of those types and sizes and written as `placement: edk2-topdown bins=...
    default-max=<lowest bin base - 1>` (EDK2 Page.c CoreAddMemoryDescriptor sets mDefaultMaximumAddress so);
  * the free part of each bin, which EDK2's CoreGetMemoryMap reports under the bin's type, is taken from the probe's
    bin scan ("bin: type=N free 0x... +0x... pages" lines, platforms/src/main/c/ovmf-probe/bins.c) and written as
    EfiConventionalMemory inside the bin; the highest free page must equal the probe's first 1-page
    AllocateAnyPages of that type (a step line), which is checked.
Adjacent descriptors of equal type and attribute are merged afterwards (EDK2 MergeMemoryMap).
With --pool-free-from OLD.profile, the `pool-free:` lines and their `source: inferred: pool-free` notes are copied
from OLD.profile: the probe does not observe them directly (docs/profiles.md, OvmfFidelityTest steps 71/72).
"""
import argparse
import re
import sys

TYPES = ["EfiReservedMemoryType", "EfiLoaderCode", "EfiLoaderData", "EfiBootServicesCode", "EfiBootServicesData",
         "EfiRuntimeServicesCode", "EfiRuntimeServicesData", "EfiConventionalMemory", "EfiUnusableMemory",
         "EfiACPIReclaimMemory", "EfiACPIMemoryNVS", "EfiMemoryMappedIO", "EfiMemoryMappedIOPortSpace", "EfiPalCode",
         "EfiPersistentMemory", "EfiUnacceptedMemoryType"]
CONV, LCODE, LDATA = 7, 1, 2
# OVMF bins, lowest first: (type, pages)
OVMF_BINS = [(6, 0x100), (5, 0x100), (0, 0x80), (9, 0x12), (10, 0x80)]
MAP_RE = re.compile(r"^efi: mem\d+: type=(\d+), attr=(0x[0-9a-f]+), range=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\)")
BIN_RE = re.compile(r"^bin: type=(\d+) free (0x[0-9a-f]+) \+(0x[0-9a-f]+) pages$")
BIN_END_RE = re.compile(r"^bin: type=(\d+) (runs=\d+|incomplete.*)$")
STEP_RE = re.compile(r"^probe: \d+ AllocatePages\(AllocateAnyPages, (\w+), 0x1, 0x0\) = EFI_SUCCESS -> (0x[0-9a-f]+)$")


def fail(log, msg):
    sys.exit(f"log-to-profile: {log}: {msg}")


def type_name(t):
    if t < len(TYPES):
        return TYPES[t]
    return f"OS(0x{t:08X})" if t >= 0x80000000 else f"OEM(0x{t:08X})"


def parse(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    info = {"map": [], "steps": [], "bins": {}, "bins_done": {}, "header": [l[2:] for l in lines if l.startswith("# ")], "identity": {}}
    in_entry = False
    for l in lines:
        if l.startswith("map: entry"):
            in_entry = True
        elif l.startswith("map: end entry"):
            in_entry = False
        elif in_entry and (m := MAP_RE.match(l)):
            t, attr, a, b = int(m[1]), int(m[2], 16), int(m[3], 16), int(m[4], 16)
            info["map"].append([t, a, b, attr])
        elif (m := re.match(r'^probe: FirmwareVendor="([^"]*)" FirmwareRevision=(0x[0-9a-f]+) SystemTableRevision=(0x[0-9a-f]+)', l)):
            info["vendor"], info["fwrev"], info["strev"] = m[1], int(m[2], 16), int(m[3], 16)
        elif (m := re.match(r"^probe: entry GetMemoryMap = EFI_SUCCESS, MemoryMapSize=\d+ DescriptorSize=(\d+) DescriptorVersion=(\d+)", l)):
            info["dsz"], info["dver"] = int(m[1]), int(m[2])
        elif (m := re.match(r"^probe: LoadedImage ImageBase=(0x[0-9a-f]+) ImageSize=(0x[0-9a-f]+)", l)):
            info["image"] = (int(m[1], 16), int(m[2], 16))
        elif l.startswith("identity: "):
            for m in re.finditer(r'([a-z0-9-]+)=("([^"]*)"|(\S+))', l[10:]):
                info["identity"][m[1]] = m[3] if m[3] is not None else m[4]
        elif (m := BIN_RE.match(l)):
            info["bins"].setdefault(int(m[1]), []).append((int(m[2], 16), int(m[3], 16)))
        elif (m := BIN_END_RE.match(l)):
            info["bins_done"][int(m[1])] = m[2]
        elif (m := STEP_RE.match(l)):
            info["steps"].append((m[1], int(m[2], 16)))
    for key in ("vendor", "dsz", "image"):
        if key not in info:
            fail(path, f"no '{key}' line from the probe (is this an ovmf-probe capture that ran to 'probe: end'?)")
    if not info["map"]:
        fail(path, "no entry map ('map: entry' ... 'map: end entry' with efi: memNN lines)")
    return info


def merge(entries):
    out = []
    for e in entries:
        if out and out[-1][0] == e[0] and out[-1][3] == e[3] and out[-1][2] == e[1]:
            out[-1][2] = e[2]
        else:
            out.append(list(e))
    return out


def build(path, name, info):
    notes = []
    entries = []
    for t, a, b, attr in info["map"]:
        if t in (LCODE, LDATA):
            notes.append(f"inferred: {type_name(t)} 0x{a:X}-0x{b - 1:X} returned to EfiConventionalMemory "
                         f"(the probe's own image, LoadedImage base 0x{info['image'][0]:X} size 0x{info['image'][1]:X}; efiemu loads the application itself)")
            t = CONV
        entries.append([t, a, b, attr])
    # locate the five stacked OVMF bins
    bins = None
    for i in range(len(entries) - len(OVMF_BINS) + 1):
        run = entries[i:i + len(OVMF_BINS)]
        if all(e[0] == bt and (e[2] - e[1]) >> 12 == bp for e, (bt, bp) in zip(run, OVMF_BINS)) and \
                all(run[k][2] == run[k + 1][1] for k in range(len(run) - 1)):
            bins = [(e[0], e[1], (e[2] - e[1]) >> 12) for e in run]
            break
    if bins is None:
        fail(path, "the OVMF memory-type bins (RT_Data 0x100, RT_Code 0x100, Reserved 0x80, ACPI_Recl 0x12, NVS 0x80 "
                   "pages, adjacent, lowest first) were not found in the entry map")
    first_page = {}
    for tname, addr in info["steps"]:
        first_page.setdefault(tname, addr)
    result = []
    for e in entries:
        b = next((x for x in bins if x[1] == e[1] and x[0] == e[0]), None)
        if not b:
            result.append(e)
            continue
        tname, lo, hi = TYPES[e[0]], e[1], e[2]
        done = info["bins_done"].get(e[0])
        if done is None or not done.startswith("runs="):
            fail(path, f"no complete bin scan for {tname} (type={e[0]}): expected 'bin: type={e[0]} ... runs=N' lines "
                       f"after the entry map, got {done or 'none'} (recapture with the current probe)")
        runs = sorted(info["bins"].get(e[0], []))
        if len(runs) != int(done[5:]):
            fail(path, f"bin scan for {tname}: 'runs={done[5:]}' but {len(runs)} 'bin: type={e[0]} free' lines")
        cursor = lo
        pieces = []
        for a, n in runs:
            end = a + (n << 12)
            if a < cursor or end > hi:
                fail(path, f"bin scan for {tname}: free run 0x{a:X} +0x{n:X} pages lies outside the bin 0x{lo:X}-0x{hi - 1:X} "
                           f"or overlaps the run before it")
            if a > cursor:
                result.append([e[0], cursor, a, e[3]])
            result.append([CONV, a, end, e[3] & ~(1 << 63)])
            pieces.append(f"0x{a:X}-0x{end - 1:X} (0x{n:X} pages)")
            cursor = end
        if cursor < hi:
            result.append([e[0], cursor, hi, e[3]])
        top = first_page.get(tname)
        if runs and top is not None and top != runs[-1][0] + ((runs[-1][1] - 1) << 12):
            fail(path, f"bin scan for {tname}: highest free page 0x{runs[-1][0] + ((runs[-1][1] - 1) << 12):X}, but the "
                       f"probe's first 1-page AllocateAnyPages of this type returned 0x{top:X}")
        notes.append(f"inferred: {tname} bin 0x{lo:X}-0x{hi - 1:X}: free "
                     + (", ".join(pieces) if pieces else "none")
                     + " (the probe's bin scan at entry), written as EfiConventionalMemory, reported by GetMemoryMap under the bin's type")
    bins_param = ",".join(f"{TYPES[t]}@0x{base:X}+0x{pages:X}" for t, base, pages in bins)
    default_max = min(b[1] for b in bins) - 1
    return merge(result), bins_param, default_max, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--name", required=True)
    ap.add_argument("--description", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--pool-free-from", default=None, metavar="OLD.profile",
                    help="copy the pool-free lines and their source notes from this profile")
    args = ap.parse_args()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", args.name):
        sys.exit(f"log-to-profile: --name '{args.name}' must match [a-z0-9][a-z0-9.-]*")
    info = parse(args.log)
    entries, bins_param, default_max, notes = build(args.log, args.name, info)
    hdr = info["header"]
    cmd = next((h[len("command: "):] for h in hdr if h.startswith("command: ")), "?")
    qemu = next((h for h in hdr if h.startswith("QEMU emulator version")), "QEMU ?")
    fw = next((h[len("firmware: "):] for h in hdr if h.startswith("firmware: ")), "?")
    mem = re.search(r"--mem (\S+)", cmd)
    ident = info["identity"]
    size = mem[1] if mem else "?"
    description = args.description or \
        f"QEMU q35 (TCG, 1 vCPU, stdvga) with {size} RAM, Debian OVMF 2022.11; map at BDS start of BOOTX64.EFI"
    lines = [f"name: {args.name}",
             f"description: {description}",
             f"source: capture org/efiemu/platform/captures/{args.name}.log made by: {cmd}",
             f"source: {qemu}; firmware {fw}",
             "source: map = GetMemoryMap at the probe's entry (platforms/src/main/c/ovmf-probe); identity = the probe's CPUID, SMBIOS and ACPI reads",
             *[f"source: {n}" for n in notes],
             f"source: inferred: placement bins = OVMF MemTypeInfo.c bins found in the map; default-max = lowest bin base - 1 (EDK2 mDefaultMaximumAddress)",
             f"placement: edk2-topdown bins={bins_param} default-max=0x{default_max:X}",
             f"descriptor-size: {info['dsz']}",
             f"descriptor-version: {info['dver']}",
             f"firmware-vendor: {info['vendor']}",
             f"firmware-revision: 0x{info['fwrev']:X}",
             f"uefi-revision: {info['strev'] >> 16}.{info['strev'] & 0xFFFF:02d}"]
    for key in ("cpu-vendor", "cpu-family", "cpu-model", "cpu-stepping", "cpu-brand"):
        if key in ident:
            lines.append(f"{key}: {ident[key]}")
    lines.append("cpu-count: 1")
    for key in ("smbios-bios-vendor", "smbios-bios-version", "smbios-bios-date", "smbios-manufacturer",
                "smbios-product", "smbios-version", "smbios-serial", "acpi-oem-id", "acpi-oem-table-id"):
        if ident.get(key):
            lines.append(f"{key}: {ident[key]}")
        elif key == "smbios-serial" and key in ident:
            lines.append(f"{key}: 0")  # the format's default; an empty value cannot be written
    if "smbios-serial" in ident and not ident["smbios-serial"]:
        notes_serial = "source: SMBIOS type 1 serial number is empty on this machine; written as the format's default 0"
        lines.insert(next(i for i, l in enumerate(lines) if l.startswith("placement: ")), notes_serial)
    lines.append("console: 80x25")
    if args.pool_free_from:
        old = open(args.pool_free_from, encoding="utf-8").read().splitlines()
        pool_notes = [l for l in old if l.startswith("source: inferred: pool-free ")]
        pool_lines = [l for l in old if l.startswith("pool-free:")]
        if not pool_lines:
            sys.exit(f"log-to-profile: --pool-free-from {args.pool_free_from}: no 'pool-free:' lines in it")
        at = next(i for i, l in enumerate(lines) if l.startswith("source: inferred: placement bins")) + 1
        lines[at:at] = pool_notes
        lines.extend(pool_lines)
    lines.append("memory-map:")
    for t, a, b, attr in entries:
        lines.append(f"{type_name(t):<25} 0x{a:016X}-0x{b - 1:016X} 0x{attr:X}")
    text = "\n".join(lines) + "\n"
    if args.out:
        open(args.out, "w", encoding="utf-8").write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
