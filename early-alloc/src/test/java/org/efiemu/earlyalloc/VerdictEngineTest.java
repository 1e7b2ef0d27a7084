package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** The verdict rules over hand-built observations (OVMF-like low memory: page 0 BS code, 0x1000-0x9FFFF free, hole). */
class VerdictEngineTest {
    private static final long IMAGE = 0x10000000L;
    private static final List<MemoryDescriptor> MAP = List.of(
            new MemoryDescriptor(MemoryType.EfiBootServicesCode.value(), 0, 1, 0xF),
            new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0x1000, 0x9F, 0xF),
            new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0x100000, 0x7000, 0xF),
            new MemoryDescriptor(MemoryType.EfiBootServicesData.value(), 0x7100000, 0x100, 0xF),
            new MemoryDescriptor(MemoryType.EfiLoaderCode.value(), IMAGE, 6, 0xF));
    private static final Strategy STRATEGY = StrategyCatalog.builtIn("efi-pool");
    private static final VerdictEngine ENGINE = new VerdictEngine(new CostMeter(STRATEGY.fileSize()));

    private final List<ObservedCall> calls = new ArrayList<>();
    private final StringBuilder console = new StringBuilder();
    private final List<SanitizerFinding> findings = new ArrayList<>();
    private boolean exited;

    private void call(String service, String status, List<String> args, List<String> outputs) {
        calls.add(new ObservedCall(calls.size() + 1, calls.size() * 100L, service, args, status, outputs,
                "x.efi+0x" + Integer.toHexString(0x1000 + calls.size()), IMAGE + 0x1000 + calls.size(), true, exited));
    }

    private void print(String line) {
        console.append(line).append('\n');
        call("ConOut.OutputString", "EFI_SUCCESS", List.of("0x7FDEE180", "L\"" + line + "\\r\\n\""), List.of());
    }

    private void exitBootServices() {
        call("GetMemoryMap", "EFI_SUCCESS", List.of("&6576", "0x7E52E018", "0x1", "0x2", "0x3"), List.of("MemoryMapSize=5952"));
        call("ExitBootServices", "EFI_SUCCESS", List.of("0x7FDEE320", "0x4"), List.of());
        exited = true;
    }

    private Judgement judge(boolean sanitized) {
        Observation o = new Observation(new RunEnd(RunEnd.Kind.RESET, "ResetSystem(EfiResetShutdown, EFI_SUCCESS)", 0), calls,
                console.toString(), MAP, MAP, findings, sanitized, IMAGE, 0x6000, List.of(), "strategy.efi");
        return ENGINE.judge(o, STRATEGY);
    }

    private void trampolineAt(long address) {
        call("AllocatePages", "EFI_SUCCESS", List.of("AllocateMaxAddress", "EfiLoaderData", "16", "0x100000"),
                List.of("0x" + Long.toHexString(address)));
    }

    @Test
    void cleanRunWithAllocationsAndExitBootServicesPasses() {
        call("AllocatePool", "EFI_SUCCESS", List.of("EfiLoaderData", "136", "0x7FDEBDC8"), List.of("0x7E530018"));
        print("@efiemu region cmdline 0x7e530018 0x88");
        trampolineAt(0x90000);
        exitBootServices();
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.PASS);
        assertThat(j.reasons()).isEmpty();
        assertThat(j.allocations()).extracting(a -> a.label()).contains("cmdline", "trampoline");
        assertThat(j.trampoline().address()).isEqualTo(0x90000);
        assertThat(j.costs().firmwareCalls()).isEqualTo(calls.size());
    }

    @Test
    void writeIntoFirmwareMemoryIsFirmwareCorruptionWithAddressOwnerAndRip() {
        trampolineAt(0x90000);
        exitBootServices();
        findings.add(new SanitizerFinding(SanitizerFinding.Kind.FIRMWARE_CORRUPTION, IMAGE + 0x1234, 0x7100040, 0x10,
                "EfiBootServicesData", false, calls.size()));
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reasons()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.FIRMWARE_MEMORY_CORRUPTED);
            assertThat(r.evidence().address()).isEqualTo(0x7100040L);
            assertThat(r.evidence().owner()).isEqualTo("EfiBootServicesData");
            assertThat(r.evidence().rip()).isEqualTo(IMAGE + 0x1234);
        });
        assertThat(j.violations()).hasSize(1);
    }

    @Test
    void unallocatedMemoryUsedIsOnlyAWarningWhileNobodyElseGetsThePages() {
        trampolineAt(0x10000);
        exitBootServices();
        findings.add(new SanitizerFinding(SanitizerFinding.Kind.UNALLOCATED_USE, IMAGE + 0x40, 0x9FF78, 0x88,
                "EfiConventionalMemory", false, calls.size()));
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.WARN);
        assertThat(j.reasons()).singleElement().satisfies(r -> assertThat(r.message()).contains("works by luck"));
    }

    @Test
    void unallocatedMemoryLaterHandedOutByTheFirmwareFails() {
        findings.add(new SanitizerFinding(SanitizerFinding.Kind.UNALLOCATED_USE, IMAGE + 0x40, 0x9FF78, 0x88,
                "EfiConventionalMemory", false, calls.size()));
        trampolineAt(0x90000);
        exitBootServices();
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reasons()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.UNALLOCATED_MEMORY_HANDED_OUT);
            assertThat(r.message()).contains("handed the same pages out").contains("-> 0x90000");
        });
    }

    @Test
    void withoutSanitizerNamedRangesOutsideOwnedMemoryAreJudgedByTheirOwner() {
        print("@efiemu region cmdline 0x9ff78 0x88");
        trampolineAt(0x10000);
        exitBootServices();
        assertThat(judge(false).verdict()).isEqualTo(Verdict.WARN);
    }

    @Test
    void rangesInsideAllocationsMadeBeforeTheyWereNamedAreOwned() {
        call("AllocatePages", "EFI_SUCCESS", List.of("AllocateAnyPages", "EfiLoaderData", "1", "0x0"), List.of("0x50000"));
        print("@efiemu region cmdline 0x50000 0x88");
        trampolineAt(0x90000);
        exitBootServices();
        assertThat(judge(false).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void getMemoryMapBufferTooSmallIntoTheStrategysBufferFailsButTheSizeQueryDoesNot() {
        call("GetMemoryMap", "EFI_BUFFER_TOO_SMALL", List.of("&0", "NULL", "0x1", "0x2", "0x3"), List.of("MemoryMapSize=6144"));
        trampolineAt(0x90000);
        assertThat(new ArrayList<>(calls)).hasSize(2);
        call("GetMemoryMap", "EFI_BUFFER_TOO_SMALL", List.of("&4096", "0x7E52E018", "0x1", "0x2", "0x3"),
                List.of("MemoryMapSize=6144"));
        Judgement j = judge(true);
        assertThat(j.reasons()).filteredOn(r -> r.kind() == ReasonKind.MAP_BUFFER_TOO_SMALL).singleElement()
                .satisfies(r -> assertThat(r.evidence().serviceCall()).contains("0x7E52E018"));
    }

    @Test
    void failedPoolAllocationIsAllocationFailedWithTheCall() {
        call("AllocatePool", "EFI_OUT_OF_RESOURCES", List.of("EfiLoaderData", "136", "0x7FDEBDC8"), List.of());
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reasons()).first().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.ALLOCATION_FAILED);
            assertThat(r.evidence().serviceCall()).startsWith("AllocatePool(EfiLoaderData, 136");
        });
    }

    @Test
    void failedAllocateAddressProbesAreNotFailuresWhenTheRunGoesOn() {
        call("AllocatePages", "EFI_NOT_FOUND", List.of("AllocateAddress", "EfiLoaderData", "1", "0x100000"), List.of());
        call("AllocatePages", "EFI_SUCCESS", List.of("AllocateAddress", "EfiLoaderData", "1", "0x200000"), List.of("0x200000"));
        trampolineAt(0x90000);
        exitBootServices();
        assertThat(judge(true).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void bootServiceAfterExitBootServicesFailsButRuntimeServicesAreFine() {
        trampolineAt(0x90000);
        exitBootServices();
        call("ResetSystem", "-", List.of("EfiResetShutdown", "EFI_SUCCESS", "0", "NULL"), List.of());
        assertThat(judge(true).verdict()).isEqualTo(Verdict.PASS);
        call("AllocatePool", "EFI_SUCCESS", List.of("EfiLoaderData", "16", "0x1"), List.of("0x7E000018"));
        Judgement j = judge(true);
        assertThat(j.reasons()).anySatisfy(r -> assertThat(r.kind()).isEqualTo(ReasonKind.BOOT_SERVICE_AFTER_EXIT));
    }

    @Test
    void exitBootServicesThatNeverSucceedsFails() {
        trampolineAt(0x90000);
        call("ExitBootServices", "EFI_INVALID_PARAMETER", List.of("0x7FDEE320", "0x4"), List.of());
        call("ExitBootServices", "EFI_INVALID_PARAMETER", List.of("0x7FDEE320", "0x5"), List.of());
        Judgement j = judge(true);
        assertThat(j.reasons()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.EXIT_BOOT_SERVICES_FAILED);
            assertThat(r.message()).startsWith("2 call(s)");
        });
    }

    @Test
    void trampolineFailureBecauseTheStrategyTookTheLowMemoryIsBlamedOnTheStrategy() {
        call("AllocatePages", "EFI_SUCCESS", List.of("AllocateMaxAddress", "EfiLoaderData", "159", "0xFFFFF"), List.of("0x1000"));
        call("AllocatePages", "EFI_NOT_FOUND", List.of("AllocateMaxAddress", "EfiLoaderData", "16", "0x100000"), List.of());
        Judgement j = judge(true);
        assertThat(j.reasons()).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.TRAMPOLINE_NOT_PLACED);
            assertThat(r.message()).contains("the strategy took it").contains("159");
        });
    }

    @Test
    void payloadClaimOfFailureAloneIsOnlyAWarning() {
        trampolineAt(0x90000);
        exitBootServices();
        console.append("@efiemu result fail data-overwritten chunk\n");
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.WARN);
        assertThat(j.reasons()).singleElement().satisfies(r -> assertThat(r.message()).contains("observed nothing"));
    }

    @Test
    void aNamedRangeInAHoleNeedsCorroborationFromTheTrace() {
        print("@efiemu region map-buffer 0xff1f8 0x1980");
        trampolineAt(0x90000);
        exitBootServices();
        assertThat(judge(true).verdict()).as("payload claim alone").isEqualTo(Verdict.PASS);
        call("GetMemoryMap", "EFI_INVALID_PARAMETER", List.of("&6528", "0xFF1F8", "0x1", "0x2", "0x3"), List.of());
        Judgement j = judge(true);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reasons()).anySatisfy(r -> assertThat(r.message()).contains("is not RAM").contains("0xFF1F8"));
    }
}
