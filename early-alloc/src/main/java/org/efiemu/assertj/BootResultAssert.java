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
import org.efiemu.uefi.sanitizer.FindingKind;
import org.efiemu.uefi.sanitizer.SanitizerFinding;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * Assertions on a {@link BootResult} and, when the run was watched, the memory-ownership sanitizer's report.
 * {@link #hasNoFirmwareCorruption()} and {@link #hasNoUnallocatedUse()} rest on what the sanitizer observed: every
 * guest store into memory the firmware owns, or into free memory nobody allocated (UEFI 2.10 §7.2 memory types and
 * their use before and after ExitBootServices). {@link #payloadRegionsAvoidFirmwareMemory()} and
 * {@link #payloadRegionsAreAllocated()} check only the regions the payload itself claims with
 * {@code @efiemu region <label> 0x<base> 0x<size>} lines (docs/strategies.md) against the allocations and final map.
 */
public final class BootResultAssert extends AbstractAssert<BootResultAssert, BootResult> {
    private final Optional<SanitizerReport> sanitizer;

    BootResultAssert(BootResult actual, Optional<SanitizerReport> sanitizer) {
        super(actual, BootResultAssert.class);
        this.sanitizer = sanitizer;
    }

    /** ExitBootServices succeeded (UEFI 2.10 §7.4.6). */
    public BootResultAssert exitedBootServices() {
        isNotNull();
        List<ServiceCallEvent> ebs = actual.trace().stream().filter(e -> e.service().equals("ExitBootServices")).toList();
        if (ebs.stream().noneMatch(e -> e.status().equals("EFI_SUCCESS"))) {
            failWithMessage("%nExpecting ExitBootServices to succeed%nbut %s.%nThe run ended %s at RIP 0x%X%s%s",
                    ebs.isEmpty() ? "it was never called" : "every call failed:%n" + TraceAssert.listing(ebs),
                    actual.outcome(), actual.stopReport().rip(), violations(), payloadSaid());
        }
        return this;
    }

    /** The run ended this way. */
    public BootResultAssert hasOutcome(BootOutcome expected) {
        isNotNull();
        if (actual.outcome() != expected) {
            failWithMessage("%nExpecting the run to end %s%nbut it ended %s at RIP 0x%X%s%s", expected, actual.outcome(),
                    actual.stopReport().rip(), violations(), payloadSaid());
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

    /**
     * The sanitizer saw no guest write to firmware-owned memory (Boot/Runtime Services code and data, ACPI, reserved,
     * the firmware's structures, no RAM; after ExitBootServices only what UEFI 2.10 §7.2 leaves to the firmware).
     */
    public BootResultAssert hasNoFirmwareCorruption() {
        hasNoFindings(FindingKind.FIRMWARE_CORRUPTION, "no guest write to firmware-owned memory");
        return hasNoFirmwareMemoryCorruptedByServices();
    }

    /**
     * No service was asked to write an OUT parameter into firmware-owned memory or to free firmware-owned pages
     * ({@link FindingKind#FIRMWARE_MEMORY_CORRUPTED}); part of {@link #hasNoFirmwareCorruption()}.
     */
    public BootResultAssert hasNoFirmwareMemoryCorruptedByServices() {
        return hasNoFindings(FindingKind.FIRMWARE_MEMORY_CORRUPTED,
                "no service asked to write into or free firmware-owned memory");
    }

    /** The sanitizer saw no guest write to free (EfiConventionalMemory) memory nobody allocated (UEFI 2.10 §7.2). */
    public BootResultAssert hasNoUnallocatedUse() {
        return hasNoFindings(FindingKind.UNALLOCATED_USE, "no guest write to free memory nobody allocated");
    }

    private BootResultAssert hasNoFindings(FindingKind kind, String expectation) {
        isNotNull();
        if (sanitizer.isEmpty()) {
            failWithMessage("%nExpecting %s%nbut the run was not watched by the memory-ownership sanitizer: assert on "
                    + "EfiemuRun (assertThat(run)) with the sanitizer on (@EfiemuTest(sanitizer = ON), or DEFAULT without "
                    + "efiemu.sanitizer.default=false), or pass MemorySanitizer.attach(machine).report() to "
                    + "assertThat(boot, report)", expectation);
        }
        List<SanitizerFinding> found = sanitizer.get().findings(kind);
        if (!found.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            found.forEach(f -> sb.append(System.lineSeparator()).append("  ").append(describe(f)));
            failWithMessage("%nExpecting %s%nbut the sanitizer found %d:%s", expectation, found.size(), sb.toString());
        }
        return this;
    }

    /** A finding as a failure line: kind, byte range, length, owner, RIP as image+offset, and when. */
    String describe(SanitizerFinding f) {
        String rip = actual.image().contains(f.rip()) ? actual.image().describe(f.rip())
                : String.format("0x%X (outside %s)", f.rip(), actual.image().name());
        String when = f.afterCall() == 0 ? "before the first service call"
                : "after call #" + f.afterCall() + (f.afterCall() <= actual.trace().size()
                        ? " " + actual.trace().get((int) f.afterCall() - 1).service() : "");
        return String.format("%s: 0x%X-0x%X (0x%X bytes) in %s owned by %s, written by RIP %s (%d write%s) %s, %s",
                f.kind(), f.address(), f.end() - 1, f.length(), f.ownerType(), f.owner(), rip, f.writes(),
                f.writes() == 1 ? "" : "s", f.afterExitBootServices() ? "after ExitBootServices" : "before ExitBootServices",
                when);
    }

    /** No region the payload named ({@code @efiemu region}) lies in memory the firmware owns (its claims only). */
    public BootResultAssert payloadRegionsAvoidFirmwareMemory() {
        isNotNull();
        List<String> found = findings(true);
        if (!found.isEmpty()) {
            failWithMessage("%nExpecting no firmware-owned memory in the regions the payload named%nbut found:%n%s",
                    String.join(System.lineSeparator(), found));
        }
        return this;
    }

    /** Every region the payload named is allocated to it (its claims only; needs the map handed over at ExitBootServices). */
    public BootResultAssert payloadRegionsAreAllocated() {
        isNotNull();
        if (actual.finalMap().isEmpty()) {
            failWithMessage("%nExpecting a run whose memory use can be checked against the map handed over at "
                    + "ExitBootServices%nbut ExitBootServices did not succeed (the run ended %s at RIP 0x%X)",
                    actual.outcome(), actual.stopReport().rip());
        }
        List<String> found = findings(false);
        if (!found.isEmpty()) {
            failWithMessage("%nExpecting every region the payload named to be allocated to it%nbut found:%n%s",
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

    /**
     * A piece of memory the payload got: a region it named ({@code @efiemu region trampoline ...}); else an allocation
     * the emulator observed and still live at the end, by memory type ({@code "EfiLoaderData"}, exactly one such
     * allocation by the application) or by call site ({@code "efi-pool.efi+0x1A2B"} or {@code "0x1A2B000"}: the
     * latest allocation made from that RIP, i.e. the service's return address, UEFI 2.10 §7.2 AllocatePages/AllocatePool).
     */
    public RegionAssert allocation(String label) {
        isNotNull();
        List<PayloadLines.Region> regions = PayloadLines.parse(actual.consoleText()).regions();
        Optional<PayloadLines.Region> r = regions.stream().filter(x -> x.label().equals(label)).reduce((a, b) -> b);
        if (r.isEmpty()) {
            r = observed(label);
        }
        if (r.isEmpty()) {
            failWithMessage("%nExpecting a region or allocation '%s': an '@efiemu region %s 0x<base> 0x<size>' line, a "
                    + "memory type with exactly one live application allocation, or a call site (image+0xOFFSET or 0xRIP)"
                    + "%nbut the payload named %s and the application's live allocations are:%s", label, label,
                    regions.isEmpty() ? "none" : regions.toString(), applicationAllocations());
        }
        return new RegionAssert(r.get(), actual.finalMap().map(m -> m.descriptors()));
    }

    private Optional<PayloadLines.Region> observed(String label) {
        List<Allocation> mine = actual.livePages().stream().filter(a -> a.requester() == Requester.APPLICATION).toList();
        List<Allocation> byType = mine.stream().filter(a -> MemoryType.nameOf(a.memoryType()).equals(label)).toList();
        if (byType.size() == 1) {
            return Optional.of(region(label, byType.get(0)));
        }
        if (!byType.isEmpty()) {
            return Optional.empty();
        }
        Long rip = callSite(label);
        if (rip == null) {
            return Optional.empty();
        }
        return mine.stream().filter(a -> a.tag().callerRip() == rip).reduce((a, b) -> b).map(a -> region(label, a));
    }

    private Long callSite(String label) {
        String prefix = actual.image().name() + "+0x";
        try {
            if (label.startsWith(prefix)) {
                return actual.image().base() + Long.parseUnsignedLong(label.substring(prefix.length()), 16);
            }
            if (label.startsWith("0x") || label.startsWith("0X")) {
                return Long.parseUnsignedLong(label.substring(2), 16);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    private static PayloadLines.Region region(String label, Allocation a) {
        return new PayloadLines.Region(label, a.base(), a.end() - a.base(), a.id());
    }

    private String applicationAllocations() {
        StringBuilder sb = new StringBuilder();
        actual.livePages().stream().filter(a -> a.requester() == Requester.APPLICATION).forEach(a -> sb
                .append(System.lineSeparator()).append("  ").append(a).append(" from ")
                .append(actual.image().contains(a.tag().callerRip()) ? actual.image().describe(a.tag().callerRip())
                        : String.format("0x%X", a.tag().callerRip())));
        return sb.length() == 0 ? " none" : sb.toString();
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

    /** The payload's own failure line, quoted, or "" when it printed none. */
    private String payloadSaid() {
        return PayloadFailureLine.find(actual.consoleText()).map(l -> String.format("%nThe payload said: %s", l)).orElse("");
    }
}
