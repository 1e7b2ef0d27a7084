package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code timer-tick} payload's {@code release-order} and {@code cost-tick-event} cases on real QEMU 7.2 q35 + OVMF
 * 2022.11 (Debian packages, provisioned; UEFI Shell, COM1 captured) and on efiemu, line for line: where a tick
 * pending under {@code cli} is taken in SignalEvent's, CheckEvent's and SetTimer's lock release, and what a tick during
 * CheckEvent's EVT_NOTIFY_WAIT function does to its status.
 */
class ReleaseOrderOvmfLiveTest {

    @Test
    void eventServicesTakeAPendingTickInTheirLockReleaseAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        String com1 = OvmfShellRun.com1(dir.resolve("qemu"), List.of("timer-tick"),
                List.of("fs0:\\timer-tick.efi release-order", "fs0:\\timer-tick.efi cost-tick-event"), 300);
        List<String> ovmf = TimerCornersOvmfLiveTest.lines(com1, "release-order ");
        assertThat(ovmf).as("QEMU + OVMF COM1:%n%s", com1).containsExactlyElementsOf(ReleaseOrderPayloadTest.EXPECTED);
        List<String> ovmfCost = TimerCornersOvmfLiveTest.lines(com1, "cost-tick-event ");
        assertThat(ovmfCost).as("QEMU + OVMF COM1:%n%s", com1).hasSize(1);
        BootResult r = TplInterruptsPayloadTest.run(dir, "release-order", InstructionCounting.BLOCKS);
        assertThat(TimerCornersOvmfLiveTest.lines(r.consoleText(), "release-order ")).isEqualTo(ovmf);
        BootResult cost = TplInterruptsPayloadTest.run(dir, "cost-tick-event", InstructionCounting.BLOCKS);
        assertThat(TimerCornersOvmfLiveTest.lines(cost.consoleText(), "cost-tick-event ")).isEqualTo(ovmfCost);
    }
}
