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
 * block after the return.
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
