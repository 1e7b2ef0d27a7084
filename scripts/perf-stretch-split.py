#!/usr/bin/env python3
"""Splits the guest thread's samples of scripts/perf-stretch.sh by where they were spent (docs/performance.md "calib12").

  perf script -i perf.data --comm java -F tid,ip,sym,dso > stretch.script
  scripts/perf-stretch-split.py stretch.script emulator-core/target/classes/native/linux-x86_64/libefiemu_gate.so

The JNI shim is extracted to a temporary file without symbols in perf's view: its functions are named from `nm -n` of
the built library (the same build as the jar profiled). A sample goes to the first category its call chain matches:
the gate's upcall (a stretch's two ends), the RDTSC discovery's edge hook (its JNI upcall: the check in Java), a JNA
callback (RDTSC site answers, CPUID, IN reads handed to Java), the C IN hook, Unicorn's IN helpers, translation,
other Unicorn code, guest code (translated blocks; anonymous executable memory), the kernel.
"""
import collections
import re
import subprocess
import sys

if len(sys.argv) != 3:
    sys.exit("usage: perf-stretch-split.py STRETCH.script LIBEFIEMU_GATE.so")
syms = []
for line in subprocess.run(["nm", "-n", sys.argv[2]], check=True, capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1] in "tT":
        syms.append((int(f[0], 16), f[2]))


def gate_sym(off):
    name = "?"
    for a, n in syms:
        if a > off:
            break
        name = n
    return name


samples, cur = [], []
for line in open(sys.argv[1]):
    m = re.match(r"\s+([0-9a-f]+) (.*) \((.*)\)$", line)
    if m:
        ip, sym, dso = int(m.group(1), 16), m.group(2), m.group(3)
        if "libefiemu_gate" in dso:
            sym = gate_sym(ip)
        cur.append((sym, dso))
    elif cur:
        samples.append(cur)
        cur = []
if cur:
    samples.append(cur)
translate = re.compile(r"tcg_|gen_|translator|disas_|tb_gen_code|tb_link|tb_htable|qht_insert|page_|tb_alloc|liveness")
cats, leaves = collections.Counter(), collections.defaultdict(collections.Counter)
for s in samples:
    names = [x[0] for x in s]
    dsos = [x[1] for x in s]
    leaf = s[0]
    if "gate_hook" in names:
        c = "gate upcall (the stretch's ends)"
    elif "edge_hook" in names:
        c = "edge hook: JNI upcall (RDTSC check in Java)" if any(
            x.startswith("jni_") or x == "Interpreter" for x in names) else "edge hook: C"
    elif any("jna" in d for d in dsos):
        c = "JNA callback (RDTSC answer, CPUID, IN to Java)"
    elif any(x.startswith("jni_") or x == "Interpreter" for x in names):
        c = "other JNI/Java"
    elif leaf[0] == "cp_in_hook":
        c = "IN hook (C)"
    elif "libunicorn" in leaf[1]:
        if leaf[0].startswith(("cpu_inl", "helper_inl")):
            c = "Unicorn IN helper"
        elif any(translate.search(x) for x in names):
            c = "Unicorn translation"
        else:
            c = "Unicorn other"
    elif "perf-" in leaf[1] or "[JIT]" in leaf[1] or leaf[1] == "[unknown]":
        c = "guest code (translated blocks) / JIT"
    elif "kernel" in leaf[1]:
        c = "kernel"
    else:
        c = "other: " + leaf[1].split("/")[-1]
    cats[c] += 1
    leaves[c][leaf[0]] += 1
total = len(samples)
for c, n in cats.most_common():
    top = ", ".join(f"{k}:{v}" for k, v in leaves[c].most_common(3))
    print(f"{n:6d} {100 * n / total:5.1f} %  {c}  ({top})")
print(f"{total:6d} samples")
