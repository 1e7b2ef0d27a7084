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
 * The DXE services table, the HOB list and the PCI protocols used the way boot loaders use them (the
 * {@code loader-probes} payload: Linux's EFI stub's GetMemorySpaceDescriptor and bridge walk, Xen's ROM walk, a root
 * bridge walk of bus 0) on the OVMF q35 profile, whose configuration-tables and pci-device lines were captured from
 * OVMF; and calls efiemu does not model: EFI_UNSUPPORTED, recorded as unimplemented.
 */
class LoaderProbesTest {
    private static BootResult run(String profile) throws IOException {
        byte[] payload = Files.readAllBytes(Path.of("target/test-classes/payloads/loader-probes.efi"));
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription())
                .payload(payload, "loader-probes.efi").build()) {
            return m.run();
        }
    }

    @Test
    void loadersFindDxeServicesTheHobListAndOvmfsPciFunctionsAndUnmodelledCallsAreRecorded() throws IOException {
        BootResult r = run("ovmf-q35-2g");
        assertThat(r.outcome()).isEqualTo(BootOutcome.RETURNED);
        String out = r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "");
        assertThat(out).contains(
                "dxe: GetMemorySpaceDescriptor(image) = EFI_SUCCESS type=2 covers=1 attributes=0x0 xp-or-ro=0\n",
                "dxe: GetMemorySpaceMap = EFI_SUCCESS entries>10=1 gaps=0 top=0x1000000000\n",
                "dxe: FreePool(map) = EFI_SUCCESS\n",
                "dxe: SetMemorySpaceAttributes(WB) = EFI_SUCCESS\n",
                "dxe: AddMemorySpace = EFI_UNSUPPORTED\n",
                "hob: walked to END_OF_HOB_LIST after more than 3 HOBs\n",
                "pci: PciIo handles=5 (EFI_SUCCESS)\n",
                "pci: 00:00.0 vendor=8086 class=060000 bridge=0 rom=no attributes=0x4700 (EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS)\n",
                "pci: 00:01.0 vendor=1234 class=030000 bridge=0 rom=yes attributes=0x40708 (EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS)\n",
                "pci: 00:1f.2 vendor=8086 class=010601 bridge=0 rom=no attributes=0xc700 (EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS)\n",
                "pci: Attributes(Enable, unsupported bit) = EFI_UNSUPPORTED\n",
                "pci: GetBarAttributes = EFI_UNSUPPORTED\n",
                "rootbridge: LocateProtocol = EFI_SUCCESS\n",
                "rootbridge: 00:01.0 id=11111234\n",
                "rootbridge: 00:1f.0 id=29188086\n",
                "rootbridge: bus 0 devices answering=3\n",
                // the root bridge's Mem.Read is answered from the profile's pci-root-bridge line (OVMF's apertures)
                "rootbridge: Mem.Read = EFI_SUCCESS\n");
        assertThat(r.unimplementedCalls()).extracting(UnimplementedCall::service).containsExactly(
                "DxeServices.AddMemorySpace");
    }

    @Test
    void aProfileWithoutTheKeysHasNoDxeServicesNoHobListAndNoPciHandles() throws IOException {
        BootResult r = run("ibm-system-x3550-m2");
        String out = r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "");
        assertThat(out).contains("dxe: no DXE services table\n", "pci: PciIo handles=0 (EFI_NOT_FOUND)\n",
                "rootbridge: LocateProtocol = EFI_NOT_FOUND\n").doesNotContain("hob:");
        assertThat(r.unimplementedCalls()).isEmpty();
    }
}
