package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.efiemu.core.pe.PeParser;
import org.efiemu.core.pe.PeSection;
import org.efiemu.earlyalloc.diff.DiffReport;
import org.efiemu.earlyalloc.diff.DiffRunner;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.qemu.QemuOvmf;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code efiemu diff} over the loaders Debian ships, each run LIVE on real QEMU + OVMF (Debian qemu-system-x86 and
 * ovmf) and on efiemu with the same ESP and LoadOptions: the kernel's EFI stub with efi=debug, a Unified Kernel Image
 * built here from the systemd stub, shim starting GRUB beside it, and GRUB alone. Each test asserts the first
 * divergence, or that there is none, and how both ended.
 *
 * <p>The two kernels run on efiemu to ExitBootServices (≈ 4.5 G guest instructions each: the stub's work before it,
 * counted by block) and on QEMU until the kernel's first line after ExitBootServices; only the stub's
 * {@code EFI stub: } lines are compared, the kernel's boot log after ExitBootServices being QEMU's alone.
 */
class LoaderDiffTest {
    /** The lines the kernel's EFI stub prints (efi=debug adds its debug lines to them). */
    static final Pattern STUB_LINES = Pattern.compile("^EFI stub: ");
    /** The kernel's first line after ExitBootServices (console=ttyS0): QEMU is stopped there. */
    static final Pattern KERNEL_STARTED = Pattern.compile("^\\[ *0\\.0+\\] Linux version ");
    /** The kernel's command line, printed right after its first line: QEMU is stopped there. */
    static final Pattern KERNEL_COMMAND_LINE = Pattern.compile("^\\[ *0\\.0+\\] Command line: ");

    @BeforeAll
    static void qemuAndOvmfAreInstalled() {
        new QemuOvmf().missing().ifPresent(m -> {
            throw new IllegalStateException(m + " (scripts/provision.sh installs them)");
        });
    }

    static DiffReport diff(byte[] payload, String name, Path esp, String path, String options, boolean untilEbs,
            Pattern compare, Pattern qemuStopAt) throws Exception {
        return diff(payload, name, esp, path, options, untilEbs, compare, qemuStopAt, null);
    }

    static DiffReport diff(byte[] payload, String name, Path esp, String path, String options, boolean untilEbs,
            Pattern compare, Pattern qemuStopAt, BiConsumer<UefiMachine, BootResult> inspect) throws Exception {
        return new DiffRunner(new QemuOvmf()).run(new DiffRunner.Request(
                ProfileRegistry.standard().resolve("ovmf-q35-2g"), payload, name, esp, path, options, 20_000_000_000L,
                Duration.ofMinutes(10), Duration.ofMinutes(60), untilEbs, compare, qemuStopAt, inspect));
    }

    /**
     * What the kernel's stub left for the kernel when ExitBootServices returned on efiemu: its boot_params, the
     * system table's address, the final map efiemu gave, the bytes at boot_params' efi_memmap and at its ramdisk.
     */
    record HandOff(BootParams params, long systemTable, byte[] finalMap, byte[] mapAtEfiMemmap, byte[] ramdisk) {
        static HandOff of(UefiMachine m, BootResult r) {
            var memory = m.machine().memory();
            List<String> seen = new java.util.ArrayList<>();
            BootParams p = BootParams.find(memory, r.finalMap().orElseThrow(), m.systemTable().address(), seen)
                    .orElseThrow(() -> new AssertionError("no boot_params (EL64, the system table, 48) in loader or "
                            + "boot-services data: " + seen + "\n" + r));
            return new HandOff(p, m.systemTable().address(), r.finalMap().get().toBytes(),
                    memory.read(p.memoryMap(), (int) p.memoryMapSize()),
                    memory.read(p.ramdiskImage(), (int) p.ramdiskSize()));
        }

        /** The hand-off is the one the kernel expects: the map it will use is the final map, its initrd is ours. */
        void check(String commandLine) {
            assertThat(params.systemTable()).as("%s", params).isEqualTo(systemTable);
            assertThat(params.descriptorSize()).isEqualTo(48);
            assertThat(params.descriptorVersion()).isEqualTo(1);
            assertThat(mapAtEfiMemmap).as("the map at efi_memmap is the final map (%s)", params).isEqualTo(finalMap);
            assertThat(params.commandLine()).isEqualTo(commandLine);
            assertThat(ramdisk).as("the initrd at hdr.ramdisk_image").isEqualTo(LinuxEfiStubTest.INITRD);
        }
    }

    /** The lines without trailing blanks (which the comparison ignores). */
    static List<String> stripped(List<String> lines) {
        return lines.stream().map(String::stripTrailing).toList();
    }

    static String render(DiffReport d) {
        return String.join("\n", d.render());
    }

    /** The stub's lines in the stored capture of the same kernel on OVMF ({@code linux/ovmf-q35-2g...}). */
    static List<String> storedStubLines() throws IOException {
        try (InputStream in = LoaderDiffTest.class.getResourceAsStream("/linux/ovmf-q35-2g.vmlinuz-efi-debug.serial.txt")) {
            return LinuxEfiStubTest.stubLines(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static String storedCommandLine() throws IOException {
        try (InputStream in = LoaderDiffTest.class.getResourceAsStream("/linux/ovmf-q35-2g.vmlinuz-efi-debug.serial.txt")) {
            String prefix = "[    0.000000] Command line: ";
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> l.startsWith(prefix))
                    .map(l -> l.substring(prefix.length())).findFirst().orElseThrow();
        }
    }

    @Test
    void kernelWithEfiDebugPrintsOvmfsStubLinesLiveAndHandsTheFinalMapAndInitrdOverAtExitBootServices(@TempDir Path esp) throws Exception {
        Files.write(esp.resolve("vmlinuz.efi"), DebianEfi.bytes(DebianEfi.vmlinuz()));
        Files.write(esp.resolve("initrd.img"), LinuxEfiStubTest.INITRD);
        AtomicReference<HandOff> handOff = new AtomicReference<>();
        DiffReport d = diff(DebianEfi.bytes(DebianEfi.vmlinuz()), "vmlinuz.efi", esp, "\\vmlinuz.efi",
                "initrd=\\initrd.img efi=debug console=ttyS0 panic=1", true, STUB_LINES, KERNEL_STARTED,
                (m, r) -> handOff.set(HandOff.of(m, r)));
        assertThat(d.firstDivergence()).as(render(d)).isEmpty();
        assertThat(d.real()).as(render(d)).containsExactly("EFI stub: Loaded initrd from command line option")
                .isEqualTo(storedStubLines());
        assertThat(d.emulatedEnding()).isEqualTo("stopped after ExitBootServices");
        assertThat(d.realEnding()).startsWith("did not return; stopped at the line \"[    0.000000] Linux version 6.1.");
        // the command line the real kernel printed on OVMF (the stored capture's "Command line: " line)
        handOff.get().check(storedCommandLine());
        assertThat(d.same()).isTrue();
        assertThat(d.diagnosis()).as(render(d)).anyMatch(l -> l.matches("stopped at 0x[0-9A-F]+ \\(ExitBootServices stub\\)"))
                .anyMatch(l -> l.matches(".*EFI_TCG2_PROTOCOL_GUID .*: LocateProtocol = EFI_NOT_FOUND from vmlinuz\\.efi\\+0x[0-9A-F]+ .*"));
    }

    @Test
    void unifiedKernelImageRunsToExitBootServicesPrintingOvmfsStubLinesLiveAndHandsItsKernelTheInitrdSection(
            @TempDir Path dir) throws Exception {
        Path uki = UnifiedKernelImage.build(dir);
        // the systemd stub takes the LoadOptions (the Shell's: fs0: then the path, then these) as the kernel's command line
        AtomicReference<HandOff> handOff = new AtomicReference<>();
        AtomicReference<BootResult> result = new AtomicReference<>();
        AtomicReference<byte[]> linuxHeader = new AtomicReference<>();
        AtomicReference<byte[]> codeBeforeTcg2Call = new AtomicReference<>();
        DiffReport d = diff(Files.readAllBytes(uki), "uki.efi", null, null, UnifiedKernelImage.CMDLINE, true,
                STUB_LINES, KERNEL_COMMAND_LINE, (m, r) -> {
                    handOff.set(HandOff.of(m, r));
                    result.set(r);
                    linuxHeader.set(m.machine().memory().read(r.image().base() + UnifiedKernelImage.LINUX_RVA, 2));
                    r.diagnosis().unmet().stream().filter(u -> u.what().startsWith("EFI_TCG2_PROTOCOL_GUID")
                            && u.caller().startsWith("uki.efi[.linux]+0x")).findFirst()
                            .ifPresent(u -> codeBeforeTcg2Call.set(m.machine().memory().read(u.callerRip() - 16, 16)));
                });
        assertThat(d.firstDivergence()).as(render(d)).isEmpty();
        assertThat(d.real()).as(render(d))
                .containsExactly("EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        assertThat(d.emulatedEnding()).isEqualTo("stopped after ExitBootServices");
        assertThat(d.same()).isTrue();
        // the kernel gets the initrd from the .initrd section and OVMF's command line: QEMU's kernel printed "Command
        // line: efi=debug console=ttyS0 panic=1" because systemd-stub takes Argv[1..] of the UEFI Shell's
        // EFI_SHELL_PARAMETERS_PROTOCOL on its image handle (leaving its own path, Argv[0], out); efiemu diff starts
        // the image as the Shell does, with that protocol, so the stub finds it and hands over the same line
        assertThat(d.realEnding()).matches("did not return; stopped at the line \"\\[ *0\\.0+\\] Command line: "
                + Pattern.quote(UnifiedKernelImage.CMDLINE) + "\\s*\"");
        handOff.get().check(UnifiedKernelImage.CMDLINE);
        assertThat(d.diagnosis()).noneMatch(l -> l.contains("EFI_SHELL_PARAMETERS_PROTOCOL_GUID"));
        // what the kernel asked for and did not get is named inside the UKI: the image systemd-stub loaded from its
        // .linux section with LoadImage(SourceBuffer)
        assertThat(d.diagnosis()).as(render(d))
                .anyMatch(l -> l.matches(".*EFI_TCG2_PROTOCOL_GUID .*: LocateProtocol = EFI_NOT_FOUND from uki\\.efi\\[\\.linux\\]\\+0x[0-9A-F]+ .*"))
                .anyMatch(l -> l.matches(".*EFI_TCG2_PROTOCOL_GUID .*: LocateProtocol = EFI_NOT_FOUND from uki\\.efi\\+0x[0-9A-F]+ <tpm_log_event\\+0x[0-9A-F]+>.*"))
                .noneMatch(l -> l.contains("image@0x"));
        BootResult r = result.get();
        // systemd-stub 252 hands the .initrd section over as the kernel expects it: LoadFile2 behind the initrd path
        assertThat(r.trace()).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("InstallMultipleProtocolInterfaces");
            assertThat(e.arguments()).contains("4006C0C1-FCB3-403E-996D-4A6C8724E06D");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
            assertThat(e.caller()).startsWith("uki.efi+0x");
        });
        // and starts the kernel with LoadImage(SourceBuffer = its .linux section, MZ there), which names the child
        long linux = r.image().base() + UnifiedKernelImage.LINUX_RVA;
        assertThat(linuxHeader.get()).as("MZ at the .linux section").containsExactly('M', 'Z');
        assertThat(r.trace()).anySatisfy(e -> {
            assertThat(e.service()).isEqualTo("LoadImage");
            assertThat(e.arguments()).contains(String.format("0x%X", linux));
            assertThat(e.outputs()).anyMatch(o -> o.startsWith("uki.efi[.linux] at "));
        });
        // the offset in uki.efi[.linux]+0xOFFSET is the kernel file's RVA: the 16 bytes before the TCG2 call site in
        // the loaded kernel are the kernel file's bytes before that RVA
        String site = r.diagnosis().unmet().stream().filter(u -> u.what().startsWith("EFI_TCG2_PROTOCOL_GUID")
                && u.caller().startsWith("uki.efi[.linux]+0x")).findFirst().orElseThrow().caller();
        long rva = Long.parseLong(site.substring("uki.efi[.linux]+0x".length()).split(" ")[0], 16);
        byte[] kernelFile = DebianEfi.bytes(DebianEfi.vmlinuz());
        PeSection text = PeParser.parse(kernelFile, "vmlinuz").sectionAt(rva - 16).orElseThrow();
        int fileOffset = (int) (rva - 16 - text.virtualAddress() + text.pointerToRawData());
        assertThat(codeBeforeTcg2Call.get()).isEqualTo(Arrays.copyOfRange(kernelFile, fileOffset, fileOffset + 16));
    }

    /** GRUB's grub.cfg: prints, looks for itself with {@code search}, powers off with {@code halt}. */
    static String grubCfg(boolean printDevice) {
        return "echo \"efiemu: grub.cfg read\"\n"
                + "if search --no-floppy " + (printDevice ? "" : "--set=dev ")
                + "--file /EFI/debian/grub.cfg; then echo \"efiemu: search found grub.cfg\"; fi\n"
                + "echo \"efiemu: halting\"\nhalt\n";
    }

    static byte[] grub() {
        return DebianEfi.bytes(DebianEfi.file("grub-efi-amd64-bin", "usr/lib/grub/x86_64-efi/monolithic/grubx64.efi"));
    }

    @Test
    void shimStartsGrubBesideItWhichReadsItsConfigAndPowersOffAsOnOvmf(@TempDir Path esp) throws Exception {
        Path debian = Files.createDirectories(esp.resolve("EFI/debian"));
        byte[] shim = DebianEfi.bytes(DebianEfi.file("shim-unsigned", "usr/lib/shim/shimx64.efi"));
        Files.write(debian.resolve("shimx64.efi"), shim);
        Files.write(debian.resolve("grubx64.efi"), grub());
        Files.writeString(debian.resolve("grub.cfg"), grubCfg(false));
        DiffReport d = diff(shim, "shimx64.efi", esp, "\\EFI\\debian\\shimx64.efi", null, false, null, null);
        assertThat(d.firstDivergence()).as(render(d)).isEmpty();
        assertThat(stripped(d.real())).as(render(d)).contains("Welcome to GRUB!", "efiemu: grub.cfg read",
                "efiemu: search found grub.cfg", "efiemu: halting");
        assertThat(d.emulatedEnding()).isEqualTo("did not return: ResetSystem(EfiResetShutdown, EFI_SUCCESS)");
        assertThat(d.realEnding()).isEqualTo("did not return; QEMU exited with status 0 (a reset or power-off)");
        assertThat(d.same()).isTrue();
        // shim loads GRUB with its own PE loader (no LoadImage): efiemu finds GRUB by its PE header and names it by
        // the file shim opened whose headers it carries; GRUB's requests read grubx64.efi+offset, the same offsets as
        // when the Shell starts GRUB itself
        assertThat(d.diagnosis()).as(render(d)).anyMatch(l -> l.startsWith("image found by its PE header: grubx64.efi at 0x"))
                .anyMatch(l -> l.matches(".*EFI_TCG2_PROTOCOL_GUID .*: LocateHandle = EFI_NOT_FOUND from grubx64\\.efi\\+0x11D7 .*"))
                .noneMatch(l -> l.contains("image@0x"));
    }

    /**
     * GRUB alone, started by the Shell: the same lines up to {@code search}, which prints the device holding the file:
     * QEMU's ESP is a vvfat drive with an MBR ({@code hd0,msdos1}), efiemu's {@code --esp} a GPT disk
     * ({@code hd0,gpt1}). That is the first divergence; the lines after it and the power-off are the same.
     */
    @Test
    void grubAloneDivergesFirstWhereSearchNamesThePartitionMbrOnQemuGptOnEfiemu(@TempDir Path esp) throws Exception {
        Path boot = Files.createDirectories(esp.resolve("EFI/BOOT"));
        Path debian = Files.createDirectories(esp.resolve("EFI/debian"));
        Files.write(boot.resolve("grubx64.efi"), grub());
        Files.writeString(debian.resolve("grub.cfg"), grubCfg(true));
        DiffReport d = diff(grub(), "grubx64.efi", esp, "\\EFI\\BOOT\\grubx64.efi", null, false, null, null);
        assertThat(d.firstDivergence()).as(render(d)).hasValue(3);
        List<String> real = stripped(d.real());
        List<String> emulated = stripped(d.emulated());
        assertThat(real.subList(0, 3)).isEqualTo(emulated.subList(0, 3))
                .containsExactly("Welcome to GRUB!", "", "efiemu: grub.cfg read");
        assertThat(real.get(3)).isEqualTo(" hd0,msdos1efiemu: search found grub.cfg");
        assertThat(emulated.get(3)).isEqualTo(" hd0,gpt1efiemu: search found grub.cfg");
        assertThat(real.subList(4, real.size())).isEqualTo(emulated.subList(4, emulated.size()))
                .containsExactly("efiemu: halting");
        assertThat(d.sameEnding()).as(render(d)).isTrue();
        assertThat(d.callsAround()).as(render(d)).extracting(e -> e.service()).contains("ConOut.OutputString");
        assertThat(d.diagnosis()).as(render(d))
                .anyMatch(l -> l.matches(".*EFI_TCG2_PROTOCOL_GUID .*: LocateHandle = EFI_NOT_FOUND from grubx64\\.efi\\+0x11D7 .*"));
        assertThat(d.render()).contains("first divergence at line 4: QEMU + OVMF printed \" hd0,msdos1efiemu: search "
                + "found grub.cfg\", efiemu printed \" hd0,gpt1efiemu: search found grub.cfg\"");
    }
}
