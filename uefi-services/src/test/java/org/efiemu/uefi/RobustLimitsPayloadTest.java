package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code robust-limits} payload: firmware limits reached by a guest end in the spec's statuses, never a crash. */
class RobustLimitsPayloadTest {
    static BootResult run(String options) {
        return run(options, b -> { });
    }

    static BootResult run(String options, java.util.function.Consumer<UefiMachineBuilder> configure) {
        UefiMachineBuilder b = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("robust-limits"))
                .loadOptions(options);
        configure.accept(b);
        try (UefiMachine m = b.build()) {
            return m.run();
        }
    }

    @Test
    void guestSpinningInsideAServiceStubEndsOnTheServiceCallBudgetWithAStopReport() {
        BootResult r = run("spin", b -> b.serviceCallBudget(20_000));
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.stopReport().detail()).contains("service-call budget exhausted: more than 20,000 service calls");
        assertThat(r.stopReport().ripLabel()).contains("Stall");
        assertThat(r.stopReport().recentCalls()).isNotEmpty();
        assertThat(r.consoleText()).contains("spinning").doesNotContain("never printed");
    }

    @Test
    void serialFloodEndsOnTheOutputBudget() {
        BootResult r = run("serial", b -> b.outputBudget(100_000));
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.stopReport().detail()).contains("output budget exhausted: more than 100,000 characters");
        assertThat(r.consoleText()).doesNotContain("serial done");
    }

    @Test
    void consoleKeptInMemoryIsHeadAndTailWithTheMiddleCounted() {
        BootResult r = run("conout");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RETURNED);
        long written = r.console().totalChars();
        assertThat(written).isGreaterThan(3L * 1024 * 1024);
        assertThat(r.console().omittedChars()).isEqualTo(written - org.efiemu.uefi.protocol.ConsoleLog.HEAD_CHARS
                - org.efiemu.uefi.protocol.ConsoleLog.TAIL_CHARS);
        assertThat(r.consoleText()).contains("characters of console output not kept").endsWith("conout done\r\n");
    }

    @Test
    void reenteringTimerCallbackWithTheWatchdogOffEndsOnABudget() {
        BootResult r = run("reenter", b -> b.instructionBudget(20_000_000).serviceCallBudget(5_000));
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.consoleText()).contains("timer EFI_SUCCESS");
    }

    @Test
    void poolExhaustionWithSmallAllocationsEndsOnTheServiceCallBudget() {
        BootResult r = run("pool", b -> b.serviceCallBudget(4_000));
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.trace()).hasSizeLessThanOrEqualTo(4_001);
    }

    @Test
    void setMemOverALargeBufferInALoopEndsOnTheHostWorkBudgetTheSameWayEveryRun() {
        BootResult r = run("setmem", b -> b.hostWorkBudget(1L << 30));
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.consoleText()).contains("setmem EFI_SUCCESS");
        assertThat(r.stopReport().detail()).contains("host-work budget exhausted: more than 1,073,741,824 units")
                .contains("the last call, SetMem, moved 67,108,864 bytes");
        assertThat(r.stopReport().recentCalls()).isNotEmpty();
        assertThat(r.stopReport().recentCalls().get(r.stopReport().recentCalls().size() - 1).toString())
                .contains("SetMem");
        // 1 GiB of units is 16 SetMem calls of 64 MiB (plus the call costs): the 16th passes the limit
        assertThat(r.trace().stream().filter(e -> e.service().equals("SetMem"))).hasSize(16);
        assertThat(r.stopReport().instructions()).as("few instructions: the budget is the host's work, not the guest's")
                .isLessThan(10_000_000L);
        BootResult again = run("setmem", b -> b.hostWorkBudget(1L << 30));
        assertThat(again.stopReport().detail()).isEqualTo(r.stopReport().detail());
        assertThat(again.stopReport().rip()).isEqualTo(r.stopReport().rip());
        assertThat(again.stopReport().instructions()).isEqualTo(r.stopReport().instructions());
        assertThat(again.trace()).isEqualTo(r.trace());
    }

    @Test
    void handlesBeyondTheFirmwareArenaAreOutOfResourcesAndTheFirmwareKeepsAnswering() {
        BootResult r = run("handles");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.consoleText()).containsPattern("handles [1-9][0-9]+ then EFI_OUT_OF_RESOURCES")
                .contains("again EFI_OUT_OF_RESOURCES");
        assertThat(r.trace()).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("InstallProtocolInterface");
            assertThat(e.status()).isEqualTo("EFI_OUT_OF_RESOURCES");
            assertThat(String.join(" ", e.outputs())).contains("firmware resources exhausted");
        });
    }

    @Test
    void watchdogWithTheLargestTimeoutDoesNotExpireAtOnce() {
        BootResult r = run("watchdog");
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.consoleText()).contains("watchdog EFI_SUCCESS").contains("stall EFI_SUCCESS");
        assertThat(r.reset()).isEmpty();
    }

    /** Boots {@code options} with a MemorySanitizer attached; returns the result and the sanitizer's report. */
    static Object[] sanitized(String options) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("robust-limits"))
                .loadOptions(options).build();
                org.efiemu.uefi.sanitizer.MemorySanitizer s = org.efiemu.uefi.sanitizer.MemorySanitizer.attach(m)) {
            BootResult r = m.run();
            return new Object[] {r, s.report()};
        }
    }

    @Test
    void serviceWritingItsOutParameterIntoTheSystemTableIsFirmwareMemoryCorrupted() {
        Object[] run = sanitized("outptr");
        BootResult r = (BootResult) run[0];
        org.efiemu.uefi.sanitizer.SanitizerReport report = (org.efiemu.uefi.sanitizer.SanitizerReport) run[1];
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RETURNED);
        assertThat(report.findings(org.efiemu.uefi.sanitizer.FindingKind.FIRMWARE_MEMORY_CORRUPTED)).singleElement()
                .satisfies(f -> {
                    assertThat(f.owner()).contains("AllocatePages from robust-limits.efi+0x")
                            .contains("writes an OUT parameter through argument 4");
                    assertThat(f.length()).isEqualTo(8);
                    assertThat(f.rip()).isEqualTo(r.trace().get((int) f.afterCall() - 1).callerRip());
                });
    }

    @Test
    void freePagesOfTheBootServicesTableIsFirmwareMemoryCorruptedAndSucceedsAsInEdk2() {
        Object[] run = sanitized("freefw");
        BootResult r = (BootResult) run[0];
        org.efiemu.uefi.sanitizer.SanitizerReport report = (org.efiemu.uefi.sanitizer.SanitizerReport) run[1];
        assertThat(r.consoleText()).contains("freefw EFI_SUCCESS");
        assertThat(report.findings(org.efiemu.uefi.sanitizer.FindingKind.FIRMWARE_MEMORY_CORRUPTED)).singleElement()
                .satisfies(f -> {
                    assertThat(f.owner()).contains("FreePages from robust-limits.efi+0x").contains("frees firmware-owned pages");
                    assertThat(f.length()).isEqualTo(4096);
                });
    }
}
