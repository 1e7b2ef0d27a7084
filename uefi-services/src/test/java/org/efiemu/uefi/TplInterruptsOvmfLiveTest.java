package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFLAGS.IF around protocol functions and where a pending tick is taken in a service, on real QEMU 7.2 q35 + OVMF
 * 2022.11 (Debian packages, provisioned; {@code -device virtio-rng-pci} so that OVMF has an EFI_RNG_PROTOCOL) and on
 * efiemu, line for line: {@code release-notify} (a tick pending under the caller's {@code cli} is taken inside the
 * service where EDK2 releases its lock: a notification it runs sees GetMemoryMap's {@code *MemoryMapSize} not yet
 * written, HandleProtocol's and AllocatePool's OUT values written, CreateEvent's {@code *Event} not yet written, and
 * runs inside CloseEvent) and {@code if-protocols} (IF after ~50 calls of
 * BlockIo, DiskIo, SimpleFileSystem/File, GOP, SerialIo, Rng, PciIo and ConOut/ConIn functions made after
 * {@code cli}) and {@code popf-iretq} (a pending tick comes right after POPF/IRETQ set IF: no shadow), {@code
 * if-protocols2} (IF after the PCI root bridge, the other PciIo functions, DiskInfo, ConInEx, the Shell's StdOut and
 * the DXE services) and {@code poll-tick} (a PCI PollMem whose Delay spans ticks takes them inside and sees what
 * their notification wrote). The UEFI Shell runs the cases from {@code startup.nsh}.
 */
class TplInterruptsOvmfLiveTest {
    /**
     * What QEMU + OVMF printed for {@code release-notify} (2026-12-07, also by hand; the CreateEvent and CloseEvent
     * lines measured by helper "ticks", where efiemu had {@code after 0}: the tick taken, its timers fired 10 ms later).
     */
    static final List<String> RELEASE_NOTIFY = List.of(
            "release-notify GetMemoryMap EFI_BUFFER_TOO_SMALL during 0 after 1 if 1 seen unwritten",
            "release-notify HandleProtocol EFI_SUCCESS during 0 after 1 if 1 seen written",
            "release-notify AllocatePool EFI_SUCCESS during 0 after 1 if 1 seen written",
            "release-notify CreateEvent EFI_SUCCESS during 0 after 1 if 1 seen unwritten",
            "release-notify CloseEvent EFI_SUCCESS during 0 after 1 if 1 seen unwritten");

    /**
     * What QEMU + OVMF printed for {@code popf-iretq} (2026-12-07, also by hand): STI's shadow (the load after
     * {@code sti; nop} sees the tick), none after POPF/IRETQ (the first load after them sees it).
     */
    static final List<String> POPF_IRETQ = List.of("popf-iretq sti during 0 first 1 after-jump 1",
            "popf-iretq popf during 0 first 1 after-jump 1", "popf-iretq iretq during 0 first 1 after-jump 1");

    /** What QEMU + OVMF printed for {@code if-protocols} (2026-12-07, also by hand). */
    static final List<String> IF_PROTOCOLS = List.of(
            "ifproto BlockIo.ReadBlocks EFI_SUCCESS if 1",
            "ifproto BlockIo.ReadBlocks-bad-size EFI_BAD_BUFFER_SIZE if 1",
            "ifproto BlockIo.ReadBlocks-other-media 0x800000000000000d if 1",
            "ifproto BlockIo.ReadBlocks-past-end EFI_INVALID_PARAMETER if 1",
            "ifproto BlockIo.ReadBlocks-zero EFI_SUCCESS if 1",
            "ifproto BlockIo.FlushBlocks EFI_SUCCESS if 0",
            "ifproto BlockIo.Reset EFI_SUCCESS if 1",
            "ifproto BlockIo-disk.ReadBlocks EFI_SUCCESS if 1",
            "ifproto BlockIo-disk.ReadBlocks-bad-size EFI_BAD_BUFFER_SIZE if 0",
            "ifproto BlockIo-disk.ReadBlocks-other-media 0x800000000000000d if 0",
            "ifproto BlockIo-disk.ReadBlocks-zero EFI_SUCCESS if 0",
            "ifproto BlockIo-disk.FlushBlocks EFI_SUCCESS if 0",
            "ifproto BlockIo-disk.Reset EFI_SUCCESS if 1",
            "ifproto DiskIo.ReadDisk EFI_SUCCESS if 1",
            "ifproto DiskIo.ReadDisk-other-media 0x800000000000000d if 1",
            "ifproto DiskIo.ReadDisk-past-end EFI_INVALID_PARAMETER if 1",
            "ifproto DiskIo.ReadDisk-zero EFI_SUCCESS if 1",
            "ifproto Fs.OpenVolume EFI_SUCCESS if 1",
            "ifproto File.Open EFI_SUCCESS if 1",
            "ifproto File.Open-not-found EFI_NOT_FOUND if 1",
            "ifproto File.Read EFI_SUCCESS if 1",
            "ifproto File.GetPosition EFI_SUCCESS if 0",
            "ifproto File.SetPosition EFI_SUCCESS if 1",
            "ifproto File.GetInfo EFI_SUCCESS if 1",
            "ifproto File.GetInfo-too-small EFI_BUFFER_TOO_SMALL if 1",
            "ifproto File.Flush EFI_ACCESS_DENIED if 0",
            "ifproto File.Close EFI_SUCCESS if 1",
            "ifproto File.Close-root EFI_SUCCESS if 1",
            "ifproto GOP.QueryMode EFI_SUCCESS if 1",
            "ifproto GOP.QueryMode-bad-mode EFI_INVALID_PARAMETER if 0",
            "ifproto GOP.Blt EFI_SUCCESS if 1",
            "ifproto GOP.Blt-bad-operation EFI_INVALID_PARAMETER if 1",
            "ifproto GOP.Blt-zero EFI_INVALID_PARAMETER if 1",
            "ifproto SerialIo.GetControl EFI_SUCCESS if 1",
            "ifproto SerialIo.Write-zero EFI_SUCCESS if 0",
            "ifproto SerialIo.Read-zero EFI_SUCCESS if 0",
            "ifproto SerialIo.Write EFI_SUCCESS if 1",
            "ifproto Rng.GetInfo EFI_SUCCESS if 0",
            "ifproto Rng.GetRNG EFI_SUCCESS if 1",
            "ifproto Rng.GetRNG-zero EFI_INVALID_PARAMETER if 0",
            "ifproto PciIo.Pci.Read EFI_SUCCESS if 0",
            "ifproto PciIo.GetLocation EFI_SUCCESS if 0",
            "ifproto PciIo.Attributes-get EFI_SUCCESS if 0",
            "ifproto PciIo.GetBarAttributes-no-bar EFI_UNSUPPORTED if 0",
            "ifproto PciIo.GetBarAttributes EFI_SUCCESS if 1",
            "ifproto ConOut.QueryMode EFI_SUCCESS if 0",
            "ifproto ConOut.SetAttribute EFI_SUCCESS if 0",
            "ifproto ConOut.SetAttribute-changed EFI_SUCCESS if 1",
            "ifproto ConOut.TestString EFI_SUCCESS if 1",
            "ifproto ConOut.EnableCursor EFI_SUCCESS if 1",
            "ifproto ConOut.SetCursorPosition EFI_SUCCESS if 1",
            "ifproto ConIn.Reset EFI_SUCCESS if 1");

    /** What QEMU + OVMF printed for {@code if-protocols2} (2026-12-07, also by hand). */
    static final List<String> IF_PROTOCOLS2 = List.of(
            "ifproto2 PciIo.Mem.Read EFI_SUCCESS if 0",
            "ifproto2 PciIo.Mem.Write EFI_SUCCESS if 0",
            "ifproto2 PciIo.Io.Read-no-bar EFI_UNSUPPORTED if 0",
            "ifproto2 PciIo.Pci.Write EFI_SUCCESS if 0",
            "ifproto2 PciIo.PollMem EFI_SUCCESS if 0",
            "ifproto2 PciIo.CopyMem EFI_SUCCESS if 0",
            "ifproto2 PciIo.Flush EFI_SUCCESS if 0",
            "ifproto2 PciIo.SetBarAttributes EFI_SUCCESS if 0",
            "ifproto2 PciIo.AllocateBuffer EFI_SUCCESS if 1",
            "ifproto2 PciIo.Map EFI_SUCCESS if 0",
            "ifproto2 PciIo.Unmap EFI_SUCCESS if 0",
            "ifproto2 PciIo.FreeBuffer EFI_SUCCESS if 1",
            "ifproto2 PciIo.Mem.Read-bad-bar EFI_UNSUPPORTED if 0",
            "ifproto2 PciIo.PollMem-timeout EFI_TIMEOUT if 1",
            "ifproto2 PciIo.PollMem-result-null EFI_INVALID_PARAMETER if 1",
            "ifproto2 PciIo.AllocateBuffer-bad-type EFI_INVALID_PARAMETER if 1",
            "ifproto2 PciIo.AllocateBuffer-bad-attributes EFI_UNSUPPORTED if 0",
            "ifproto2 PciIo.FreeBuffer-again EFI_NOT_FOUND if 1",
            "ifproto2 PciIo.Mem.Read-misaligned EFI_UNSUPPORTED if 1",
            "ifproto2 PciIo.Mem.Write-misaligned EFI_UNSUPPORTED if 1",
            "ifproto2 PciIo.Pci.Read-misaligned EFI_UNSUPPORTED if 1",
            "ifproto2 PciIo.Pci.Read-null-buffer EFI_INVALID_PARAMETER if 1",
            "ifproto2 PciIo.Pci.Write-beyond EFI_UNSUPPORTED if 0",
            "ifproto2 PciIo.CopyMem-misaligned EFI_UNSUPPORTED if 1",
            "ifproto2 PciIo.CopyMem-beyond EFI_UNSUPPORTED if 0",
            "ifproto2 PciRootBridgeIo.Pci.Read EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.Mem.Read EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.Mem.Write EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.Io.Read EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.PollMem EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.CopyMem EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.Flush EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.GetAttributes EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.SetAttributes EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.Configuration EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.AllocateBuffer EFI_SUCCESS if 1",
            "ifproto2 PciRootBridgeIo.Map EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.Unmap EFI_SUCCESS if 0",
            "ifproto2 PciRootBridgeIo.FreeBuffer EFI_SUCCESS if 1",
            "ifproto2 PciRootBridgeIo.PollMem-timeout EFI_TIMEOUT if 0",
            "ifproto2 PciRootBridgeIo.AllocateBuffer-bad-type EFI_INVALID_PARAMETER if 0",
            "ifproto2 PciRootBridgeIo.FreeBuffer-again EFI_NOT_FOUND if 1",
            "ifproto2 DiskInfo.Identify EFI_SUCCESS if 0",
            "ifproto2 DiskInfo.Identify-too-small EFI_BUFFER_TOO_SMALL if 0",
            "ifproto2 DiskInfo.Inquiry EFI_NOT_FOUND if 0",
            "ifproto2 DiskInfo.SenseData EFI_NOT_FOUND if 0",
            "ifproto2 DiskInfo.WhichIde EFI_SUCCESS if 0",
            "ifproto2 ConInEx.SetState EFI_SUCCESS if 1",
            "ifproto2 ConInEx.SetState-null EFI_INVALID_PARAMETER if 0",
            "ifproto2 ConInEx.RegisterKeyNotify EFI_SUCCESS if 1",
            "ifproto2 ConInEx.RegisterKeyNotify-null EFI_INVALID_PARAMETER if 0",
            "ifproto2 ConInEx.UnregisterKeyNotify EFI_SUCCESS if 1",
            "ifproto2 ConInEx.UnregisterKeyNotify-again EFI_INVALID_PARAMETER if 0",
            "ifproto2 Shell.StdOut.Write EFI_SUCCESS if 1",
            "ifproto2 Shell.StdOut.GetPosition EFI_UNSUPPORTED if 0",
            "ifproto2 Shell.StdOut.Flush EFI_SUCCESS if 0",
            "ifproto2 DxeServices.GetMemorySpaceDescriptor EFI_SUCCESS if 1",
            "ifproto2 DxeServices.GetMemorySpaceDescriptor-null EFI_INVALID_PARAMETER if 0",
            "ifproto2 DxeServices.GetMemorySpaceMap EFI_SUCCESS if 1",
            "ifproto2 DxeServices.GetMemorySpaceMap-null EFI_INVALID_PARAMETER if 0",
            "ifproto2 DxeServices.GetIoSpaceDescriptor EFI_SUCCESS if 1",
            "ifproto2 DxeServices.GetIoSpaceMap EFI_SUCCESS if 1");

    /**
     * What QEMU + OVMF printed for {@code poll-tick} (2026-12-07, also by hand): the polls see the value a tick's
     * notification wrote at the second tick (OVMF's poll spins with interrupts on); with {@code cli} they time out,
     * and PciIo's reports the timeout as a status code, whose TPL restore sets IF and takes the pending tick.
     */
    static final List<String> POLL_TICK = List.of(
            "poll-tick PciRootBridgeIo.PollMem EFI_SUCCESS result 0xa5a5a5 ticks 2",
            "poll-tick PciRootBridgeIo.PollMem-cli EFI_TIMEOUT result 0x0 ticks 0 if 0",
            "poll-tick PciIo.PollMem EFI_SUCCESS result 0x5a5a5a ticks 2",
            "poll-tick PciIo.PollMem-cli EFI_TIMEOUT result 0x0 ticks 1 if 1");

    /** The lines efiemu prints as well: the module's test platform has no PCI functions ("ifproto PciIo none"). */
    static List<String> withoutPci(List<String> lines) {
        return lines.stream().filter(l -> !l.startsWith("ifproto PciIo")).toList();
    }

    /**
     * The {@code if-protocols2} lines efiemu answers as OVMF: all but the DXE services' GCD I/O space (not implemented
     * by efiemu: EFI_UNSUPPORTED).
     */
    static List<String> answeredAsOvmf(List<String> lines) {
        return lines.stream().filter(l -> !l.startsWith("ifproto2 DxeServices.GetIoSpace")).toList();
    }

    @Test
    void protocolFunctionsAndTheLockReleaseTakeTicksAndSetInterruptsAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        String com1 = OvmfShellRun.com1(dir, List.of("timer-tick"), List.of("fs0:\\timer-tick.efi release-notify",
                "fs0:\\timer-tick.efi if-protocols", "fs0:\\timer-tick.efi popf-iretq",
                "fs0:\\timer-tick.efi if-protocols2", "fs0:\\timer-tick.efi poll-tick"), 400,
                List.of("-device", "virtio-rng-pci"));
        List<String> release = TimerCornersOvmfLiveTest.lines(com1, "release-notify ");
        List<String> protocols = TimerCornersOvmfLiveTest.lines(com1, "ifproto ");
        // EDK2 and OVMF's drivers, seen on the real firmware first
        assertThat(release).as("QEMU + OVMF").containsExactlyElementsOf(RELEASE_NOTIFY);
        assertThat(protocols).as("QEMU + OVMF").containsExactlyElementsOf(IF_PROTOCOLS);
        assertThat(TimerCornersOvmfLiveTest.lines(com1, "popf-iretq ")).as("QEMU + OVMF")
                .containsExactlyElementsOf(POPF_IRETQ);
        // efiemu, in both counting modes
        for (InstructionCounting counting : InstructionCounting.values()) {
            assertThat(TplInterruptsPayloadTest.lines(TplInterruptsPayloadTest.run(dir, "release-notify", counting),
                    "release-notify ")).as(counting.toString()).containsExactlyElementsOf(release);
        }
        for (InstructionCounting counting : InstructionCounting.values()) {
            assertThat(TplInterruptsPayloadTest.lines(TplInterruptsPayloadTest.run(dir, "popf-iretq", counting),
                    "popf-iretq ")).as(counting.toString()).containsExactlyElementsOf(POPF_IRETQ);
        }
        List<String> efiemu = TplInterruptsPayloadTest.lines(TplInterruptsPayloadTest.run(dir, "if-protocols",
                InstructionCounting.BLOCKS), "ifproto ");
        assertThat(withoutPci(efiemu)).containsExactlyElementsOf(withoutPci(protocols));
        // the second probe and the polls across ticks, on the platform with OVMF's stdvga PCI function
        List<String> protocols2 = TimerCornersOvmfLiveTest.lines(com1, "ifproto2 ");
        assertThat(protocols2).as("QEMU + OVMF").containsExactlyElementsOf(IF_PROTOCOLS2);
        List<String> poll = TimerCornersOvmfLiveTest.lines(com1, "poll-tick ");
        assertThat(poll).as("QEMU + OVMF").containsExactlyElementsOf(POLL_TICK);
        assertThat(answeredAsOvmf(TplInterruptsPayloadTest.lines(TplInterruptsPayloadTest.run(dir, "if-protocols2",
                InstructionCounting.BLOCKS, false, true), "ifproto2 "))).containsExactlyElementsOf(answeredAsOvmf(protocols2));
        for (InstructionCounting counting : InstructionCounting.values()) {
            assertThat(TplInterruptsPayloadTest.lines(TplInterruptsPayloadTest.run(dir, "poll-tick", counting, false,
                    true), "poll-tick ")).as(counting.toString()).containsExactlyElementsOf(poll);
        }
    }
}
