package org.efiemu.earlyalloc;

import com.google.common.collect.Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.efiemu.earlyalloc.PayloadLines.Region;
import org.efiemu.earlyalloc.StrategyMemory.Obtained;
import org.efiemu.earlyalloc.report.Allocation;
import org.efiemu.earlyalloc.report.Evidence;
import org.efiemu.earlyalloc.report.MapBuffer;
import org.efiemu.earlyalloc.report.OwnerKind;
import org.efiemu.earlyalloc.report.Reason;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Trampoline;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.earlyalloc.report.Violation;
import org.efiemu.uefi.runtime.RuntimeService;

/**
 * Turns what the emulator observed into PASS / WARN / FAIL with reasons and evidence (docs/strategies.md "Verdicts").
 * Every reason rests on the trace, the sanitizer's findings or the memory maps; the payload's {@code @efiemu} lines
 * only name ranges (and are cross-checked against observed allocations). Stateless and thread-safe.
 *
 * <p>Rules, each a separate method: the image was not loaded; a boot service called after ExitBootServices (UEFI 2.10
 * §7.4: the boot services are gone); a firmware allocation failed; GetMemoryMap returned EFI_BUFFER_TOO_SMALL into the
 * strategy's buffer (§7.2); the strategy's memory is not RAM; firmware memory corrupted (sanitizer); memory used that
 * nobody allocated (WARN, or FAIL when the firmware later hands the same pages out); the trampoline could not be placed
 * below 1 MiB because the strategy took the space; ExitBootServices never succeeded; the run ended badly.
 */
public final class VerdictEngine {
    /** Ends the message of every WARN-graded reason (memory used without allocating it that nothing else claimed). */
    public static final String WORKS_BY_LUCK = "(works by luck)";

    private final CostMeter costs;

    /** @param costs how image costs are measured (baseline payload sizes) */
    public VerdictEngine(CostMeter costs) {
        this.costs = costs;
    }

    /** Judges one run of {@code strategy}. */
    public Judgement judge(Observation o, Strategy strategy) {
        PayloadLines lines = PayloadLines.parse(o);
        StrategyMemory memory = new StrategyMemory(o);
        List<Graded> reasons = new ArrayList<>();
        List<Violation> violations = new ArrayList<>();
        Trampoline trampoline = Trampolines.observe(o, lines, memory);

        if (o.end().kind() == RunEnd.Kind.LOAD_FAILED) {
            reasons.add(fail(ReasonKind.IMAGE_NOT_LOADED, "the image could not be loaded: " + o.end().detail(), Evidence.none()));
        }
        bootServicesAfterExit(o, reasons);
        failedAllocations(o, reasons);
        mapBufferTooSmall(o, reasons);
        poolTooSmallForMap(o, lines, reasons);
        notRam(o, lines, memory, reasons);
        SanitizerRules.apply(o, lines, memory, trampoline, reasons, violations);
        Trampolines.judge(o, lines, memory, trampoline, reasons);
        exitBootServices(o, lines, reasons);
        if (reasons.isEmpty() && lines.result().startsWith("fail")) {
            reasons.add(warn(ReasonKind.OTHER, "the payload reports '" + lines.result()
                    + "' but efiemu observed nothing that explains it", Evidence.none()));
        }
        Verdict verdict = reasons.stream().map(Graded::verdict).reduce(Verdict.PASS, Verdict::worst);
        return new Judgement(verdict, reasons.stream().map(Graded::reason).toList(), allocations(memory, lines, o), trampoline, mapBuffer(o, lines),
                violations, costs.measure(strategy, o, lines, memory));
    }

    static Graded fail(ReasonKind kind, String message, Evidence e) {
        return new Graded(Verdict.FAIL, new Reason(kind, message, e));
    }

    static Graded warn(ReasonKind kind, String message, Evidence e) {
        return new Graded(Verdict.WARN, new Reason(kind, message, e));
    }

    static Evidence callEvidence(ObservedCall c) {
        return new Evidence(null, null, null, c.callerRip(), c.summary(), c.caller());
    }

    private static void bootServicesAfterExit(Observation o, List<Graded> reasons) {
        for (ObservedCall c : o.calls()) {
            if (c.afterExitBootServices() && RuntimeService.bySpecName(c.service()) == null) {
                reasons.add(fail(ReasonKind.BOOT_SERVICE_AFTER_EXIT, c.service() + " called by " + c.caller()
                        + " after ExitBootServices succeeded", callEvidence(c)));
            }
        }
        for (String v : o.violations()) {
            if (v.contains("after-exit-boot-services") || v.contains("after ExitBootServices")) {
                reasons.add(fail(ReasonKind.BOOT_SERVICE_AFTER_EXIT, v, Evidence.none()));
            }
        }
    }

    /**
     * A failed AllocatePages/AllocatePool of the payload (not the trampoline request, which has its own rule). An
     * AllocateAddress that failed is a probe (efi_low_alloc_above() tries the next descriptor); it only counts when the
     * run never got to ExitBootServices.
     */
    private static void failedAllocations(Observation o, List<Graded> reasons) {
        boolean ebs = o.exitBootServicesSucceeded();
        for (ObservedCall c : o.calls()) {
            boolean alloc = c.service().equals("AllocatePages") || c.service().equals("AllocatePool");
            if (!alloc || !c.fromImage() || c.succeeded() || StrategyMemory.isTrampolineRequest(c)) {
                continue;
            }
            boolean probe = !c.arguments().isEmpty() && c.arguments().get(0).equals("AllocateAddress");
            if (probe && ebs) {
                continue;
            }
            reasons.add(fail(ReasonKind.ALLOCATION_FAILED, c.summary() + " at " + c.caller(), callEvidence(c)));
        }
    }

    /** GetMemoryMap into a real buffer (MemoryMap != NULL) returned EFI_BUFFER_TOO_SMALL (UEFI 2.10 §7.2). */
    private static void mapBufferTooSmall(Observation o, List<Graded> reasons) {
        for (ObservedCall c : o.calls()) {
            if (c.fromImage() && c.service().equals("GetMemoryMap") && c.status().equals("EFI_BUFFER_TOO_SMALL")
                    && c.numberArgument(1).map(b -> b != 0).orElse(false)) {
                reasons.add(fail(ReasonKind.MAP_BUFFER_TOO_SMALL, "the memory map did not fit the strategy's buffer: "
                        + c.summary(), callEvidence(c)));
            }
        }
    }

    /**
     * A fixed pool that cannot hold the map: the run never reached ExitBootServices, the firmware said (GetMemoryMap's
     * MemoryMapSize output, UEFI 2.10 §7.2) how many bytes the map needs, and the strategy's pool inside its image had
     * fewer bytes left than that.
     */
    private static void poolTooSmallForMap(Observation o, PayloadLines lines, List<Graded> reasons) {
        if (o.exitBootServicesSucceeded() || lines.region("map-buffer").isPresent()) {
            return;
        }
        Optional<ObservedCall> query = o.calls().stream().filter(c -> c.fromImage() && c.service().equals("GetMemoryMap")
                && c.status().equals("EFI_BUFFER_TOO_SMALL")).reduce((a, b) -> b);
        Optional<Long> needed = query.flatMap(c -> c.outputs().stream().filter(x -> x.startsWith("MemoryMapSize="))
                .findFirst().flatMap(ObservedCall::parseNumber));
        Optional<Region> pool = lines.regions().stream().filter(VerdictEngine::isContainer)
                .filter(r -> o.inImage(r.base()) && o.inImage(r.end() - 1)).findFirst();
        if (needed.isEmpty() || pool.isEmpty()) {
            return;
        }
        Region p = pool.get();
        long used = lines.regions().stream().filter(r -> r != p && !isContainer(r) && !r.label().equals("trampoline")
                && r.base() >= p.base() && r.end() <= p.end()).mapToLong(Region::size).sum();
        long left = p.size() - used;
        if (needed.get() > left) {
            reasons.add(fail(ReasonKind.MAP_BUFFER_TOO_SMALL, "the memory map needs " + needed.get() + " bytes ("
                    + query.get().summary() + ") but the strategy's " + p.label() + " of " + p.size() + " bytes had "
                    + left + " left", new Evidence(p.base(), p.size(), "the image", query.get().callerRip(),
                    query.get().summary())));
        }
    }

    /**
     * A range the payload names (its pool, chunks, map buffer) that is not RAM at all, corroborated by the trace (a
     * service was handed an address in it) or the sanitizer (a write into it).
     */
    private static void notRam(Observation o, PayloadLines lines, StrategyMemory memory, List<Graded> reasons) {
        for (Region r : lines.regions()) {
            if (r.label().equals("trampoline") || isContainer(r) || r.size() == 0 || memory.isRam(r.base(), r.size())) {
                continue;
            }
            Optional<ObservedCall> handed = o.calls().stream().filter(ObservedCall::fromImage)
                    .filter(c -> bufferArgument(c).map(n -> r.overlaps(n, 1)).orElse(false))
                    .findFirst();
            boolean written = o.findings().stream().anyMatch(f -> r.overlaps(f.address(), f.length()));
            if (handed.isEmpty() && !written) {
                continue;
            }
            long hole = memory.firstNonRam(r.base(), r.size());
            String by = handed.map(c -> "; handed to " + c.summary()).orElse("; written by the guest");
            reasons.add(fail(ReasonKind.NOT_RAM, "the strategy's " + r.label() + " " + hex(r.base()) + "+" + hex(r.size())
                    + " is not RAM (" + memory.ownerAt(hole) + " at " + hex(hole) + ")" + by,
                    new Evidence(hole, r.size(), memory.ownerAt(hole), handed.map(ObservedCall::callerRip).orElse(null),
                            handed.map(ObservedCall::summary).orElse(null), handed.map(ObservedCall::caller).orElse(null))));
        }
    }

    /** The guest buffer a call writes into: GetMemoryMap's MemoryMap (UEFI 2.10 §7.2), CopyMem/SetMem's destination. */
    static Optional<Long> bufferArgument(ObservedCall c) {
        return switch (c.service()) {
            case "GetMemoryMap" -> c.numberArgument(1);
            case "CopyMem", "SetMem" -> c.numberArgument(0);
            default -> Optional.empty();
        };
    }

    /** ExitBootServices never returned EFI_SUCCESS, or the run ended badly around it. */
    private static void exitBootServices(Observation o, PayloadLines lines, List<Graded> reasons) {
        List<ObservedCall> ebs = o.calls().stream().filter(c -> c.service().equals("ExitBootServices")).toList();
        if (o.exitBootServicesSucceeded()) {
            RunEnd.Kind k = o.end().kind();
            if (k == RunEnd.Kind.FAULT || k == RunEnd.Kind.LIMIT || k == RunEnd.Kind.VIOLATION) {
                reasons.add(fail(ReasonKind.RUN_ENDED_EARLY, "after ExitBootServices " + o.end(), endEvidence(o)));
            }
            return;
        }
        if (!ebs.isEmpty()) {
            ObservedCall last = ebs.get(ebs.size() - 1);
            reasons.add(fail(ReasonKind.EXIT_BOOT_SERVICES_FAILED, ebs.size() + " call(s), last " + last.summary(),
                    callEvidence(last)));
            return;
        }
        if (reasons.stream().anyMatch(r -> r.verdict() == Verdict.FAIL) || o.end().kind() == RunEnd.Kind.LOAD_FAILED) {
            return;
        }
        String said = lines.result().isEmpty() ? "" : "; the payload says: " + lines.result();
        ReasonKind kind = lines.result().isEmpty() ? ReasonKind.RUN_ENDED_EARLY : kindOfPayloadFailure(lines.result());
        reasons.add(fail(kind, "the run ended before ExitBootServices was called: "
                + o.end() + said, endEvidence(o)));
    }

    /** Where the run ended, as evidence (no RIP when the run did not stop in guest code). */
    private static Evidence endEvidence(Observation o) {
        long rip = o.end().rip();
        return rip == 0 ? Evidence.none() : new Evidence(null, null, null, rip, null, o.location(rip));
    }

    /** The reason kind a payload's own {@code result fail <reason>} names (docs/strategies.md). */
    static ReasonKind kindOfPayloadFailure(String result) {
        String[] p = result.split(" ");
        String why = p.length > 1 ? p[1] : "";
        return switch (why) {
            case "allocation-failed" -> ReasonKind.ALLOCATION_FAILED;
            case "map-did-not-fit" -> ReasonKind.MAP_BUFFER_TOO_SMALL;
            case "no-trampoline-space" -> ReasonKind.TRAMPOLINE_NOT_PLACED;
            case "ebs-failed" -> ReasonKind.EXIT_BOOT_SERVICES_FAILED;
            default -> ReasonKind.OTHER;
        };
    }

    private static List<Allocation> allocations(StrategyMemory memory, PayloadLines lines, Observation o) {
        List<Allocation> out = new ArrayList<>();
        for (Obtained a : memory.byImage()) {
            String label = lines.regions().stream().filter(r -> a.contains(r.base(), Math.max(1, r.size())))
                    .map(Region::label).reduce((x, y) -> x + "+" + y)
                    .orElse(StrategyMemory.isTrampolineRequest(a.call()) ? "trampoline" : a.freed() ? "temporary (freed)" : "unnamed");
            out.add(new Allocation(label, a.call().summary(), a.memoryType(), a.base(), a.size(), a.call().caller()));
        }
        for (Region r : lines.regions()) {
            boolean fromFirmware = memory.byImage().stream().anyMatch(a -> a.contains(r.base(), Math.max(1, r.size())));
            boolean insideOther = lines.regions().stream().anyMatch(c -> c != r && isContainer(c) && !isContainer(r)
                    && c.base() <= r.base() && r.end() <= c.end());
            if (fromFirmware || insideOther || r.size() == 0 || r.label().equals("trampoline")) {
                continue;
            }
            String where = o.inImage(r.base()) ? "in the image" : "own placement";
            out.add(new Allocation(r.label(), "static (" + where + ")", o.inImage(r.base()) ? "EfiLoaderData (image)"
                    : memory.ownerAt(r.base()), r.base(), r.size(), ""));
        }
        return out;
    }

    static boolean isContainer(Region r) {
        return r.label().equals("pool") || r.label().equals("init-bss");
    }

    /** The buffer of the last GetMemoryMap the payload made into a real buffer, sized by its map-buffer region. */
    private static MapBuffer mapBuffer(Observation o, PayloadLines lines) {
        Optional<Region> named = lines.region("map-buffer");
        Optional<Long> passed = o.calls().stream().filter(c -> c.fromImage() && c.service().equals("GetMemoryMap"))
                .map(c -> c.numberArgument(1).orElse(0L)).filter(b -> b != 0).reduce((a, b) -> b);
        if (passed.isEmpty()) {
            return null;
        }
        long size = named.filter(r -> r.base() == passed.get()).map(Region::size).orElse(0L);
        return new MapBuffer(passed.get(), size);
    }

    static OwnerKind ownerKind(String ownerType) {
        return ownerType.equals("no RAM") ? OwnerKind.NOT_RAM : OwnerKind.ofType(ownerType);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
    }

    static boolean overlaps(Range<Long> r, long start, long length) {
        return r.lowerEndpoint() < start + length && start < r.upperEndpoint();
    }
}
