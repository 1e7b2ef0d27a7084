package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.efiemu.core.pe.PeSection;
import org.efiemu.uefi.diagnostics.UnmetRequest;
import org.efiemu.uefi.fs.EspVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * shim ({@code shim-unsigned}'s shimx64.efi) starting {@code grubx64.efi} beside it on the ESP, and a Unified Kernel
 * Image built here from the systemd stub ({@code systemd-boot-efi}'s linuxx64.efi.stub) with {@code objcopy
 * --add-section}, started up to its kernel's EFI stub.
 */
class ShimAndUkiTest {
    @Test
    void shimStartsGrubBesideItWhichEfiemuFindsByItsPeHeader() {
        byte[] shim = DebianEfi.bytes(DebianEfi.file("shim-unsigned", "usr/lib/shim/shimx64.efi"));
        byte[] grub = DebianEfi.bytes(DebianEfi.file("grub-efi-amd64-bin",
                "usr/lib/grub/x86_64-efi/monolithic/grubx64.efi"));
        EspVolume esp = EspVolume.inMemory("ESP", false).addFile("\\EFI\\BOOT\\BOOTX64.EFI", shim)
                .addFile("\\EFI\\BOOT\\grubx64.efi", grub);
        AtomicReference<UefiMachine> machine = new AtomicReference<>();
        StringBuilder console = new StringBuilder();
        BootResult r;
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .payload(shim, "shimx64.efi").esp(esp).filePath("\\EFI\\BOOT\\BOOTX64.EFI")
                .instructionCounting(InstructionCounting.BLOCKS).instructionBudget(40_000_000_000L)
                .wallClockLimit(Duration.ofMinutes(25))
                .consoleListener((source, text) -> {
                    console.append(text);
                    if (console.indexOf("Welcome to GRUB!") >= 0) {
                        machine.get().machine().requestStop("GRUB started");
                    }
                }).build()) {
            machine.set(m);
            r = m.run();
        }
        assertThat(r.consoleText()).as("%s", r).contains("Welcome to GRUB!");
        // shim loads GRUB with its own PE loader (no LoadImage): its calls are placed by the PE header efiemu found
        assertThat(r.diagnosis().foundImages()).as("%s", r).isNotEmpty();
        assertThat(r.trace()).anySatisfy(e -> assertThat(e.caller()).startsWith(
                r.diagnosis().foundImages().get(0).name() + "+0x"));
    }

    @Test
    void unifiedKernelImageBuiltWithObjcopyHandsItsInitrdOverAndStartsItsKernelsEfiStub(@TempDir Path dir)
            throws Exception {
        Path stub = DebianEfi.file("systemd-boot-efi", "usr/lib/systemd/boot/efi/linuxx64.efi.stub");
        Path osrel = Files.writeString(dir.resolve("os-release"), "NAME=\"Debian GNU/Linux\"\nID=debian\n");
        Path cmdline = Files.writeString(dir.resolve("cmdline"), "efi=debug console=ttyS0 panic=1");
        Path initrd = Files.write(dir.resolve("initrd"), LinuxEfiStubTest.INITRD);
        Path uki = dir.resolve("uki.efi");
        // the systemd 252 stub finds its payload sections by name; their addresses lie above the stub's image
        Process p = new ProcessBuilder("objcopy", "--add-section", ".osrel=" + osrel, "--change-section-vma",
                ".osrel=0x20000", "--add-section", ".cmdline=" + cmdline, "--change-section-vma", ".cmdline=0x30000",
                "--add-section", ".linux=" + DebianEfi.vmlinuz(), "--change-section-vma", ".linux=0x2000000",
                "--add-section", ".initrd=" + initrd, "--change-section-vma", ".initrd=0x3000000", stub.toString(),
                uki.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("objcopy: %s", out).isZero();

        // up to the kernel's EFI stub asking for its first protocols (the stub's decompression, ~4.5 G instructions
        // before ExitBootServices, is LinuxEfiStubTest's part)
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
                    && u.caller().startsWith("image@0x")).findFirst()
                    .orElseThrow(() -> new AssertionError("no TCG2 look-up from the kernel the stub loaded: " + r));
            // systemd-stub 252 starts the kernel with LoadImage(SourceBuffer = its .linux section): the kernel stub's
            // call site reads image@0x<SourceBuffer>+0xOFFSET, the offset from where LoadImage placed the kernel
            java.util.regex.Matcher site = java.util.regex.Pattern.compile("image@0x([0-9A-F]+)\\+0x([0-9A-F]+)")
                    .matcher(tcg2.caller());
            assertThat(site.matches()).as(tcg2.caller()).isTrue();
            long source = Long.parseLong(site.group(1), 16);
            assertThat(m.machine().memory().u16(source)).as("MZ at the .linux section").isEqualTo(0x5A4D);
            assertThat(r.image().contains(source)).as(".linux lies in the UKI image").isTrue();
            rvaInCopy = Long.parseLong(site.group(2), 16);
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
