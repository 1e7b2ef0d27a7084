#!/usr/bin/env python3
"""Adds what a firmware-probe capture recorded to a profile, in the canonical form of docs/profiles.md.

    platforms/capture/firmware-to-profile.py CAPTURE.firmware.txt PROFILE [--out FILE] [--capture-name NAME]

From the capture's lines it writes (replacing any earlier ones):
  display:         gop: framebuffer base, the modes in QueryMode order, the current mode; adapter memory 16 MiB
                   (QEMU stdvga's default vgamem; the probe sees only the current mode's FrameBufferSize)
  variable-store:  qvi: answers turned back into store sizes (authenticated format: 60-byte headers; NV size =
                   maximum storage + 28, maximum variable = max-variable + 60)
  console:         text: the current text mode's size
  variable:        every var:/var-data: pair, in GetNextVariableName order
and one `source:` line naming the capture. ProfileParser -> ProfileWriter gives the same bytes.
"""
import argparse
import re
import sys

ORDER = ["name", "description", "source", "placement", "descriptor-size", "descriptor-version", "firmware-vendor",
         "firmware-revision", "uefi-revision", "cpu-vendor", "cpu-family", "cpu-model", "cpu-stepping", "cpu-brand",
         "cpu-count", "smbios-bios-vendor", "smbios-bios-version", "smbios-bios-date", "smbios-manufacturer",
         "smbios-product", "smbios-version", "smbios-serial", "acpi-oem-id", "acpi-oem-table-id", "console", "display",
         "variable-store", "quirk", "variable", "pool-free"]


def fail(msg):
    sys.exit("firmware-to-profile.py: " + msg)


def encode_name(name):
    out = []
    for c in name:
        o = ord(c)
        if c in "%#" or o <= 0x20 or o >= 0x7F:
            out.append("%%u%04X" % o if o > 0xFF else "%%%02X" % o)
        else:
            out.append(c)
    return "".join(out)


def utf16_text(data):
    if len(data) < 4 or len(data) % 2 or data[-2:] != b"\0\0":
        return None
    try:
        s = data[:-2].decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    if not s or any(ord(c) < 0x20 or ord(c) > 0x7E or c == "#" for c in s) or s != s.strip():
        return None
    return s if (s + "\0").encode("utf-16-le") == data else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("profile")
    ap.add_argument("--out")
    ap.add_argument("--capture-name", help="resource name in the source line (default: the capture's file name)")
    a = ap.parse_args()
    cap = open(a.capture, encoding="utf-8").read().split("\n")
    command = next((l[len("# command: "):] for l in cap if l.startswith("# command: ")), None)
    if "fw: firmware-probe end" not in cap or command is None:
        fail(f"{a.capture}: not a complete firmware-probe capture (no '# command:' header or 'fw: firmware-probe end')")

    variables = []
    for i, l in enumerate(cap):
        m = re.match(r"var: ([0-9a-f-]{36}) (.+) attr=0x([0-9a-f]+) size=(\d+)$", l)
        if not m:
            continue
        d = cap[i + 1]
        if not d.startswith("var-data: "):
            fail(f"{a.capture}:{i + 2}: expected 'var-data: <hex>' after the var: line")
        data = bytes.fromhex(d[len("var-data: "):])
        if len(data) != int(m.group(4)):
            fail(f"{a.capture}:{i + 2}: {len(data)} data bytes, the var: line says {m.group(4)}")
        text = utf16_text(data)
        value = "utf16:" + text if text is not None else "hex:" + data.hex().upper()
        variables.append("variable: %s %s 0x%X %s" % (encode_name(m.group(2)), m.group(1).upper(),
                                                      int(m.group(3), 16), value))

    qvi = {int(m.group(1), 16): (int(m.group(2), 16), int(m.group(3), 16)) for m in
           (re.match(r"qvi: attr=0x([0-9a-f]+) = EFI_SUCCESS max-storage=0x([0-9a-f]+) remaining=0x[0-9a-f]+ "
                     r"max-variable=0x([0-9a-f]+)$", l) for l in cap) if m}
    if 0x7 not in qvi or 0x6 not in qvi:
        fail(f"{a.capture}: no successful QueryVariableInfo for NV|BS|RT (0x7) and BS|RT (0x6)")
    auth = 0x27 in qvi
    header = 60 if auth else 32
    store = "nv-size=0x%X volatile-size=0x%X max-nv-variable=0x%X max-volatile-variable=0x%X format=%s" % (
        qvi[7][0] + 28, qvi[6][0] + 28, qvi[7][1] + header, qvi[6][1] + header, "authenticated" if auth else "plain")

    gop = next((re.match(r"gop: max-mode=(\d+) mode=(\d+) fb-base=0x([0-9a-f]+) ", l) for l in cap
                if l.startswith("gop: max-mode=")), None)
    display = None
    if gop:
        modes = [None] * int(gop.group(1))
        for l in cap:
            m = re.match(r"gop: mode (\d+) = (\d+)x(\d+) ", l)
            if m:
                modes[int(m.group(1))] = m.group(2) + "x" + m.group(3)
        if None in modes:
            fail(f"{a.capture}: a GOP mode was not reported by QueryMode")
        display = "framebuffer=0x%X memory=0x1000000 mode=%s modes=%s" % (int(gop.group(3), 16), gop.group(2),
                                                                        ",".join(modes))
    text_mode = next((re.match(r"text: max-mode=\d+ mode=(\d+) ", l) for l in cap if l.startswith("text: max-mode")), None)
    console = None
    if text_mode:
        m = next((re.match(r"text: mode %s = (\d+x\d+)$" % text_mode.group(1), l) for l in cap
                  if l.startswith("text: mode %s = " % text_mode.group(1))), None)
        console = m.group(1) if m else None

    lines = open(a.profile, encoding="utf-8").read().split("\n")
    cut = lines.index("memory-map:")
    header_lines, rest = lines[:cut], lines[cut:]
    cap_name = a.capture_name or a.capture.split("/")[-1]
    src = f"source: capture org/efiemu/platform/captures/{cap_name} made by: {command}; console, display, " \
          f"variable-store and variable lines = the firmware-probe's text:/gop:/qvi:/var: lines at BDS start"
    keep = [l for l in header_lines if l and not l.startswith(("variable:", "variable-store:", "display:"))
            and not (l.startswith("source: capture org/efiemu/platform/captures/") and ".firmware.txt" in l)]
    keep.append(src)
    if console:
        keep = [("console: " + console) if l.startswith("console:") else l for l in keep]
    if display:
        keep.append("display: " + display)
    keep.append("variable-store: " + store)
    keep.extend(variables)
    rank = {k: i for i, k in enumerate(ORDER)}
    keep = sorted(enumerate(keep), key=lambda p: (rank[p[1].split(":", 1)[0]], p[0]))
    out = "\n".join(l for _, l in keep) + "\n" + "\n".join(rest)
    open(a.out or a.profile, "w", encoding="utf-8").write(out)


if __name__ == "__main__":
    main()
