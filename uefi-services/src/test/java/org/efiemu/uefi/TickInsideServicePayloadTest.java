package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.efiemu.core.clock.InstructionCounting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code timer-tick} payload's {@code cost-tick} case: a timer tick whose grid point falls inside a lock-taking
 * service's fixed cost (GetMemoryMap called in a loop with interrupts on) is taken where EDK2 takes it, in the
 * service's lock release: its TPL_CALLBACK notification sees {@code *DescriptorSize} written (under EDK2's GCD lock)
 * and {@code *MemoryMapSize} not yet (written after {@code CoreReleaseMemoryLock}/{@code CoreReleaseGcdMemoryLock}),
 * as the {@code release-notify} case measured on QEMU + OVMF for a tick pending under {@code cli}.
 */
class TickInsideServicePayloadTest {

    @Test
    void aTickFallingInsideALockTakingServiceRunsItsNotificationsAtTheLockReleaseInEveryCountingMode(@TempDir Path dir)
            throws Exception {
        for (InstructionCounting counting : new InstructionCounting[] {InstructionCounting.BLOCKS,
                InstructionCounting.PER_INSTRUCTION}) {
            BootResult r = TplInterruptsPayloadTest.run(dir, "cost-tick", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            assertThat(TimerCornersOvmfLiveTest.lines(r.consoleText(), "cost-tick ")).as(counting.toString())
                    .containsExactly("cost-tick in-release some");
        }
        BootResult uncounted = TplInterruptsPayloadTest.run(dir, "cost-tick", InstructionCounting.BLOCKS, true);
        assertThat(uncounted.outcome()).as(uncounted.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(TimerCornersOvmfLiveTest.lines(uncounted.consoleText(), "cost-tick "))
                .containsExactly("cost-tick in-release some");
    }

    /**
     * The {@code cost-tick-event} case: CheckEvent of an EVT_NOTIFY_WAIT event in a loop with interrupts on, a timer's
     * TPL_CALLBACK notification signalling that event. A tick that comes during the call (in practice while its
     * EVT_NOTIFY_WAIT function runs as guest code) has its notification run before CheckEvent reads the signal count
     * (EDK2 {@code CoreCheckEvent} looks after the release that runs the wait function), so that same call returns
     * EFI_SUCCESS, as QEMU + OVMF printed ({@code ReleaseOrderOvmfLiveTest}).
     */
    @Test
    void aTickFallingInsideCheckEventRunsItsNotificationsBeforeTheSignalCountIsRead(@TempDir Path dir)
            throws Exception {
        for (InstructionCounting counting : new InstructionCounting[] {InstructionCounting.BLOCKS,
                InstructionCounting.PER_INSTRUCTION}) {
            BootResult r = TplInterruptsPayloadTest.run(dir, "cost-tick-event", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            assertThat(r.violations()).as(counting.toString()).isEmpty();
            assertThat(TimerCornersOvmfLiveTest.lines(r.consoleText(), "cost-tick-event ")).as(counting.toString())
                    .containsExactly("cost-tick-event in-call success some not-ready none");
        }
    }
}
