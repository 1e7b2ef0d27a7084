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
 * written, HandleProtocol's and AllocatePool's OUT values written) and {@code if-protocols} (IF after ~50 calls of
 * BlockIo, DiskIo, SimpleFileSystem/File, GOP, SerialIo, Rng, PciIo and ConOut/ConIn functions made after
 * {@code cli}) and {@code popf-iretq} (a pending tick comes right after POPF/IRETQ set IF: no shadow). The UEFI
 * Shell runs the cases from {@code startup.nsh}.
 */
class TplInterruptsOvmfLiveTest {
    /** What QEMU + OVMF printed for {@code release-notify} (2026-12-07, also by hand). */
    static final List<String> RELEASE_NOTIFY = List.of(
            "release-notify GetMemoryMap EFI_BUFFER_TOO_SMALL during 0 after 1 if 1 seen unwritten",
            "release-notify HandleProtocol EFI_SUCCESS during 0 after 1 if 1 seen written",
            "release-notify AllocatePool EFI_SUCCESS during 0 after 1 if 1 seen written");

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

    /** The lines efiemu prints as well: the module's test platform has no PCI functions ("ifproto PciIo none"). */
    static List<String> withoutPci(List<String> lines) {
        return lines.stream().filter(l -> !l.startsWith("ifproto PciIo")).toList();
    }

    @Test
    void protocolFunctionsAndTheLockReleaseTakeTicksAndSetInterruptsAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        String com1 = OvmfShellRun.com1(dir, List.of("timer-tick"), List.of("fs0:\\timer-tick.efi release-notify",
                "fs0:\\timer-tick.efi if-protocols", "fs0:\\timer-tick.efi popf-iretq"), 400,
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
    }
}
