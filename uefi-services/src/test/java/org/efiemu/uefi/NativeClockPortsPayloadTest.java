package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.clock.NativeClockPorts;
import org.efiemu.uefi.acpi.AcpiPowerManagement;
import org.efiemu.uefi.acpi.AcpiTablesBuilder;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.ServiceTrace;
import org.junit.jupiter.api.Test;

/**
 * The ACPI PM timer (ACPI 6.5 §4.8.3.3) answered in C ({@code NativeClockPorts}, {@code clock_ports.c}) gives the
 * guest exactly what the Java device gives: the pm-timer-loop payload polls it in every width and at several places
 * inside its blocks while a periodic timer's notification (UEFI 2.10 §7.1) interrupts the loop and reads it too; the
 * run with the C path and the run with every read in Java end with the same instruction count, trace, console and
 * registers, and the C path really answered most reads.
 */
class NativeClockPortsPayloadTest {
    record Run(BootResult result, String trace, long[] reads, boolean inC, List<Integer> recorded) {}

    private static Run run(boolean nativePorts, boolean record) {
        return run(InstructionCounting.BLOCKS, nativePorts, record);
    }

    private static Run run(InstructionCounting counting, boolean nativePorts, boolean record) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("pm-timer-loop"))
                .instructionCounting(counting).nativeClockPorts(nativePorts).instructionBudget(2_000_000_000L)
                .wallClockLimit(Duration.ofMinutes(3)).build()) {
            List<Integer> values = new ArrayList<>();
            if (record) m.machine().ioInListener(values::add);
            BootResult r = m.run();
            if (record) m.machine().ioInListener(null);
            StringBuilder sb = new StringBuilder();
            r.trace().forEach(e -> sb.append(ServiceTrace.toJson(e)).append('\n'));
            return new Run(r, sb.toString(), m.machine().counterPortReads(), m.machine().counterPortsInC(), values);
        }
    }

    private static String console(Run r) {
        return r.result().console().text(ConsoleListener.Source.CON_OUT);
    }

    @Test
    void pmTimerReadsAnsweredInCGiveTheSameRunAsTheJavaDeviceWithTimerTicksDuringTheLoop() {
        Run c = run(true, false);
        Run j = run(false, false);
        assertThat(c.result().outcome()).as(c.result().stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(console(c)).contains("pm-timer-loop end", "create-periodic EFI_SUCCESS");
        // ticks came during the loop: 20 ms of PM-timer time with a 10 ms periodic timer
        assertThat(console(c)).containsPattern("notifies [1-9]");
        assertThat(c.inC()).isTrue();
        assertThat(j.inC()).isFalse();
        assertThat(c.reads()[0]).as("reads answered in C").isGreaterThan(10_000);
        assertThat(c.reads()[1]).as("reads handed to Java to learn a position").isPositive().isEqualTo(c.reads()[2])
                .isLessThan(c.reads()[0] / 100);
        assertThat(j.reads()).containsExactly(0, 0, 0, 0);
        assertThat(j.result().stopReport().instructions()).isEqualTo(c.result().stopReport().instructions());
        assertThat(j.trace()).isEqualTo(c.trace());
        assertThat(console(j)).isEqualTo(console(c));
        assertThat(j.result().stopReport().registers()).isEqualTo(c.result().stopReport().registers());
        assertThat(j.result().virtualNanos()).isEqualTo(c.result().virtualNanos());
    }

    @Test
    void theInListenerGetsEveryValueInOrderWhetherAnsweredInCOrInJava() {
        Run c = run(true, true);
        Run j = run(false, true);
        assertThat(c.reads()[0]).isPositive();
        assertThat(c.recorded()).hasSizeGreaterThan(10_000);
        assertThat(c.recorded()).isEqualTo(j.recorded());
    }

    /**
     * Counting by block places every PM-timer read at its own {@code IN} instruction (the k-th IN callback since the
     * block was entered is its k-th IN), as counting per instruction does: the same values in the same order, the
     * same console (whose hashes fold every value) and instruction count, with the reads in C and in Java.
     */
    @Test
    void everyReadGetsTheValueCountingPerInstructionGivesWithTheReadsInCAndInJava() {
        Run exact = run(InstructionCounting.PER_INSTRUCTION, false, true);
        Run c = run(InstructionCounting.BLOCKS, true, true);
        Run j = run(InstructionCounting.BLOCKS, false, true);
        assertThat(exact.result().outcome()).as(exact.result().stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(c.reads()[0]).as("reads answered in C").isGreaterThan(10_000);
        assertThat(c.recorded()).hasSizeGreaterThan(10_000).isEqualTo(exact.recorded());
        assertThat(j.recorded()).isEqualTo(exact.recorded());
        assertThat(console(c)).isEqualTo(console(exact));
        assertThat(console(j)).isEqualTo(console(exact));
        assertThat(c.result().stopReport().instructions()).isEqualTo(exact.result().stopReport().instructions());
        assertThat(c.result().virtualNanos()).isEqualTo(exact.result().virtualNanos());
    }

    @Test
    void theCounterValueIsTheJavaDevicesForEveryPortAndWidth() {
        long[] nanos = {0, 999, 1_000, 279_365, 1_000_000_000L, 4_686_875_000L, 123_456_789_012L};
        for (long n : nanos) {
            AcpiPowerManagement pm = new AcpiPowerManagement(() -> n, () -> { }, t -> { });
            for (int port = AcpiTablesBuilder.PM_TMR_BLK; port < AcpiTablesBuilder.PM_TMR_BLK + 4; port++) {
                for (int size : new int[] {1, 2, 4}) {
                    if (port + size > AcpiTablesBuilder.PM_TMR_BLK + 4) continue;
                    assertThat(NativeClockPorts.value(n, AcpiPowerManagement.PM_TIMER_HZ,
                            AcpiPowerManagement.PM_TIMER_BITS, AcpiTablesBuilder.PM_TMR_BLK, port, size))
                            .as("%d ns, port 0x%X, %d bytes", n, port, size).isEqualTo(pm.in(port, size));
                }
            }
        }
    }
}
