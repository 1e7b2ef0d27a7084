package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.efiemu.core.machine.StopReason;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.ServiceTrace;
import org.junit.jupiter.api.Test;

/**
 * The firmware's timer tick on virtual time (UEFI 2.10 §7.1.5, §7.1.8; EDK2 {@code CoreTimerTick}) with the
 * {@code timer-tick} payload: timer notifications run while the application spins in its own code without calling
 * any service, at the first block boundary after each 10 ms tick at which a timer is due (on EDK2's mEfiSystemTime),
 * with interrupts enabled and the TPL below the notification's; a spin at TPL_NOTIFY or with interrupts off never ends and the run stops on its
 * instruction budget with a report saying why. Every run is the same, byte for byte.
 */
class TimerTickPayloadTest {
    /** 2 GHz virtual TSC, one cycle per instruction: a 10 ms tick is 20 M instructions. */
    private static final long TICK_INSTRUCTIONS = 20_000_000L;

    private static BootResult run(String options, long budget) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                .loadOptions(options).instructionBudget(budget).wallClockLimit(Duration.ofMinutes(2)).build()) {
            return m.run();
        }
    }

    private static BootResult run(String options) {
        return run(options, 2_000_000_000L);
    }

    private static List<String> lines(BootResult r) {
        return List.of(r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "").split("\n"));
    }

    private static String trace(BootResult r) {
        StringBuilder sb = new StringBuilder();
        r.trace().forEach(e -> sb.append(ServiceTrace.toJson(e)).append('\n'));
        return sb.toString();
    }

    private static List<ServiceCallEvent> ticks(BootResult r) {
        return r.trace().stream().filter(e -> e.service().equals("TimerInterrupt")).toList();
    }

    /**
     * The services called between the console output that follows the first call of {@code service} and the next
     * console output (the guest's own code between two printed lines).
     */
    private static List<String> betweenOutputsAfter(BootResult r, String service) {
        List<ServiceCallEvent> t = r.trace();
        int i = 0;
        while (i < t.size() && !t.get(i).service().equals(service)) {
            i++;
        }
        assertThat(i).as(service + " in the trace").isLessThan(t.size());
        while (i < t.size() && !t.get(i).service().endsWith(".OutputString")) {
            i++;
        }
        List<String> out = new java.util.ArrayList<>();
        for (i++; i < t.size() && !t.get(i).service().endsWith(".OutputString"); i++) {
            out.add(t.get(i).service());
        }
        return out;
    }

    @Test
    void aPeriodicTimersNotificationEndsASpinThatCallsNoService() {
        BootResult r = run("spin-periodic");
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r)).containsSubsequence("create-periodic EFI_SUCCESS", "set-periodic-10ms EFI_SUCCESS",
                "spin-done counter 3", "registers-intact 1", "spin-iterations-positive 1 spin-tsc-positive 1",
                "cancel-periodic EFI_SUCCESS", "timer-tick end");
        // the spin called nothing: the only calls between SetTimer and the next output are the timer interrupts
        List<String> during = betweenOutputsAfter(r, "SetTimer");
        assertThat(during).as("the spin and the checksum loop after it").containsOnly("TimerInterrupt")
                .hasSizeGreaterThanOrEqualTo(3);
        assertThat(ticks(r)).allSatisfy(e -> assertThat(e.summary()).contains("notify 0x"));
        // ticks fall on the 10 ms grid of virtual time (and at the first block boundary after it)
        for (ServiceCallEvent e : ticks(r)) {
            assertThat(e.virtualNanos() % 10_000_000L).as("tick at %d ns", e.virtualNanos()).isLessThan(100_000L);
        }
    }

    @Test
    void theSameSpinGivesTheSameTraceConsoleAndInstructionCountOnEveryRun() {
        BootResult a = run("spin-periodic");
        BootResult b = run("spin-periodic");
        assertThat(trace(b)).isEqualTo(trace(a));
        assertThat(b.consoleText()).isEqualTo(a.consoleText());
        assertThat(b.virtualNanos()).isEqualTo(a.virtualNanos());
        assertThat(b.stopReport().instructions()).isEqualTo(a.stopReport().instructions());
    }

    @Test
    void aOneShotTimerNotifiesOnceAtTheFirstTickAfterItsTriggerTime() {
        BootResult r = run("one-shot");
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r)).containsSubsequence("set-relative-25ms EFI_SUCCESS", "one-shot fired 1",
                "close-one-shot EFI_SUCCESS");
        long delay = Long.parseLong(lines(r).stream().filter(l -> l.startsWith("one-shot-delay-tsc "))
                .findFirst().orElseThrow().split(" ")[1]);
        // EDK2 counts the 25 ms from the last tick (mEfiSystemTime): the first tick at or after it comes 20-30 ms
        // after SetTimer (2 GHz TSC)
        assertThat(delay).isBetween(40_000_000L, 60_000_000L);
        assertThat(ticks(r)).hasSize(1);
    }

    @Test
    void notificationsDueAtOneTickRunHighestTplFirst() {
        BootResult r = run("tpl-order");
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.violations()).isEmpty();
        // A (TPL_CALLBACK) armed before B (TPL_NOTIFY), both due at the same tick: B runs first
        assertThat(lines(r)).contains("order BA", "tpls B@16 A@8");
        assertThat(ticks(r)).anySatisfy(e -> assertThat(e.summary()).containsPattern("notify 0x\\p{XDigit}+\\(0x"
                + "\\p{XDigit}+, 0x42\\).*notify 0x\\p{XDigit}+\\(0x\\p{XDigit}+, 0x41\\)"));
    }

    @Test
    void noTickInterruptsANotificationATickStartedSoItsSpinWaitingForOneNeverEnds() {
        // OVMF 2022.11 takes no nested timer interrupt while a tick's notification runs (TimerCornersOvmfLiveTest,
        // "nested-tick"; "tpl-nested" itself never ends on QEMU + OVMF): D, due 20 ms after C, waits for C to return
        BootResult r = run("tpl-nested", 10 * TICK_INSTRUCTIONS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r)).noneMatch(l -> l.startsWith("order "));
        // the run ends inside C, inside the first tick's TimerInterrupt (which never returned, so it has no trace line)
        assertThat(r.image().contains(r.stopReport().rip())).as("RIP in C's spin: " + r.stopReport()).isTrue();
        assertThat(ticks(r)).isEmpty();
    }

    @Test
    void aTimerNotificationWaitsAtTplNotifyAndRunsAtRestoreTpl() {
        BootResult r = run("raise-restore");
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r)).containsSubsequence("raised-spin counter 0", "restored counter 1",
                "close-periodic EFI_SUCCESS");
        // ticks were taken at TPL_NOTIFY (the timers fired) but the TPL_CALLBACK notification ran only at RestoreTPL
        assertThat(ticks(r)).isNotEmpty().allSatisfy(e -> assertThat(e.summary()).doesNotContain("notify 0x"));
        assertThat(r.trace().stream().filter(e -> e.service().equals("RestoreTPL"))
                .anyMatch(e -> e.summary().contains("notify 0x"))).isTrue();
    }

    @Test
    void aSpinAtTplNotifyNeverEndsAndStopsOnTheBudgetNamingTheHeldNotification() {
        BootResult r = run("spin-raised", 10 * TICK_INSTRUCTIONS);
        assertThat(r.outcome()).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.stopReport().reason()).isEqualTo(StopReason.BUDGET);
        assertThat(r.image().contains(r.stopReport().rip())).as("RIP in the spin: " + r.stopReport()).isTrue();
        assertThat(lines(r)).doesNotContain("spin-raised-done counter 3");
        assertThat(r.stopReport().detail()).contains("TPL_CALLBACK notification pending while the current TPL is TPL_NOTIFY");
    }

    @Test
    void aSpinWithInterruptsOffNeverEndsAndStopsOnTheBudgetNamingTheMaskedTicks() {
        BootResult r = run("spin-cli", 10 * TICK_INSTRUCTIONS);
        assertThat(r.outcome()).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.image().contains(r.stopReport().rip())).as("RIP in the spin: " + r.stopReport()).isTrue();
        assertThat(lines(r)).doesNotContain("spin-cli-done counter 3");
        assertThat(ticks(r)).isEmpty();
        assertThat(r.stopReport().detail()).contains("timer ticks masked", "RFLAGS.IF clear");
    }
}
