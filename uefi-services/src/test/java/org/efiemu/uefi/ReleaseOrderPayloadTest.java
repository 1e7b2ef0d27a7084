package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code timer-tick} payload's {@code release-order} case: a tick pending under the caller's {@code cli} is taken
 * where EDK2's event services release their lock ({@code CoreRestoreTpl} sets IF before it dispatches each TPL's
 * notifications), so the notification of a timer due at that tick runs after the one the service queued at the same
 * TPL (SignalEvent: {@code ET}; CheckEvent of an EVT_NOTIFY_WAIT event: {@code WT}), and SetTimer computes its trigger
 * time before the tick moves {@code mEfiSystemTime} (a 100 ns timer set then is signalled before SetTimer returns).
 * The expected lines are what QEMU 7.2 q35 + OVMF 2022.11 printed ({@code ReleaseOrderOvmfLiveTest} compares live).
 */
class ReleaseOrderPayloadTest {

    /** QEMU 7.2 q35 + OVMF 2022.11 (Debian), {@code fs0:\timer-tick.efi release-order} from the UEFI Shell. */
    static final List<String> EXPECTED = List.of(
            "release-order signal EFI_SUCCESS log ET",
            "release-order check EFI_NOT_READY log WT",
            "release-order settimer EFI_SUCCESS check EFI_SUCCESS log T");

    @Test
    void aTickPendingUnderCliIsTakenInTheEventLockReleaseBehindTheServicesOwnNotificationInBothCountingModes(
            @TempDir Path dir) throws Exception {
        for (InstructionCounting counting : new InstructionCounting[] {InstructionCounting.BLOCKS,
                InstructionCounting.PER_INSTRUCTION}) {
            BootResult r = TplInterruptsPayloadTest.run(dir, "release-order", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            assertThat(r.violations()).as(counting.toString()).isEmpty();
            assertThat(TimerCornersOvmfLiveTest.lines(r.consoleText(), "release-order ")).as(counting.toString())
                    .containsExactlyElementsOf(EXPECTED);
        }
    }
}
