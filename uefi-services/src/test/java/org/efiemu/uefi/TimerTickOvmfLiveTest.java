package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code timer-tick} payload on real QEMU q35 + OVMF (Debian qemu-system-x86 and ovmf, provisioned) and on
 * efiemu: spins that call no service end on both because the firmware's timer interrupt runs the notification
 * functions; one-shot and TPL order print the same lines (ConOut, which OVMF's terminal driver mirrors on COM1). The
 * UEFI Shell runs the cases from {@code startup.nsh} on a QEMU FAT folder, then {@code reset -s}. About 20-40 s of
 * QEMU (TCG). Not compared here: {@code tpl-nested} (a TPL_CALLBACK notification waiting without bound for a TPL_NOTIFY
 * one), which never ends on QEMU 7.2 + Debian's OVMF 2022.11 (no tick nests inside a tick's notification) nor, since
 * it models that, on efiemu; its bounded form {@code nested-tick} is compared in TimerCornersOvmfLiveTest.
 */
class TimerTickOvmfLiveTest {
    private static final List<String> CASES = List.of("spin-periodic", "one-shot", "tpl-order");

    /** The lines both must print alike (the one-shot's TSC delay depends on the host's TSC). */
    private static List<String> comparable(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("spin-done") || l.startsWith("registers-intact")
                || l.startsWith("one-shot fired") || l.startsWith("order ") || l.startsWith("tpls ")
                || l.startsWith("timer-tick ")).toList();
    }

    @Test
    void spinsThatCallNoServiceEndOnQemuOvmfAndOnEfiemuWithTheSameLines(@TempDir Path dir) throws Exception {
        String raw = OvmfShellRun.com1(dir, List.of("timer-tick"),
                CASES.stream().map(c -> "fs0:\\timer-tick.efi " + c).toList(), 300);
        List<String> ovmf = comparable(raw);

        List<String> efiemu = new ArrayList<>();
        for (String c : CASES) {
            try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                    .loadOptions("fs0:\\timer-tick.efi " + c).wallClockLimit(Duration.ofMinutes(2)).build()) {
                BootResult r = m.run();
                assertThat(r.outcome()).as(c + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
                efiemu.addAll(comparable(r.console().text(ConsoleListener.Source.CON_OUT)));
            }
        }
        assertThat(ovmf).as("QEMU + OVMF's COM1:%n%s", raw).contains("spin-done counter 3",
                "one-shot fired 1", "order BA");
        assertThat(efiemu).containsExactlyElementsOf(ovmf);
    }
}
