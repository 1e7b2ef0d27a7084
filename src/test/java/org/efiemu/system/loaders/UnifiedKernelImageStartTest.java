package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.efiemu.core.pe.PeSection;
import org.efiemu.uefi.diagnostics.UnmetRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Unified Kernel Image built here from the systemd stub ({@link UnifiedKernelImage}), started up to its kernel's EFI
 * stub asking for its first protocols: the handing over of the {@code .initrd} section and the naming of the kernel
 * systemd-stub loads from its {@code .linux} section. {@link LoaderDiffTest} runs it to ExitBootServices against
 * QEMU + OVMF.
 */
class UnifiedKernelImageStartTest {
    @Test
    void unifiedKernelImageBuiltWithObjcopyHandsItsInitrdOverAndStartsItsKernelsEfiStub(@TempDir Path dir)
            throws Exception {
        Path uki = UnifiedKernelImage.build(dir);

        // up to the kernel's EFI stub asking for its first protocols (the rest, ~4.5 G instructions to
        // ExitBootServices, is LoaderDiffTest's part)
        PeImage kernel = PeParser.parse(Files.readAllBytes(DebianEfi.vmlinuz()), "vmlinuz");
        byte[] kernelFile = Files.readAllBytes(DebianEfi.vmlinuz());
        BootResult r;
        byte[] codeInCopy;
        long rvaInCopy;
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .payload(Files.readAllBytes(uki), "uki.efi").instructionCounting(InstructionCounting.BLOCKS)
                .instructionBudget(1_000_000_000L).wallClockLimit(Duration.ofMinutes(60)).build()) {
            r = m.run();
            UnmetRequest tcg2 = r.diagnosis().unmet().stream().filter(u -> u.what().startsWith("EFI_TCG2_PROTOCOL_GUID")
                    && u.caller().startsWith("uki.efi[.linux]+0x")).findFirst()
                    .orElseThrow(() -> new AssertionError("no TCG2 look-up from the kernel the stub loaded: " + r));
            // systemd-stub 252 starts the kernel with LoadImage(SourceBuffer = its .linux section): the kernel stub's
            // call site reads uki.efi[.linux]+0xOFFSET, the offset from where LoadImage placed the kernel
            java.util.regex.Matcher site = java.util.regex.Pattern.compile("uki\\.efi\\[\\.linux\\]\\+0x([0-9A-F]+)")
                    .matcher(tcg2.caller());
            assertThat(site.matches()).as(tcg2.caller()).isTrue();
            long source = r.image().base() + 0x2000000; // the .linux section's address in the loaded UKI
            assertThat(m.machine().memory().u16(source)).as("MZ at the .linux section").isEqualTo(0x5A4D);
            assertThat(r.trace()).anySatisfy(e -> {
                assertThat(e.service()).isEqualTo("LoadImage");
                assertThat(e.arguments()).contains(String.format("0x%X", source));
                assertThat(e.outputs()).anyMatch(o -> o.startsWith("uki.efi[.linux] at "));
            });
            rvaInCopy = Long.parseLong(site.group(1), 16);
            codeInCopy = m.machine().memory().read(tcg2.callerRip() - 16, 16);
        }
        // the systemd stub hands the .initrd section over as the kernel expects it: LoadFile2 behind the initrd path
        assertThat(r.trace()).as("%s", r).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("InstallMultipleProtocolInterfaces");
            assertThat(e.arguments()).contains("4006C0C1-FCB3-403E-996D-4A6C8724E06D");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
            assertThat(e.caller()).startsWith("uki.efi+0x");
        });
        // the code before the kernel stub's call site at offset X of the loaded kernel is the kernel file's code at RVA X
        PeSection text = kernel.sectionAt(rvaInCopy - 16).orElseThrow();
        int fileOffset = (int) (rvaInCopy - 16 - text.virtualAddress() + text.pointerToRawData());
        assertThat(codeInCopy).isEqualTo(java.util.Arrays.copyOfRange(kernelFile, fileOffset, fileOffset + 16));
    }
}
