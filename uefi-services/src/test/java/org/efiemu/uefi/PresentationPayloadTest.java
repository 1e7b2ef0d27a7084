package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.protocol.KeyScript;
import org.junit.jupiter.api.Test;

/**
 * The {@code svc-present} payload: scripted keys at virtual times through ConIn and SimpleTextInputEx, a seeded
 * EFI_RNG_PROTOCOL, the ACPI S5 power-off through PM1a_CNT and the 0xCF9 reset ending the run as ResetSystem does,
 * SerialIo on COM1 and the boot volume behind LoadedImage.DeviceHandle without an ESP.
 */
class PresentationPayloadTest {

    private static BootResult run(String options, Consumer<UefiMachineBuilder> setUp) {
        UefiMachineBuilder b = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-present"))
                .loadOptions(options);
        setUp.accept(b);
        try (UefiMachine m = b.build()) {
            return m.run();
        }
    }

    private static List<String> lines(BootResult r) {
        return List.of(r.consoleText().replace("\r", "").split("\n"));
    }

    @Test
    void scriptedKeysArriveAtTheirVirtualTimesAndWaitForKeyAdvancesTimeToThem() {
        KeyScript script = KeyScript.parse("1s \"a\"   # first key\n+500ms F2 \"b\"\n", "keys.txt");
        BootResult r = run("keys", b -> b.keys(script));
        assertThat(r.violations()).isEmpty();
        // toggle 0xc2: SetState's VALID|NUM_LOCK plus EFI_KEY_STATE_EXPOSED, as OVMF's ConSplitter hands it to its
        // keyboards and reports it back (KeyStateOvmfLiveTest)
        assertThat(lines(r)).containsSubsequence("read-early EFI_NOT_READY", "wait EFI_SUCCESS", "wait-index 0",
                "read EFI_SUCCESS scan 0x0 char 0x61", "ex EFI_SUCCESS", "set-state EFI_SUCCESS", "wait-ex EFI_SUCCESS",
                "read-ex EFI_SUCCESS scan 0xc char 0x0 toggle 0xc2", "read-ex EFI_SUCCESS scan 0x0 char 0x62",
                "read-end EFI_NOT_READY", "end");
        assertThat(r.virtualNanos()).isGreaterThanOrEqualTo(1_500_000_000L).isLessThan(1_600_000_000L);
    }

    @Test
    void withoutKeysReadKeyStrokeIsNotReadyAndAWaitForAKeyThatNeverComesStopsTheRun() {
        BootResult r = run("keys", b -> { });
        assertThat(lines(r)).contains("read-early EFI_NOT_READY");
        // a WaitForEvent on the key event with no key ever scripted cannot end: the run stops there. The key event has
        // a notify function, which runs as guest code inside WaitForEvent; the stop requested after it lands at once
        // (it used to land only at the image's return: the call gate's RIP write cancelled Unicorn's stop request)
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.WAITS_FOREVER);
        assertThat(lines(r)).noneMatch(l -> l.startsWith("wait-index"));
        assertThat(r.stopReport().detail()).contains("WaitForEvent: none of the 1 events can be signalled")
                .contains("the firmware would wait forever");
    }

    @Test
    void theSameRngSeedGivesTheSameBytesAndAnotherSeedOthers() {
        BootResult a = run("rng", b -> b.rng(42));
        BootResult again = run("rng", b -> b.rng(42));
        BootResult other = run("rng", b -> b.rng(43));
        assertThat(lines(a)).containsSubsequence("rng-locate EFI_SUCCESS", "rng-info-small EFI_BUFFER_TOO_SMALL",
                "rng-info EFI_SUCCESS size 16 first e43176d7", "rng-ctr EFI_UNSUPPORTED");
        String bytes = lines(a).stream().filter(l -> l.startsWith("rng-bytes EFI_SUCCESS ")).findFirst().orElseThrow();
        assertThat(lines(again)).contains(bytes);
        assertThat(lines(other)).noneMatch(l -> l.equals(bytes)).anyMatch(l -> l.startsWith("rng-bytes EFI_SUCCESS "));
        // the stream is SHA-256(seed || counter): the first 32 bytes of seed 42 computed here
        UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-present")).rng(42).build();
        try (m) {
            assertThat(bytes).isEqualTo("rng-bytes EFI_SUCCESS " + HexFormat.of().formatHex(m.rng().orElseThrow().next(32)));
        }
    }

    @Test
    void withoutASeedThereIsNoRngProtocolAsOnOvmfWithoutVirtioRng() {
        assertThat(lines(run("rng", b -> { }))).contains("rng-locate EFI_NOT_FOUND");
    }

    @Test
    void acpiS5ThroughPm1aControlEndsTheRunAsResetSystemShutdown() {
        BootResult r = run("s5", b -> { });
        assertThat(lines(r)).contains("s5 pm1a-cnt 0x604 slp-typ 0 sci-en 1").doesNotContain("s5 still running");
        assertThat(r.outcome()).isEqualTo(BootOutcome.RESET);
        assertThat(r.reset()).hasValueSatisfying(q -> assertThat(q.resetType()).isEqualTo("EfiResetShutdown"));
        assertThat(r.stopReport().toString()).contains("ACPI S5");
    }

    @Test
    void aResetThroughTheFadtResetRegisterEndsTheRunAsAColdReset() {
        BootResult r = run("cf9", b -> { });
        assertThat(lines(r)).doesNotContain("cf9 still running");
        assertThat(r.outcome()).isEqualTo(BootOutcome.RESET);
        assertThat(r.reset()).hasValueSatisfying(q -> assertThat(q.resetType()).isEqualTo("EfiResetCold"));
    }

    @Test
    void serialIoOnCom1WritesToTheUartAndHasNothingToRead() {
        BootResult r = run("serial", b -> { });
        assertThat(lines(r)).containsSubsequence("serial-locate EFI_SUCCESS", "serial-write EFI_SUCCESS",
                "serial-read EFI_TIMEOUT got 0", "serial-control EFI_SUCCESS 0x330 baud 115200");
        assertThat(r.console().text(ConsoleListener.Source.SERIAL)).contains("via SerialIo");
    }

    @Test
    void withoutAnEspTheImageStillHasADeviceHandleWhoseVolumeHoldsTheImage() {
        BootResult r = run("boot", b -> { });
        assertThat(lines(r)).containsSubsequence("boot device-handle set", "boot device-path EFI_SUCCESS", "boot fs EFI_SUCCESS",
                "boot open-volume EFI_SUCCESS", "boot open-self EFI_SUCCESS", "boot self MZ");
    }

}
