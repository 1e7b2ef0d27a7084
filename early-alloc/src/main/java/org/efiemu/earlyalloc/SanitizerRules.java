package org.efiemu.earlyalloc;

import static org.efiemu.earlyalloc.VerdictEngine.fail;
import static org.efiemu.earlyalloc.VerdictEngine.hex;
import static org.efiemu.earlyalloc.VerdictEngine.warn;

import java.util.List;
import java.util.Optional;
import org.efiemu.earlyalloc.PayloadLines.Region;
import org.efiemu.earlyalloc.StrategyMemory.Obtained;
import org.efiemu.earlyalloc.report.Evidence;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Trampoline;
import org.efiemu.earlyalloc.report.Violation;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The memory-ownership rules. With the sanitizer's findings: a write into firmware-owned memory is FAIL ("firmware
 * memory corrupted"); a write into free memory nobody allocated is WARN ("works by luck", UEFI 2.10 §7.2: memory not
 * allocated may be handed out by the next AllocatePages), and FAIL when the firmware did hand those pages to an
 * allocation (the trampoline, a pool page). Without a sanitizer (a machine built without it), the same two rules run
 * over the ranges the payload names, cross-checked against the allocations the trace shows.
 */
final class SanitizerRules {
    private SanitizerRules() {
    }

    static void apply(Observation o, PayloadLines lines, StrategyMemory memory, Trampoline trampoline,
            List<Graded> out, List<Violation> violations) {
        if (o.sanitized()) {
            for (SanitizerFinding f : o.findings()) {
                judge(o, f.kind(), f.address(), f.length(), f.rip(), f.ownerType(), label(lines, f),
                        "", memory, trampoline, out, violations);
            }
            firmwareWritesForTheStrategy(o, memory, trampoline, out, violations);
            return;
        }
        for (Region r : lines.regions()) {
            if (r.size() == 0 || r.label().equals("trampoline") || r.label().equals("init-bss-unused")
                    || VerdictEngine.isContainer(r) || owned(o, memory, r) || !memory.isRam(r.base(), r.size())) {
                continue;
            }
            String owner = memory.ownerAt(r.base());
            SanitizerFinding.Kind kind = memory.entryAt(r.base()).map(d -> d.type() == MemoryType.EfiConventionalMemory.value())
                    .orElse(false) ? SanitizerFinding.Kind.UNALLOCATED_USE : SanitizerFinding.Kind.FIRMWARE_CORRUPTION;
            judge(o, kind, r.base(), r.size(), 0, owner, " (" + r.label() + ")",
                    "; range named by the payload, owned by no allocation in the trace (no sanitizer watched this run)",
                    memory, trampoline, out, violations);
        }
    }

    /**
     * The sanitizer sees guest stores only; the firmware's own writes into a buffer the strategy handed it (GetMemoryMap
     * writes MemoryMapSize bytes at MemoryMap, UEFI 2.10 §7.2) are judged here by the same rules, when the buffer was
     * not memory the strategy owned at the time of the call.
     */
    private static void firmwareWritesForTheStrategy(Observation o, StrategyMemory memory, Trampoline trampoline,
            List<Graded> out, List<Violation> violations) {
        for (ObservedCall c : o.calls()) {
            if (!c.fromImage() || !c.service().equals("GetMemoryMap") || !c.succeeded()) {
                continue;
            }
            Optional<Long> buffer = c.numberArgument(1);
            Optional<Long> size = c.outputs().stream().filter(x -> x.startsWith("MemoryMapSize=")).findFirst()
                    .flatMap(ObservedCall::parseNumber);
            if (buffer.isEmpty() || buffer.get() == 0 || size.isEmpty() || size.get() == 0) {
                continue;
            }
            long b = buffer.get();
            long n = size.get();
            boolean owned = o.inImage(b) && o.inImage(b + n - 1) || memory.byImage().stream()
                    .anyMatch(a -> a.heldAt(c.sequence()) && a.contains(b, n));
            if (owned || !memory.isRam(b, n)) {
                continue;
            }
            boolean free = memory.entryAt(b).map(d -> d.type() == MemoryType.EfiConventionalMemory.value()).orElse(false);
            judge(o, free ? SanitizerFinding.Kind.UNALLOCATED_USE : SanitizerFinding.Kind.FIRMWARE_CORRUPTION, b, n,
                    c.callerRip(), memory.ownerAt(b), " (map-buffer)", "; written by the firmware: " + c.summary(),
                    memory, trampoline, out, violations);
        }
    }

    private static void judge(Observation o, SanitizerFinding.Kind kind, long address, long length, long rip, String owner,
            String label, String note, StrategyMemory memory, Trampoline trampoline, List<Graded> out,
            List<Violation> violations) {
        Long ripOrNull = rip == 0 ? null : rip;
        String where = rip == 0 ? null : o.location(rip);
        String what = hex(address) + "+" + hex(length) + label + " in " + owner + (rip == 0 ? "" : " by RIP " + where);
        if (kind == SanitizerFinding.Kind.FIRMWARE_CORRUPTION) {
            out.add(fail(ReasonKind.FIRMWARE_MEMORY_CORRUPTED, "wrote " + what + note,
                    new Evidence(address, length, owner, ripOrNull, null, where)));
            violations.add(new Violation(ReasonKind.FIRMWARE_MEMORY_CORRUPTED, rip, address, length, owner,
                    VerdictEngine.ownerKind(owner), where));
            return;
        }
        violations.add(new Violation(ReasonKind.UNALLOCATED_MEMORY_USED, rip, address, length, owner,
                VerdictEngine.ownerKind(owner), where));
        Optional<Obtained> reused = memory.all().stream().filter(a -> a.overlaps(address, length)).findFirst();
        if (reused.isPresent()) {
            ObservedCall c = reused.get().call();
            out.add(fail(ReasonKind.UNALLOCATED_MEMORY_HANDED_OUT, "wrote " + what + " without allocating it, and the firmware"
                    + " handed the same pages out: " + c.summary() + " [" + c.caller() + "]" + note,
                    new Evidence(address, length, owner, ripOrNull, c.summary(), where)));
        } else if (trampoline != null && trampoline.size() > 0
                && address < trampoline.address() + trampoline.size() && trampoline.address() < address + length) {
            out.add(fail(ReasonKind.UNALLOCATED_MEMORY_HANDED_OUT, "wrote " + what + " without allocating it; the trampoline "
                    + hex(trampoline.address()) + "+" + hex(trampoline.size()) + " (" + trampoline.source()
                    + ") covers the same memory" + note, new Evidence(address, length, owner, ripOrNull, null, where)));
        } else {
            out.add(warn(ReasonKind.UNALLOCATED_MEMORY_USED, "wrote " + what + " without allocating it " + VerdictEngine.WORKS_BY_LUCK
                    + note, new Evidence(address, length, owner, ripOrNull, null, where)));
        }
    }

    /**
     * True when the region lies inside the image, or inside one allocation the payload had obtained (and not freed)
     * before it named the region.
     */
    static boolean owned(Observation o, StrategyMemory memory, Region r) {
        if (o.inImage(r.base()) && o.inImage(r.end() - 1)) {
            return true;
        }
        return memory.byImage().stream().anyMatch(a -> a.heldAt(r.sequence()) && a.contains(r.base(), r.size()));
    }

    /** The labels of the named ranges the finding wrote into, as far as they were named before the write. */
    private static String label(PayloadLines lines, SanitizerFinding f) {
        return lines.regions().stream().filter(r -> !VerdictEngine.isContainer(r) && r.overlaps(f.address(), f.length())
                        && (r.sequence() <= f.afterCall() || r.sequence() == Long.MAX_VALUE && f.afterExitBootServices()))
                .map(Region::label).reduce((a, b) -> a + "+" + b).map(s -> " (" + s + ")").orElse("");
    }
}
