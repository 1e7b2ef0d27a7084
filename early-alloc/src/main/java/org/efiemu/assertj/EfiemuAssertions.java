package org.efiemu.assertj;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.efiemu.junit.EfiemuRun;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * The entry point of efiemu's AssertJ assertions: on a boot result, a memory map and a service-call trace. Failure
 * messages follow AssertJ's layout ({@code Expecting ... but ...}) with addresses in hex, RIPs and spec names.
 *
 * <pre>{@code
 * import static org.efiemu.assertj.EfiemuAssertions.assertThat;
 *
 * assertThat(run).exitedBootServices().hasNoFirmwareCorruption().hasNoUnallocatedUse();   // EfiemuRun run
 * assertThat(boot).allocation("trampoline").isBelow(0x10_0000);
 * assertThat(boot).trace().calledInOrder("GetMemoryMap", "ExitBootServices").neverCalledAfterExitBootServices();
 * assertThat(boot).finalMemoryMap().hasNoOverlaps().hasFreeRangeBelow(0x10_0000, 0x1000);
 * }</pre>
 */
public final class EfiemuAssertions {
    private EfiemuAssertions() {
    }

    /** A boot result without sanitizer data: hasNoFirmwareCorruption/hasNoUnallocatedUse fail, saying so. */
    public static BootResultAssert assertThat(BootResult actual) {
        return new BootResultAssert(actual, Optional.empty());
    }

    /** A boot result and what the memory-ownership sanitizer watching that run observed. */
    public static BootResultAssert assertThat(BootResult actual, SanitizerReport sanitizer) {
        return new BootResultAssert(actual, Optional.of(Objects.requireNonNull(sanitizer, "sanitizer report")));
    }

    /** The run of an {@code @EfiemuTest} (booted now if the test has not): its result and its sanitizer report. */
    public static BootResultAssert assertThat(EfiemuRun run) {
        return new BootResultAssert(run.boot(), run.sanitizerReport());
    }

    public static MemoryMapAssert assertThat(MemoryMapSnapshot actual) {
        return new MemoryMapAssert(actual == null ? null : actual.descriptors(), "memory map");
    }

    /** A memory map as a descriptor list (e.g. {@code machine.memoryMap().getMemoryMap().descriptors()}). */
    public static MemoryMapAssert assertThatMemoryMap(List<MemoryDescriptor> actual) {
        return new MemoryMapAssert(actual, "memory map");
    }

    /** A service-call trace (e.g. {@code machine.trace().events()}). */
    public static TraceAssert assertThatTrace(List<ServiceCallEvent> actual) {
        return new TraceAssert(actual);
    }
}
