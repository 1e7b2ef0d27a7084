package org.efiemu.earlyalloc;

import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * Everything the emulator itself observed in one run: the verdict engine's only input besides the payload's naming
 * lines (which are read from {@link #console()} and cross-checked, never trusted alone).
 *
 * @param end         how the run ended
 * @param calls       every service call, in order
 * @param console     the guest's console text (ConOut before ExitBootServices, COM1 after it)
 * @param entryMap    the memory map at application entry (the platform's)
 * @param finalMap    the map the OS receives (when ExitBootServices succeeded; else the map at the end of the run)
 * @param findings    the sanitizer's findings
 * @param sanitized   true when the sanitizer watched the run (so an empty {@code findings} means "nothing found")
 * @param imageBase   where the payload image was loaded (0 when it was not)
 * @param imageSize   its SizeOfImage in memory (0 when not loaded)
 * @param violations  firmware violations (e.g. {@code boot-service-after-exit-boot-services: ...}), spec-named
 * @param imageName   the payload image's file name ("" when it was not loaded), for {@link #location(long)}
 * @param unmet       what the payload asked the firmware for and did not get, with call sites
 *                    ({@link org.efiemu.uefi.diagnostics.UnmetRequest#toString()})
 */
public record Observation(RunEnd end, List<ObservedCall> calls, String console, List<MemoryDescriptor> entryMap,
        List<MemoryDescriptor> finalMap, List<SanitizerFinding> findings, boolean sanitized, long imageBase,
        long imageSize, List<String> violations, String imageName, List<String> unmet) {

    public Observation {
        Objects.requireNonNull(end, "Observation.end");
        calls = List.copyOf(calls);
        console = console == null ? "" : console;
        entryMap = List.copyOf(entryMap);
        finalMap = List.copyOf(finalMap);
        findings = List.copyOf(findings);
        violations = List.copyOf(violations);
        imageName = imageName == null ? "" : imageName;
        unmet = unmet == null ? List.of() : List.copyOf(unmet);
    }

    /** An observation without unmet requests (a run that did not get as far as asking, or a constructed one). */
    public Observation(RunEnd end, List<ObservedCall> calls, String console, List<MemoryDescriptor> entryMap,
            List<MemoryDescriptor> finalMap, List<SanitizerFinding> findings, boolean sanitized, long imageBase,
            long imageSize, List<String> violations, String imageName) {
        this(end, calls, console, entryMap, finalMap, findings, sanitized, imageBase, imageSize, violations, imageName,
                List.of());
    }

    /** An address as the report shows code locations: {@code image.efi+0x1A2B} inside the image, else hex. */
    public String location(long address) {
        return inImage(address) && !imageName.isEmpty()
                ? imageName + "+0x" + Long.toHexString(address - imageBase).toUpperCase(java.util.Locale.ROOT)
                : org.efiemu.earlyalloc.report.Hex.of(address);
    }

    /** True when an ExitBootServices call returned EFI_SUCCESS. */
    public boolean exitBootServicesSucceeded() {
        return calls.stream().anyMatch(c -> c.service().equals("ExitBootServices") && c.succeeded());
    }

    /** True when the image's memory {@code [imageBase, imageBase + imageSize)} contains {@code address}. */
    public boolean inImage(long address) {
        return imageSize > 0 && Long.compareUnsigned(address, imageBase) >= 0
                && Long.compareUnsigned(address, imageBase + imageSize) < 0;
    }
}
