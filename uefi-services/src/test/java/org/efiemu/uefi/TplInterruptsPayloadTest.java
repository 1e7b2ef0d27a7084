package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFLAGS.IF and ticks around services and protocol functions as EDK2 and OVMF 2022.11's drivers have them, on efiemu
 * alone (the same lines QEMU + OVMF printed: TplInterruptsOvmfLiveTest): a tick pending under the caller's
 * {@code cli} is taken inside the service where it releases its lock ({@code release-notify}), and protocol
 * functions whose drivers raise and restore the TPL return with IF set ({@code if-protocols}).
 */
class TplInterruptsPayloadTest {

    /** The timer-tick payload started from an ESP folder (its DeviceHandle has BlockIo, DiskIo, SimpleFileSystem). */
    static BootResult run(Path dir, String c, InstructionCounting counting) throws IOException {
        return run(dir, c, counting, false);
    }

    /** As above; {@code uncounted}: instructions not counted (virtual time moves at service calls and RDTSC reads). */
    static BootResult run(Path dir, String c, InstructionCounting counting, boolean uncounted) throws IOException {
        return run(dir, c, counting, uncounted, false);
    }

    /**
     * As above; {@code pci}: the platform has OVMF's PCI root bridge and stdvga function (the GOP's framebuffer is its
     * BAR 0) and the payload gets the UEFI Shell's parameters protocol, as under OVMF's Shell.
     */
    static BootResult run(Path dir, String c, InstructionCounting counting, boolean uncounted, boolean pci)
            throws IOException {
        return run(dir, c, counting, uncounted, pci, null);
    }

    /**
     * As above; {@code listener}, when not null, sees every service call as it returns (the kept trace holds the first
     * and the last 100 000 calls only).
     */
    static BootResult run(Path dir, String c, InstructionCounting counting, boolean uncounted, boolean pci,
            org.efiemu.uefi.trace.TraceListener listener) throws IOException {
        Path esp = Files.createDirectories(dir.resolve("esp-" + c + "-" + counting + (uncounted ? "-uncounted" : "")
                + (pci ? "-pci" : "")));
        Path efi = esp.resolve("timer-tick.efi");
        if (!Files.exists(efi)) {
            Files.copy(TestPlatforms.payload("timer-tick"), efi);
        }
        UefiMachineBuilder b = UefiMachine.builder(pci ? TestPlatforms.ovmfQ35WithStdVga() : TestPlatforms.ovmfQ35())
                .shellParameters(pci).esp(esp, true).payload(efi)
                .graphics(org.efiemu.uefi.protocol.GraphicsOutput.Display.ovmfStdVga())
                .loadOptions("fs0:\\timer-tick.efi " + c).rng(1).instructionCounting(counting)
                .instructionBudget(2_000_000_000L).wallClockLimit(Duration.ofMinutes(2));
        if (uncounted) {
            b.uncounted();
        }
        try (UefiMachine m = b.build()) {
            if (listener != null) {
                m.trace().addListener(listener);
            }
            return m.run();
        }
    }

    static List<String> lines(BootResult r, String prefix) {
        return r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "").lines()
                .filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void aTickPendingUnderCliIsTakenInsideTheServiceWhereItReleasesItsLockNotAfterIt(@TempDir Path dir)
            throws IOException {
        for (InstructionCounting counting : InstructionCounting.values()) {
            BootResult r = run(dir, "release-notify", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            // GetMemoryMap writes *MemoryMapSize after its lock release: the notification sees it unwritten (and
            // CreateEvent *Event, after its pool allocation's release; CloseEvent runs it in its event lock's release)
            assertThat(lines(r, "release-notify ")).as(counting.toString())
                    .containsExactlyElementsOf(TplInterruptsOvmfLiveTest.RELEASE_NOTIFY);
            // in the trace the notification's own service call comes before the service it ran inside (an event is
            // recorded when its call returns), and no TimerInterrupt follows the service
            List<ServiceCallEvent> t = r.trace().stream().toList();
            for (String service : List.of("GetMemoryMap", "HandleProtocol", "AllocatePool", "CreateEvent",
                    "CloseEvent")) {
                int at = -1;
                for (int i = 0; i < t.size(); i++) {
                    if (t.get(i).service().equals(service) && t.get(i).summary().contains("pending timer tick taken")) {
                        at = i;
                        break;
                    }
                }
                assertThat(at).as(counting + " " + service + " took the tick in its lock release").isPositive();
                assertThat(t.get(at).summary()).as(counting + " " + service).contains("notify 0x");
                assertThat(t.get(at - 1).service()).as(counting + " " + service).isEqualTo("GetNextMonotonicCount");
                assertThat(t.get(at + 1).service()).as(counting + " " + service).isNotEqualTo("TimerInterrupt");
            }
        }
    }

    @Test
    void protocolFunctionsWhoseOvmfDriversRaiseTheTplReturnWithInterruptsEnabledTheOthersLeaveTheCallersCli(
            @TempDir Path dir) throws IOException {
        BootResult r = run(dir, "if-protocols", InstructionCounting.BLOCKS);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        // the lines QEMU + OVMF printed (TplInterruptsOvmfLiveTest), but PciIo: no PCI function on this platform
        assertThat(lines(r, "ifproto ")).contains("ifproto PciIo none");
        assertThat(TplInterruptsOvmfLiveTest.withoutPci(lines(r, "ifproto ")))
                .containsExactlyElementsOf(TplInterruptsOvmfLiveTest.withoutPci(TplInterruptsOvmfLiveTest.IF_PROTOCOLS));
    }

    @Test
    void pciRootBridgeDiskInfoConInExShellFileAndDxeServicesSetInterruptsAsOvmfsDrivers(@TempDir Path dir)
            throws IOException {
        BootResult r = run(dir, "if-protocols2", InstructionCounting.BLOCKS, false, true);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        // as OVMF but for the GCD I/O space efiemu does not have; the key notification is registered and removed
        assertThat(lines(r, "ifproto2 ")).contains("ifproto2 ConInEx.RegisterKeyNotify EFI_SUCCESS if 1",
                "ifproto2 ConInEx.RegisterKeyNotify-null EFI_INVALID_PARAMETER if 0",
                "ifproto2 ConInEx.UnregisterKeyNotify EFI_SUCCESS if 1",
                "ifproto2 ConInEx.UnregisterKeyNotify-again EFI_INVALID_PARAMETER if 0",
                "ifproto2 DxeServices.GetIoSpaceDescriptor EFI_UNSUPPORTED if 0");
        assertThat(TplInterruptsOvmfLiveTest.answeredAsOvmf(lines(r, "ifproto2 ")))
                .containsExactlyElementsOf(TplInterruptsOvmfLiveTest.answeredAsOvmf(TplInterruptsOvmfLiveTest.IF_PROTOCOLS2));
    }

    @Test
    void aPciPollWhoseDelaySpansTimerTicksTakesThemInsideAndSeesWhatTheirNotificationWrote(@TempDir Path dir)
            throws IOException {
        for (InstructionCounting counting : InstructionCounting.values()) {
            BootResult r = run(dir, "poll-tick", counting, false, true);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            assertThat(lines(r, "poll-tick ")).as(counting.toString())
                    .containsExactlyElementsOf(TplInterruptsOvmfLiveTest.POLL_TICK);
            // the notification's tick is taken inside the poll: no TimerInterrupt between the poll and its return
            List<ServiceCallEvent> t = r.trace().stream().toList();
            assertThat(t).as(counting.toString()).anySatisfy(e -> {
                assertThat(e.service()).isEqualTo("PciRootBridgeIo.PollMem");
                assertThat(e.status()).isEqualTo("EFI_SUCCESS");
                assertThat(e.summary()).contains("matched after a timer tick");
            });
        }
    }

    @Test
    void popfAndIretqThatSetTheInterruptFlagTakeAPendingTickBeforeTheNextInstructionStiAfterItsShadowInBothCountingModes(
            @TempDir Path dir)
            throws IOException {
        for (InstructionCounting counting : InstructionCounting.values()) {
            BootResult r = run(dir, "popf-iretq", counting);
            assertThat(r.outcome()).as(counting + ": " + r.stopReport()).isEqualTo(BootOutcome.RETURNED);
            // STI's one-instruction shadow, none after POPF/IRETQ: the first load after them already sees the tick
            assertThat(lines(r, "popf-iretq ")).as(counting.toString())
                    .containsExactlyElementsOf(TplInterruptsOvmfLiveTest.POPF_IRETQ);
        }
    }
}
