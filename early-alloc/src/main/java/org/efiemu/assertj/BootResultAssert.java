package org.efiemu.assertj;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.efiemu.earlyalloc.PayloadLines;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.memory.Requester;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * Assertions on a {@link BootResult}. The memory checks use the regions the payload named with
 * {@code @efiemu region <label> 0x<base> 0x<size>} lines (docs/strategies.md) and decide who owns each byte of them
 * as UEFI 2.10 §7.2 does: pages the application allocated (and its own image) are its; pages still allocated by the
 * firmware, and memory of any type other than EfiConventionalMemory in the map handed over at ExitBootServices, are
 * the firmware's; EfiConventionalMemory is free, and using it without allocating it is "unallocated use".
 */
public final class BootResultAssert extends AbstractAssert<BootResultAssert, BootResult> {

    BootResultAssert(BootResult actual) {
        super(actual, BootResultAssert.class);
    }

    /** ExitBootServices succeeded (UEFI 2.10 §7.4.6). */
    public BootResultAssert exitedBootServices() {
        isNotNull();
        List<ServiceCallEvent> ebs = actual.trace().stream().filter(e -> e.service().equals("ExitBootServices")).toList();
        if (ebs.stream().noneMatch(e -> e.status().equals("EFI_SUCCESS"))) {
            failWithMessage("%nExpecting ExitBootServices to succeed%nbut %s.%nThe run ended %s at RIP 0x%X%s",
                    ebs.isEmpty() ? "it was never called" : "every call failed:%n" + TraceAssert.listing(ebs),
                    actual.outcome(), actual.stopReport().rip(), violations());
        }
        return this;
    }

    /** The run ended this way. */
    public BootResultAssert hasOutcome(BootOutcome expected) {
        isNotNull();
        if (actual.outcome() != expected) {
            failWithMessage("%nExpecting the run to end %s%nbut it ended %s at RIP 0x%X%s", expected, actual.outcome(),
                    actual.stopReport().rip(), violations());
        }
        return this;
    }

    /** The guest broke no firmware rule (jump to NULL, stale map key, ...; {@link BootResult#violations()}). */
    public BootResultAssert hasNoViolations() {
        isNotNull();
        if (!actual.violations().isEmpty()) {
            failWithMessage("%nExpecting no firmware rule to be broken%nbut found:%s", violations());
        }
        return this;
    }

    /** No region the payload named lies in memory the firmware owns. */
    public BootResultAssert hasNoFirmwareCorruption() {
        isNotNull();
        List<String> found = findings(true);
        if (!found.isEmpty()) {
            failWithMessage("%nExpecting no firmware-owned memory in the regions the payload used%nbut found:%n%s",
                    String.join(System.lineSeparator(), found));
        }
        return this;
    }

    /** No region the payload named uses free memory it never allocated (needs the map handed over at ExitBootServices). */
    public BootResultAssert hasNoUnallocatedUse() {
        isNotNull();
        if (actual.finalMap().isEmpty()) {
            failWithMessage("%nExpecting a run whose memory use can be checked against the map handed over at "
                    + "ExitBootServices%nbut ExitBootServices did not succeed (the run ended %s at RIP 0x%X)",
                    actual.outcome(), actual.stopReport().rip());
        }
        List<String> found = findings(false);
        if (!found.isEmpty()) {
            failWithMessage("%nExpecting every region the payload used to be allocated to it%nbut found:%n%s",
                    String.join(System.lineSeparator(), found));
        }
        return this;
    }

    /** The console (ConOut, StdErr and COM1) contains this text. */
    public BootResultAssert consoleContains(String text) {
        isNotNull();
        if (!actual.consoleText().contains(text)) {
            failWithMessage("%nExpecting the console to contain%n  %s%nbut it was:%n%s", text, actual.consoleText());
        }
        return this;
    }

    /** The region the payload named {@code label} ({@code @efiemu region trampoline ...}). */
    public RegionAssert allocation(String label) {
        isNotNull();
        List<PayloadLines.Region> regions = PayloadLines.parse(actual.consoleText()).regions();
        Optional<PayloadLines.Region> r = regions.stream().filter(x -> x.label().equals(label)).reduce((a, b) -> b);
        if (r.isEmpty()) {
            failWithMessage("%nExpecting the payload to name a region '%s' (an '@efiemu region %s 0x<base> 0x<size>' line)"
                    + "%nbut it named %s", label, label, regions.isEmpty() ? "none" : regions.toString());
        }
        return new RegionAssert(r.get(), actual.finalMap().map(m -> m.descriptors()));
    }

    /** The service-call trace. */
    public TraceAssert trace() {
        isNotNull();
        return new TraceAssert(actual.trace());
    }

    /** The map handed over at ExitBootServices. */
    public MemoryMapAssert finalMemoryMap() {
        isNotNull();
        if (actual.finalMap().isEmpty()) {
            failWithMessage("%nExpecting a memory map handed over at ExitBootServices%nbut ExitBootServices did not "
                    + "succeed (the run ended %s at RIP 0x%X)", actual.outcome(), actual.stopReport().rip());
        }
        return new MemoryMapAssert(actual.finalMap().get().descriptors(), "memory map handed over at ExitBootServices");
    }

    private String violations() {
        StringBuilder sb = new StringBuilder();
        actual.violations().forEach(v -> sb.append(System.lineSeparator()).append("  violation ").append(v));
        return sb.toString();
    }

    /** Firmware-owned (firmware = true) or free-but-unallocated (false) pieces of the payload's regions. */
    private List<String> findings(boolean firmware) {
        RangeSet<Long> mine = TreeRangeSet.create();
        RangeSet<Long> firmwareAllocated = TreeRangeSet.create();
        for (Allocation a : actual.livePages()) {
            (a.requester() == Requester.APPLICATION ? mine : firmwareAllocated).add(Range.closedOpen(a.base(), a.end()));
        }
        mine.add(Range.closedOpen(actual.image().base(), actual.image().base() + (actual.image().pages() << 12)));
        List<MemoryDescriptor> map = actual.finalMap().map(m -> m.descriptors()).orElse(List.of());
        List<String> out = new ArrayList<>();
        for (PayloadLines.Region r : PayloadLines.parse(actual.consoleText()).regions()) {
            RangeSet<Long> rest = TreeRangeSet.create();
            rest.add(Range.closedOpen(r.base(), r.end()));
            rest.removeAll(mine);
            for (Range<Long> piece : rest.asRanges()) {
                if (firmware) {
                    for (Allocation a : actual.livePages()) {
                        if (a.requester() == Requester.FIRMWARE && piece.isConnected(Range.closedOpen(a.base(), a.end()))
                                && !piece.intersection(Range.closedOpen(a.base(), a.end())).isEmpty()) {
                            out.add(String.format("  region %s: 0x%X-0x%X is allocated by the firmware: %s", r.label(),
                                    piece.lowerEndpoint(), piece.upperEndpoint() - 1, a));
                        }
                    }
                }
                for (MemoryDescriptor d : map) {
                    Range<Long> dr = Range.closedOpen(d.physicalStart(), d.end());
                    if (!piece.isConnected(dr) || piece.intersection(dr).isEmpty()) {
                        continue;
                    }
                    Range<Long> hit = piece.intersection(dr);
                    boolean free = d.type() == MemoryType.EfiConventionalMemory.value();
                    if (firmware != free && !(firmware && firmwareAllocated.encloses(hit))) {
                        out.add(String.format("  region %s: 0x%X-0x%X is %s %s", r.label(), hit.lowerEndpoint(),
                                hit.upperEndpoint() - 1, free ? "free memory never allocated, in" : "firmware memory,", d));
                    }
                }
            }
        }
        return out;
    }
}
