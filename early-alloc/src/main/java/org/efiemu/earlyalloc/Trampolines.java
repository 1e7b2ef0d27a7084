package org.efiemu.earlyalloc;

import static org.efiemu.earlyalloc.VerdictEngine.callEvidence;
import static org.efiemu.earlyalloc.VerdictEngine.fail;
import static org.efiemu.earlyalloc.VerdictEngine.hex;

import com.google.common.collect.Range;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.efiemu.earlyalloc.PayloadLines.Region;
import org.efiemu.earlyalloc.StrategyMemory.Obtained;
import org.efiemu.earlyalloc.report.Evidence;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Trampoline;

/**
 * Xen's 64 KiB real-mode trampoline below 1 MiB (xen/arch/x86/efi/efi-boot.h efi_arch_memory_setup(): AllocatePages
 * (AllocateMaxAddress, EfiLoaderData, 16, 0x100000); on failure efi_arch_process_memory_map() takes the highest
 * EfiConventionalMemory / EfiBootServices* range below 1 MiB from the final map).
 */
final class Trampolines {
    /** Types the OS owns after ExitBootServices (UEFI 2.10 §7.2 "Memory Type Usage after ExitBootServices()"). */
    private static final Set<String> OS_AFTER_EXIT = Set.of("EfiConventionalMemory", "EfiBootServicesCode",
            "EfiBootServicesData", "EfiLoaderCode", "EfiLoaderData");

    private Trampolines() {
    }

    static Optional<ObservedCall> request(Observation o) {
        return o.calls().stream().filter(StrategyMemory::isTrampolineRequest).findFirst();
    }

    /** Where the trampoline went: the allocation, else the payload's fallback line; null when neither. */
    static Trampoline observe(Observation o, PayloadLines lines, StrategyMemory memory) {
        Optional<ObservedCall> req = request(o);
        if (req.isPresent() && req.get().succeeded()) {
            ObservedCall c = req.get();
            long pages = c.numberArgument(2).orElse(16L);
            return new Trampoline(c.firstNumberOutput().orElse(0L), pages * 4096, c.summary());
        }
        return lines.trampoline().filter(t -> t.source().equals("fallback"))
                .map(t -> new Trampoline(t.address(), StrategyMemory.TRAMPOLINE_SIZE,
                        "Xen's fallback from the final memory map (" + memory.ownerAt(t.address()) + " at entry)"))
                .orElse(null);
    }

    static void judge(Observation o, PayloadLines lines, StrategyMemory memory, Trampoline trampoline, List<Graded> out) {
        Optional<ObservedCall> req = request(o);
        if (req.isEmpty() || req.get().succeeded()) {
            return;
        }
        ObservedCall call = req.get();
        Optional<Range<Long>> roomAtEntry = memory.lowFreeAtEntry().stream()
                .filter(r -> r.upperEndpoint() - ((r.lowerEndpoint() + 0xFFF) & ~0xFFFL) >= StrategyMemory.TRAMPOLINE_SIZE)
                .findFirst();
        if (roomAtEntry.isPresent()) {
            Range<Long> room = roomAtEntry.get();
            Optional<String> taker = takenBy(o, lines, memory, room, call.sequence());
            if (taker.isPresent()) {
                out.add(fail(ReasonKind.TRAMPOLINE_NOT_PLACED, call.summary() + " although " + hex(room.lowerEndpoint())
                        + "-" + hex(room.upperEndpoint() - 1) + " was free at entry: the strategy took it (" + taker.get()
                        + ")", callEvidence(call)));
                return;
            }
        }
        if (trampoline == null) {
            if (!o.exitBootServicesSucceeded()) {
                out.add(fail(ReasonKind.TRAMPOLINE_NOT_PLACED, call.summary() + " and no range below 1 MiB for Xen's"
                        + " fallback; ExitBootServices was not reached", callEvidence(call)));
            }
            return;
        }
        long t = trampoline.address();
        String owner = memory.ownerAt(t);
        boolean below = Long.compareUnsigned(t + StrategyMemory.TRAMPOLINE_SIZE, StrategyMemory.ONE_MIB) <= 0;
        boolean osMemory = memory.isRam(t, StrategyMemory.TRAMPOLINE_SIZE) && OS_AFTER_EXIT.contains(owner);
        Optional<Region> clash = lines.regions().stream().filter(r -> !r.label().equals("trampoline")
                && !VerdictEngine.isContainer(r) && r.overlaps(t, StrategyMemory.TRAMPOLINE_SIZE)).findFirst();
        Optional<Obtained> clashAlloc = memory.byImage().stream()
                .filter(a -> !a.freed() && a.overlaps(t, StrategyMemory.TRAMPOLINE_SIZE)).findFirst();
        if (!below || !osMemory) {
            out.add(fail(ReasonKind.TRAMPOLINE_NOT_PLACED, "Xen's fallback put the trampoline at " + hex(t) + " in "
                    + owner + (below ? "" : ", not below 1 MiB"), new Evidence(t, StrategyMemory.TRAMPOLINE_SIZE, owner, null, null)));
        } else if (clash.isPresent() || clashAlloc.isPresent()) {
            String what = clash.map(Region::toString).orElseGet(() -> clashAlloc.get().call().summary());
            out.add(fail(ReasonKind.TRAMPOLINE_NOT_PLACED, "Xen's fallback trampoline " + hex(t) + "+"
                    + hex(StrategyMemory.TRAMPOLINE_SIZE) + " overlaps the strategy's " + what,
                    new Evidence(t, StrategyMemory.TRAMPOLINE_SIZE, owner, null, null)));
        }
    }

    /** What of the strategy's occupied the free low range before the trampoline request, if anything. */
    private static Optional<String> takenBy(Observation o, PayloadLines lines, StrategyMemory memory, Range<Long> room,
            long beforeSequence) {
        long len = room.upperEndpoint() - room.lowerEndpoint();
        for (Obtained a : memory.byImage()) {
            if (a.heldAt(beforeSequence) && a.overlaps(room.lowerEndpoint(), len)) {
                return Optional.of(a.call().summary());
            }
        }
        for (SanitizerFinding f : o.findings()) {
            if (f.afterCall() < beforeSequence && VerdictEngine.overlaps(room, f.address(), f.length())) {
                return Optional.of("wrote " + hex(f.address()) + "+" + hex(f.length()));
            }
        }
        return lines.regions().stream().filter(r -> !r.label().equals("trampoline") && !VerdictEngine.isContainer(r)
                && VerdictEngine.overlaps(room, r.base(), r.size())).map(Region::toString).findFirst();
    }
}
