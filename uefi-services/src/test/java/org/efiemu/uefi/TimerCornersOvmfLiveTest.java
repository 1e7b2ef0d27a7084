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
 * Timer corner cases of the {@code timer-tick} payload on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages,
 * provisioned) and on efiemu, compared line for line, in ticks (never wall time): RFLAGS.IF around RaiseTPL/RestoreTPL
 * ({@code if-tpl}), the tick phase of relative timers ({@code phase}: EDK2 counts a relative trigger time from the last
 * tick, {@code mEfiSystemTime}), ticks masked at TPL_HIGH_LEVEL ({@code masked-high}: one pending tick is taken at
 * RestoreTPL, the rest are lost), notifications signalled and TPLs raised inside a notification a tick started
 * ({@code nested-signal}), and a tick that comes while a notification runs ({@code nested-tick}). The UEFI Shell runs
 * the cases from {@code startup.nsh}, then {@code reset -s}.
 */
class TimerCornersOvmfLiveTest {
    private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
    static final List<String> CASES = List.of("if-tpl", "phase", "masked-high", "nested-signal", "nested-tick");

    /** The lines that must be alike: IF values, tick counts, notification order. */
    static List<String> comparable(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("if entry") || l.startsWith("phase delay")
                || l.startsWith("masked-high ") || l.startsWith("order ") || l.startsWith("tpls ")).toList();
    }

    /** Runs {@code cases} of the timer-tick payload on QEMU + OVMF; returns COM1 without terminal escapes. */
    static String ovmf(Path dir, List<String> cases) throws Exception {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path esp = Files.createDirectories(dir.resolve("esp"));
        Files.copy(TestPlatforms.payload("timer-tick"), esp.resolve("timer-tick.efi"));
        StringBuilder nsh = new StringBuilder("@echo -off\r\n");
        for (String c : cases) {
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
        boolean done = q.waitFor(400, TimeUnit.SECONDS);
        if (!done) {
            q.destroyForcibly().waitFor();
        }
        String qemuSaid = Files.readString(dir.resolve("qemu.out"), StandardCharsets.UTF_8);
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        if (!done) {
            fail("QEMU + OVMF did not shut down within 400 s; QEMU said:%n%s%nCOM1:%n%s", qemuSaid, raw);
        }
        return raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\u0000", "");
    }

    static List<String> efiemu(List<String> cases) {
        List<String> out = new ArrayList<>();
        for (String c : cases) {
            try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                    .loadOptions("fs0:\\timer-tick.efi " + c).wallClockLimit(Duration.ofMinutes(2)).build()) {
                BootResult r = m.run();
                assertThat(r.outcome()).as(c + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
                out.addAll(comparable(r.console().text(ConsoleListener.Source.CON_OUT)));
            }
        }
        return out;
    }

    @Test
    void interruptFlagTickPhaseMaskedTicksAndNestedTplsAreAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        List<String> ovmf = comparable(ovmf(dir, CASES));
        List<String> efiemu = efiemu(CASES);
        // what EDK2's DxeCore does (Tpl.c, Timer.c), seen on the real firmware first
        assertThat(ovmf).as("QEMU + OVMF").contains("if entry 1 high 0 restored 1 notify 1 cli-notify 0 cli-restored 1",
                "phase delay 1 set EFI_SUCCESS ticks 1", "phase delay 100000 set EFI_SUCCESS ticks 1",
                "phase delay 200000 set EFI_SUCCESS ticks 2", "phase delay 250000 set EFI_SUCCESS ticks 3",
                "masked-high during 0 after-restore 1", "order OorHxHyL");
        assertThat(efiemu).containsExactlyElementsOf(ovmf);
    }
}
