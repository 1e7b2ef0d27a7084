package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.StopReason;
import org.efiemu.uefi.trace.ServiceTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Waiting on virtual time (UEFI 2.10 §7.1) with the {@code time-wait} and {@code time-rdtsc} payloads: applications
 * start with interrupts enabled; {@code sti; hlt} waits for the next timer (virtual time jumps there, the timers fire,
 * notification functions run) instead of ending the run; a wait nothing can end stops the run with a report; RDTSC in
 * an image loaded from a buffer reads the virtual clock. Every run is the same on every run.
 */
class TimeWaitPayloadTest {
    @TempDir
    Path esp;

    private static BootResult run(String options) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("time-wait"))
                .loadOptions(options).wallClockLimit(Duration.ofMinutes(1)).build()) {
            return m.run();
        }
    }

    private static List<String> lines(BootResult r) {
        return List.of(r.consoleText().replace("\r", "").split("\n"));
    }

    private static String trace(BootResult r) {
        StringBuilder sb = new StringBuilder();
        r.trace().forEach(e -> sb.append(ServiceTrace.toJson(e)).append('\n'));
        return sb.toString();
    }

    @Test
    void hltWithInterruptsOnWaitsForTheNextTimerAndTheRunGoesOn() {
        BootResult r = run("hlt");
        assertThat(r.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.statusName()).contains("EFI_SUCCESS");
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r)).containsSubsequence("if-at-entry 1", "create-timer EFI_SUCCESS",
                "set-timer-10ms EFI_SUCCESS", "timer-signalled-after-hlt 1", "create-periodic-notify EFI_SUCCESS",
                "set-periodic-1ms EFI_SUCCESS", "notify-fired 3 after-hlt 3", "cancel-periodic EFI_SUCCESS",
                "set-wait-timer-5ms EFI_SUCCESS", "wait-for-timer EFI_SUCCESS", "wait-index 0", "busy-wait-done 1");
        // each hlt became one TimerInterrupt: virtual time jumped to the timer, notify functions ran in the guest
        List<String> ticks = r.trace().stream().filter(e -> e.service().equals("TimerInterrupt"))
                .map(e -> e.summary()).toList();
        assertThat(ticks).hasSize(4);
        assertThat(ticks.get(1)).contains("notify 0x");
        // timers fire at 10 ms ticks (EDK2 mEfiSystemTime): the 10 ms timer at the first tick, the 1 ms periodic
        // timer once per tick (three ticks), the 5 ms wait at the next tick: 5 ticks, and the guest's own work
        assertThat(r.virtualNanos()).as("five 10 ms ticks").isBetween(50_000_000L, 51_000_000L);
    }

    @Test
    void theSameWaitsGiveTheSameTraceAndTimesOnEveryRun() {
        BootResult a = run("hlt");
        BootResult b = run("hlt");
        assertThat(trace(b)).isEqualTo(trace(a));
        assertThat(b.consoleText()).isEqualTo(a.consoleText());
        assertThat(b.virtualNanos()).isEqualTo(a.virtualNanos());
        assertThat(b.stopReport().instructions()).isEqualTo(a.stopReport().instructions());
    }

    @Test
    void hltWithNoTimerArmedStopsTheRunAsAWaitThatNeverEnds() {
        BootResult r = run("hlt-forever");
        assertThat(r.outcome()).isEqualTo(BootOutcome.WAITS_FOREVER);
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r)).contains("halting with no timer").doesNotContain("woke up");
        assertThat(r.stopReport().reason()).isEqualTo(StopReason.HLT);
        assertThat(r.stopReport().detail()).isEqualTo(
                "HLT with interrupts enabled and no timer armed: nothing can wake the CPU");
        assertThat(r.image().contains(r.stopReport().rip())).isTrue();
    }

    @Test
    void waitForEventOnAnEventNothingCanSignalStopsTheRunWithAReport() {
        BootResult r = run("wait-forever");
        assertThat(r.outcome()).isEqualTo(BootOutcome.WAITS_FOREVER);
        assertThat(r.violations()).isEmpty();
        assertThat(r.stopReport().detail()).contains("WaitForEvent: none of the 1 events can be signalled");
        assertThat(r.trace()).filteredOn(e -> e.service().equals("WaitForEvent")).hasSize(1);
    }

    @Test
    void theWallClockLimitEndsASpinningGuestWithAStopReportInsideItsLoop() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("time-wait"))
                .loadOptions("spin").wallClockLimit(Duration.ofMillis(300)).build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).isEqualTo(BootOutcome.TIME_LIMIT);
            assertThat(r.stopReport().reason()).isEqualTo(StopReason.TIMEOUT);
            assertThat(r.image().contains(r.stopReport().rip())).as("RIP in the spinning loop: " + r.stopReport())
                    .isTrue();
            assertThat(r.stopReport().instructions()).isPositive();
        }
    }

    @Test
    void hltWithInterruptsOffHaltsTheCpu() {
        BootResult r = run("cli-hlt");
        assertThat(r.outcome()).isEqualTo(BootOutcome.HALTED);
        assertThat(r.stopReport().reg(X86Reg.RFLAGS) & (1L << 9)).isZero();
    }

    private BootResult rdtscRun() throws IOException {
        Files.copy(TestPlatforms.payload("time-rdtsc-child"), esp.resolve("child.efi"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("time-rdtsc"))
                .esp(esp, false).build()) {
            return m.run();
        }
    }

    @Test
    void rdtscInAnImageLoadedFromABufferReadsTheVirtualClockTheSameOnEveryRun() throws IOException {
        BootResult a = rdtscRun();
        BootResult b = rdtscRun();
        assertThat(a.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(a)).containsSubsequence("load-from-buffer EFI_SUCCESS", "start-child EFI_SUCCESS");
        String child = lines(a).stream().filter(l -> l.startsWith("child-tsc ")).findFirst().orElseThrow();
        String[] f = child.split(" ");
        long first = Long.parseLong(f[1]);
        long second = Long.parseLong(f[2]);
        long parentAfter = Long.parseLong(lines(a).stream().filter(l -> l.startsWith("parent-tsc-after "))
                .findFirst().orElseThrow().split(" ")[1]);
        // virtual cycles since the machine started: far below a host TSC (which counts from the host's boot)
        assertThat(first).isPositive().isLessThan(parentAfter).isLessThan(1_000_000_000L);
        assertThat(second - first).as("about 100 iterations of a few instructions").isBetween(100L, 5_000L);
        assertThat(b.consoleText()).isEqualTo(a.consoleText());
        assertThat(trace(b)).isEqualTo(trace(a));
    }
}
