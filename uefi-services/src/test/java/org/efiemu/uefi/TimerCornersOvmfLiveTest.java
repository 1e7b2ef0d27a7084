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
 * Timer corner cases of the {@code timer-tick} payload on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages,
 * provisioned) and on efiemu, compared line for line, in ticks (never wall time): RFLAGS.IF around RaiseTPL/RestoreTPL
 * ({@code if-tpl}), the tick phase of relative timers ({@code phase}: EDK2 counts a relative trigger time from the last
 * tick, {@code mEfiSystemTime}), ticks masked at TPL_HIGH_LEVEL ({@code masked-high}: one pending tick is taken at
 * RestoreTPL, the rest are lost), notifications signalled and TPLs raised inside a notification a tick started
 * ({@code nested-signal}), a tick that comes while a notification runs ({@code nested-tick}), RFLAGS.IF after each
 * of ~55 services called after the caller's {@code cli} ({@code if-services}: a service that takes a lock returns with
 * IF set, one that takes none or refuses its arguments before its lock leaves it clear) and a tick pending under
 * {@code cli} taken on the return of a lock-taking service ({@code if-tick}), and ticks inside a Stall taken at their
 * own times ({@code stall-ticks}: a notification reads the TSC there, not at the Stall's end). The UEFI Shell runs
 * the cases from {@code startup.nsh}, then {@code reset -s}.
 */
class TimerCornersOvmfLiveTest {
    static final List<String> CASES = List.of("if-tpl", "phase", "masked-high", "nested-signal", "nested-tick",
            "if-services", "if-tick", "stall-ticks");

    /** The lines that must be alike: IF values, tick counts, notification order. */
    static List<String> comparable(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("if entry") || l.startsWith("phase delay")
                || l.startsWith("masked-high ") || l.startsWith("order ") || l.startsWith("tpls ") || l.startsWith("ifsvc ")
                || l.startsWith("if-tick ")).toList();
    }

    /** Runs {@code cases} of the timer-tick payload on QEMU + OVMF; returns COM1 without terminal escapes. */
    static String ovmf(Path dir, List<String> cases) throws Exception {
        return OvmfShellRun.com1(dir, List.of("timer-tick"),
                cases.stream().map(c -> "fs0:\\timer-tick.efi " + c).toList(), 400);
    }

    static List<String> lines(String console, String prefix) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith(prefix)).toList();
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

    /** The two lines of the {@code nested-tick} case (C: the 10 ms callback, D: the 30 ms notify event). */
    private static boolean nestedTick(String line) {
        return line.startsWith("order C") || line.startsWith("tpls C@");
    }

    @Test
    void interruptFlagTickPhaseMaskedTicksAndNestedTplsAreAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        List<String> all = new ArrayList<>(CASES);
        all.add("sti-shadow");
        String ovmfConsole = ovmf(dir, all);
        List<String> ovmf = comparable(ovmfConsole);
        List<String> efiemu = efiemu(CASES);
        // what EDK2's DxeCore does (Tpl.c, Timer.c), seen on the real firmware first
        assertThat(ovmf).as("QEMU + OVMF").contains("if entry 1 high 0 restored 1 notify 1 cli-notify 0 cli-restored 1",
                "phase delay 1 set EFI_SUCCESS ticks 1", "phase delay 100000 set EFI_SUCCESS ticks 1",
                "phase delay 200000 set EFI_SUCCESS ticks 2", "phase delay 250000 set EFI_SUCCESS ticks 3",
                "masked-high during 0 after-restore 1", "order OorHxHyL",
                "ifsvc AllocatePool EFI_SUCCESS if 1", "ifsvc AllocatePool-null-buffer EFI_INVALID_PARAMETER if 0",
                "ifsvc HandleProtocol EFI_SUCCESS if 1", "ifsvc HandleProtocol-null-handle EFI_INVALID_PARAMETER if 1",
                "ifsvc SetWatchdogTimer EFI_SUCCESS if 1", "ifsvc GetVariable-not-found EFI_NOT_FOUND if 1",
                "ifsvc CalculateCrc32 EFI_SUCCESS if 0", "ifsvc CopyMem EFI_SUCCESS if 0", "ifsvc Stall EFI_SUCCESS if 0",
                "if-tick during 0 crc32 0 if 0 pool 1 if 1");
        // nested-tick: on a quiet host OVMF runs D after C's bounded wait (a tick that comes while a tick's own
        // notification runs does not dispatch D inside it); on a loaded host QEMU's TCG timer sometimes lets D run
        // inside C. OVMF's answer is one of the two; efiemu's is the quiet host's, exactly.
        List<String> quiet = List.of("order CcD", "tpls C@8 c@8 D@16");
        List<String> loaded = List.of("order CDc", "tpls C@8 D@16 c@8");
        assertThat(ovmf.stream().filter(TimerCornersOvmfLiveTest::nestedTick).toList()).as("QEMU + OVMF")
                .isIn(quiet, loaded);
        assertThat(efiemu.stream().filter(TimerCornersOvmfLiveTest::nestedTick).toList()).isEqualTo(quiet);
        assertThat(efiemu.stream().filter(l -> !nestedTick(l)).toList())
                .containsExactlyElementsOf(ovmf.stream().filter(l -> !nestedTick(l)).toList());
        // ticks inside a Stall: notifications run during it at their own times on both (not all at its end); QEMU's
        // TCG on a loaded host may deliver one late, so OVMF's counts are bounds, efiemu's exact
        List<String> stallOvmf = lines(ovmfConsole, "stall-ticks ");
        assertThat(stallOvmf).as("QEMU + OVMF").hasSize(1);
        String[] w = stallOvmf.get(0).split(" ");
        assertThat(Integer.parseInt(w[2])).as("QEMU + OVMF: " + stallOvmf).isBetween(3, 4);
        assertThat(Integer.parseInt(w[4])).as("QEMU + OVMF: " + stallOvmf).isBetween(1, 2);
        assertThat(Integer.parseInt(w[6])).as("QEMU + OVMF: " + stallOvmf).isZero();
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                .loadOptions("fs0:\\timer-tick.efi stall-ticks").wallClockLimit(Duration.ofMinutes(2)).build()) {
            assertThat(lines(m.run().console().text(ConsoleListener.Source.CON_OUT), "stall-ticks "))
                    .containsExactly("stall-ticks in-4-periods 4 in-2-periods 2 after-return 0");
        }
        // the guest's own STI: the tick comes after its one-instruction shadow on the real CPU; per-instruction
        // counting matches that exactly (counting by block too: Unicorn makes the shadow a block of its own)
        List<String> stiOvmf = ovmfConsole.replace("\r", "").lines().filter(l -> l.startsWith("sti-shadow ")).toList();
        assertThat(stiOvmf).as("QEMU + OVMF").containsExactly("sti-shadow during 0 after-shadow 1 after-jump 1");
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("timer-tick"))
                .loadOptions("fs0:\\timer-tick.efi sti-shadow")
                .instructionCounting(org.efiemu.core.clock.InstructionCounting.PER_INSTRUCTION)
                .wallClockLimit(Duration.ofMinutes(2)).build()) {
            BootResult r = m.run();
            assertThat(r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "").lines()
                    .filter(l -> l.startsWith("sti-shadow ")).toList()).containsExactlyElementsOf(stiOvmf);
        }
    }
}
