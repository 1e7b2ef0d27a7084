package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
    private static final List<String> CASES = List.of("spin-periodic", "one-shot", "tpl-order");

    /** The lines both must print alike (the one-shot's TSC delay depends on the host's TSC). */
    private static List<String> comparable(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("spin-done") || l.startsWith("registers-intact")
                || l.startsWith("one-shot fired") || l.startsWith("order ") || l.startsWith("tpls ")
                || l.startsWith("timer-tick ")).toList();
    }

    @Test
    void spinsThatCallNoServiceEndOnQemuOvmfAndOnEfiemuWithTheSameLines(@TempDir Path dir) throws Exception {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path esp = Files.createDirectories(dir.resolve("esp"));
        Files.copy(TestPlatforms.payload("timer-tick"), esp.resolve("timer-tick.efi"));
        StringBuilder nsh = new StringBuilder("@echo -off\r\n");
        for (String c : CASES) {
            nsh.append("fs0:\\timer-tick.efi ").append(c).append("\r\n");
        }
        nsh.append("reset -s\r\n");
        Files.writeString(esp.resolve("startup.nsh"), nsh, StandardCharsets.US_ASCII);
        Path vars = dir.resolve("vars.fd");
        Files.copy(VARS, vars);
        Path serial = dir.resolve("serial.raw");
        Process q = new ProcessBuilder("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "2G", "-smp", "1",
                "-net", "none", "-display", "none", "-serial", "file:" + serial, "-monitor", "none", "-no-reboot",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars, "-drive", "format=raw,file=fat:rw:" + esp)
                .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();
        boolean done = q.waitFor(300, TimeUnit.SECONDS);
        if (!done) {
            q.destroyForcibly().waitFor();
        }
        String qemuSaid = Files.readString(dir.resolve("qemu.out"), StandardCharsets.UTF_8);
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        if (!done) {
            fail("QEMU + OVMF did not shut down within 300 s; QEMU said:%n%s%nCOM1:%n%s", qemuSaid, raw);
        }
        List<String> ovmf = comparable(raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\u0000", ""));

        List<String> efiemu = new ArrayList<>();
        for (String c : CASES) {
            try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                    .loadOptions("fs0:\\timer-tick.efi " + c).wallClockLimit(Duration.ofMinutes(2)).build()) {
                BootResult r = m.run();
                assertThat(r.outcome()).as(c + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
                efiemu.addAll(comparable(r.console().text(ConsoleListener.Source.CON_OUT)));
            }
        }
        assertThat(ovmf).as("QEMU + OVMF's lines (qemu said: %s)", qemuSaid).contains("spin-done counter 3",
                "one-shot fired 1", "order BA");
        assertThat(efiemu).containsExactlyElementsOf(ovmf);
    }
}
