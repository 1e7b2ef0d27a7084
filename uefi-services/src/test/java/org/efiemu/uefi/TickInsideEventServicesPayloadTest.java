package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code timer-tick} payload's {@code cost-tick-signal} and {@code cost-tick-restore} cases: SignalEvent or
 * RaiseTPL + RestoreTPL called in a loop with interrupts on while a periodic TPL_CALLBACK timer runs. A tick whose grid point falls inside
 * such a call's fixed cost is taken where EDK2 takes it, in the service's lock release (CoreSignalEvent's event lock
 * at TPL_HIGH_LEVEL, CoreSetTimer's mEfiTimerLock, CoreRestoreTpl's dispatch loop): the timer's notification runs
 * before the service returns and the service's trace line says so, instead of a {@code TimerInterrupt} at the first
 * block after the return. The same for SetTimer ({@code cost-tick-settimer}: CoreSetTimer's mEfiTimerLock) and for
 * CreateEvent and CloseEvent ({@code cost-tick-create-close}: EDK2's event lock), whose loops run until three ticks
 * were taken.
 */
class TickInsideEventServicesPayloadTest {

    static final String IN_COST = "a timer tick inside the call's fixed cost, taken in its lock release";

    @Test
    void aTickFallingInsideSignalEventsFixedCostIsTakenInItsLockRelease(@TempDir Path dir) throws Exception {
        takenInTheLockRelease(dir, "cost-tick-signal", "SignalEvent(");
    }

    @Test
    void aTickFallingInsideRestoreTplsFixedCostIsTakenInItsLockRelease(@TempDir Path dir) throws Exception {
        takenInTheLockRelease(dir, "cost-tick-restore", "RestoreTPL(");
    }

    @Test
    void aTickFallingInsideSetTimersFixedCostIsTakenInItsTimerLocksRelease(@TempDir Path dir) throws Exception {
        List<String> ticks = ticksOfTheLoop(dir, "cost-tick-settimer");
        // SetTimer alone in the loop: each of the three ticks falls in its 100-cycle cost (the caller's loop and the
        // gate's slot are about 28 instructions of each 128-cycle round)
        assertThat(ticks).as("the loop's ticks").hasSize(3).allSatisfy(l -> assertThat(l)
                .startsWith("SetTimer(").contains(IN_COST, "notify 0x"));
    }

    @Test
    void aTickFallingInsideCreateEventsOrCloseEventsFixedCostIsTakenInTheEventLocksRelease(@TempDir Path dir)
            throws Exception {
        List<String> ticks = ticksOfTheLoop(dir, "cost-tick-create-close");
        assertThat(ticks).as("the loop's ticks").hasSize(3);
        assertThat(ticks).as("a tick inside CreateEvent").anySatisfy(l -> assertThat(l)
                .startsWith("CreateEvent(").contains(IN_COST, "notify 0x"));
        assertThat(ticks).as("a tick inside CloseEvent").anySatisfy(l -> assertThat(l)
                .startsWith("CloseEvent(").contains(IN_COST, "notify 0x"));
        // the others fell between the calls: a TimerInterrupt, no tick after a return
        assertThat(ticks).allSatisfy(l -> assertThat(l.contains(IN_COST) || l.startsWith("TimerInterrupt(")).isTrue());
    }

    /**
     * Runs a case of {@code cost-tick-settimer} or {@code cost-tick-create-close} (by block) and returns the trace lines
     * of the loop's three ticks: each timer notification's run, in a service's lock release or in a TimerInterrupt. The
     * loop makes about 540 000 calls: a listener sees them all (the kept trace has the first and last 100 000).
     */
    private static List<String> ticksOfTheLoop(Path dir, String c) throws Exception {
        List<String> ticks = new java.util.ArrayList<>();
        BootResult r = TplInterruptsPayloadTest.run(dir, c, InstructionCounting.BLOCKS, false, false, e -> {
            String l = e.toString();
            if (l.contains("notify 0x") && (l.startsWith("TimerInterrupt(") || l.contains("tick"))) {
                ticks.add(l);
            }
        });
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.violations()).isEmpty();
        assertThat(TimerCornersOvmfLiveTest.lines(r.consoleText(), "cost-tick-timers "))
                .containsExactly("cost-tick-timers done TTT");
        return ticks;
    }

    private static void takenInTheLockRelease(Path dir, String c, String service) throws Exception {
        BootResult r = TplInterruptsPayloadTest.run(dir, c, InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(TimerCornersOvmfLiveTest.lines(r.consoleText(), "cost-tick-events "))
                .containsExactly("cost-tick-events done T");
        List<String> trace = r.trace().stream().map(Object::toString).toList();
        List<String> taken = trace.stream().filter(l -> l.contains(IN_COST)).toList();
        assertThat(taken).as(c).hasSize(1);
        assertThat(taken.get(0)).startsWith(service).contains("notify 0x");
        assertThat(trace).as("no tick taken after a return").noneMatch(l -> l.startsWith("TimerInterrupt"));
    }
}
