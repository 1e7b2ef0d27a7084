package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.firmware.UnimplementedCall;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.Test;

/**
 * EFI_PCI_IO_PROTOCOL on the ovmf-q35-2g profile (its pci-device, pci-rom and pci-bar lines captured from QEMU 7.2 +
 * OVMF 2022.11) through the payload {@code platforms/src/test/c/pci-abi}: the option ROM in boot-services data, BAR
 * reads as captured, the framebuffer BAR as memory, GetBarAttributes' descriptors in pool the caller frees, DMA
 * buffers below 4 GiB with identity mappings, and every wild argument answered with the spec's status (UEFI 2.10
 * §14.4; EDK2 PciBusDxe's order of checks), never a Java exception or a stop.
 */
class PciIoAbiTest {
    private static BootResult run() throws IOException {
        byte[] payload = Files.readAllBytes(Path.of("target/test-classes/payloads/pci-abi.efi"));
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .payload(payload, "pci-abi.efi").build()) {
            return m.run();
        }
    }

    @Test
    void pciIoAnswersAsOvmfAndWildPointersGetInvalidParameter() throws IOException {
        BootResult r = run();
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.status()).contains(0L);
        String out = r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "");
        assertThat(out).contains(
                "rom: size=39936 signature=55aa\n",
                "rom: in EfiBootServicesData=1\n",
                // QEMU's EDID header at the stdvga MMIO BAR, as OVMF's Mem.Read returned it
                "Mem.Read(vga bar 2, Uint32 x2) = EFI_SUCCESS\n", "edid: ffffff00 00ffffff\n",
                // the whole 4 KiB register BAR is captured: at 0x500 the Bochs display interface's index and ID (0xB0C5)
                "Mem.Read(vga bar 2, offset 0x500) = EFI_SUCCESS\n", "beyond: 0500b0c5\n",
                "Mem.Write(vga bar 0, framebuffer) = EFI_SUCCESS\n", "Mem.Read(vga bar 0, framebuffer) = EFI_SUCCESS\n",
                "framebuffer: 00123456 at bar 0 + 0x100 reads 00123456\n",
                "Io.Read(sata bar 4, Uint8 x4) = EFI_SUCCESS\n", "io: 00000000\n",
                "Mem.Read(sata bar 4 is I/O) = EFI_UNSUPPORTED\n",
                "Mem.Read(host bridge bar 0) = EFI_UNSUPPORTED\n",
                "Mem.Read(bar 6) = EFI_UNSUPPORTED\n",
                "Mem.Read(misaligned offset) = EFI_UNSUPPORTED\n",
                "Mem.Read(past the BAR) = EFI_UNSUPPORTED\n",
                "Mem.Read(width 12) = EFI_INVALID_PARAMETER\n",
                "Mem.Read(Buffer NULL) = EFI_INVALID_PARAMETER\n",
                "Mem.Read(Buffer wild) = EFI_INVALID_PARAMETER\n",
                "GetBarAttributes(vga bar 0) = EFI_SUCCESS supports=0x0 desc=8a type=0 base=0xc0000000 len=0x1000000 end=79\n",
                "FreePool(resources) = EFI_SUCCESS\n",
                "GetBarAttributes(vga bar 1) = EFI_UNSUPPORTED\n",
                "GetBarAttributes(both NULL) = EFI_INVALID_PARAMETER\n",
                "GetBarAttributes(Supports only) = EFI_SUCCESS\n",
                "GetBarAttributes(Resources wild) = EFI_INVALID_PARAMETER\n",
                "GetBarAttributes(Supports misaligned) = EFI_INVALID_PARAMETER\n",
                "AllocateBuffer(2 pages) = EFI_SUCCESS below4g=1 aligned=1\n",
                "Map(common buffer) = EFI_SUCCESS identity=1 bytes=0x2000 mapping=0xffffffffffffffff\n",
                "Unmap = EFI_SUCCESS\n",
                "Unmap(never handed out) = EFI_INVALID_PARAMETER\n",
                "Map(operation 3) = EFI_INVALID_PARAMETER\n",
                "Map(NumberOfBytes NULL) = EFI_INVALID_PARAMETER\n",
                "Map(DeviceAddress wild) = EFI_INVALID_PARAMETER\n",
                "Map(Mapping misaligned) = EFI_INVALID_PARAMETER\n",
                "FreeBuffer = EFI_SUCCESS\n",
                "FreeBuffer(again) = EFI_NOT_FOUND\n",
                "AllocateBuffer(EfiLoaderData) = EFI_INVALID_PARAMETER\n",
                "AllocateBuffer(attribute IO) = EFI_UNSUPPORTED\n",
                "AllocateBuffer(HostAddress NULL) = EFI_INVALID_PARAMETER\n",
                "AllocateBuffer(HostAddress wild) = EFI_INVALID_PARAMETER\n",
                // PollMem (the captured EDID header's first dword), a poll that times out, SetBarAttributes, CopyMem
                "PollMem = EFI_SUCCESS\n", "poll: 0xffffff00\n",
                "PollMem(no match, Delay 100 us) = EFI_TIMEOUT\n",
                "PollMem(Result wild) = EFI_INVALID_PARAMETER\n",
                "PollMem(Result misaligned) = EFI_INVALID_PARAMETER\n",
                "PollIo(Result wild) = EFI_INVALID_PARAMETER\n",
                "SetBarAttributes = EFI_SUCCESS\n",
                "SetBarAttributes(Offset wild) = EFI_INVALID_PARAMETER\n",
                "SetBarAttributes(Length misaligned) = EFI_INVALID_PARAMETER\n",
                "CopyMem(framebuffer 0x200 -> 0x300) = EFI_SUCCESS\n", "copied: 00abcdef\n",
                // the root bridge: OVMF's attributes, Configuration, Mem at a BAR, DMA; wild pointers
                "RootBridge.GetAttributes = EFI_SUCCESS\n", "root bridge: supports=0x70069 attributes=0x70069\n",
                "RootBridge.GetAttributes(Supported wild) = EFI_INVALID_PARAMETER\n",
                "RootBridge.Configuration = EFI_SUCCESS\n", "configuration: 8a\n",
                "RootBridge.Configuration(Resources wild) = EFI_INVALID_PARAMETER\n",
                "RootBridge.Mem.Read(vga bar 2) = EFI_SUCCESS\n", "rb edid: ffffff00 00ffffff\n",
                "RootBridge.Mem.Read(Buffer wild) = EFI_INVALID_PARAMETER\n",
                "RootBridge.PollMem(Result wild) = EFI_INVALID_PARAMETER\n",
                "RootBridge.AllocateBuffer = EFI_SUCCESS\n",
                "RootBridge.Map(Mapping wild) = EFI_INVALID_PARAMETER\n",
                "RootBridge.Map(BusMasterRead64) = EFI_SUCCESS\n", "RootBridge.Unmap = EFI_SUCCESS\n",
                "RootBridge.FreeBuffer = EFI_SUCCESS\n");
        // every PCI function is answered by the model: none is recorded as unimplemented
        assertThat(r.unimplementedCalls()).extracting(UnimplementedCall::service).isEmpty();
        // the poll that timed out took its 100 us of virtual time
        assertThat(r.virtualNanos()).isGreaterThan(100_000L);
        assertThat(r.violations()).isEmpty();
    }
}
