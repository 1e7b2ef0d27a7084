package org.efiemu.system.xen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.StopReason;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.SanitizerFinding;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * One boot of Debian's Xen 4.17 EFI loader on an efiemu platform, with what the tests and the per-profile report
 * need: the console, the module placement lines Xen prints ({@code vmlinuz: 0x...-0x...}, from {@code read_file} in
 * xen/common/efi/boot.c), and the hand-off (ExitBootServices, then Xen's own page tables in CR3).
 *
 * @param profile the built-in profile's name
 * @param adjustments changes made to the profile so that efiemu accepts it (empty for most profiles; see
 *        {@link #bootable(String)})
 * @param result the machine's result
 * @param image the loaded Xen image (base, pages)
 * @param identityCr3 the machine's own identity page tables (CR3 before Xen switched)
 * @param wallNanos host wall time of {@code run()} (reported, never asserted)
 * @param sanitizer what the memory sanitizer saw Xen write (firmware corruption, writes to memory it does not own)
 * @param graphicsMode the GOP mode set when the run ended (Xen's efi_set_gop_mode), when the machine has a display
 */
record XenBoot(String profile, List<String> adjustments, BootResult result, LoadedImage image, long identityCr3,
        long wallNanos, SanitizerReport sanitizer, Optional<String> graphicsMode) {

    /** {@code name: 0x<16 hex>-0x<16 hex>}: Xen's read_file prints name, start and end (start + size) of each module. */
    static final Pattern PLACEMENT = Pattern.compile("^(\\S+): 0x([0-9a-fA-F]{16})-0x([0-9a-fA-F]{16})$",
            Pattern.MULTILINE);

    /** A module placement line: the file's first byte in memory and the address after its last byte. */
    record Placement(String file, long first, long end) {
        long size() {
            return end - first;
        }

        @Override
        public String toString() {
            return String.format("%s: 0x%016x-0x%016x", file, first, end);
        }
    }

    /**
     * The built-in profile as efiemu boots it, and what had to change (nothing today: UefiMachine accepts 2.x
     * revisions and presents 2.70 headers, and the Dell/IBM profiles carry EDK2's {@code default-max}; the list
     * stays so a future workaround is reported, not hidden).
     */
    static Map.Entry<PlatformDescription, List<String>> bootable(String profile) {
        return Map.entry(ProfileRegistry.builtIn(profile).toDescription(), List.of());
    }

    /**
     * The display real firmware offers on {@code profile}: QEMU's stdvga under OVMF on the OVMF captures (and the
     * lowalloc-firmware profile built from one), as real OVMF reports it ({@code xen/ovmf-q35-2g.gop.txt}); none on
     * the server profiles, whose captures describe no graphics adapter.
     */
    static Optional<GraphicsOutput.Display> display(String profile) {
        return profile.startsWith("ovmf-") || profile.equals("lowalloc-firmware")
                ? Optional.of(GraphicsOutput.Display.ovmfStdVga()) : Optional.empty();
    }

    /** Boots Xen's EFI loader from the system tests' ESP on {@code profile} until it leaves firmware (or stops). */
    static XenBoot run(String profile, byte[] xen) {
        Map.Entry<PlatformDescription, List<String>> platform = bootable(profile);
        UefiMachineBuilder builder = UefiMachine.builder(platform.getKey())
                .payload(xen, XenEsp.IMAGE_NAME)
                .filePath(XenEsp.LOADER_PATH)
                .esp(XenEsp.volume(xen))
                .instructionBudget(500_000_000L)
                .wallClockLimit(Duration.ofMinutes(2));
        display(profile).ifPresent(builder::graphics);
        try (UefiMachine m = builder.build(); MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            long cr3 = m.machine().engine().reg(X86Reg.CR3);
            long start = System.nanoTime();
            BootResult r = m.run();
            long wall = System.nanoTime() - start;
            return new XenBoot(profile, platform.getValue(), r, m.image(), cr3, wall, sanitizer.report(),
                    m.graphics().map(g -> g.currentMode().toString()));
        }
    }

    String console() {
        return result.consoleText();
    }

    List<Placement> placements() {
        return placements(console());
    }

    static List<Placement> placements(String text) {
        List<Placement> list = new ArrayList<>();
        Matcher mm = PLACEMENT.matcher(text.replace("\r", ""));
        while (mm.find()) {
            list.add(new Placement(mm.group(1), Long.parseUnsignedLong(mm.group(2), 16),
                    Long.parseUnsignedLong(mm.group(3), 16)));
        }
        return list;
    }

    Optional<ServiceCallEvent> exitBootServices() {
        return result.trace().stream()
                .filter(e -> e.service().equals("ExitBootServices") && e.status().equals("EFI_SUCCESS"))
                .findFirst();
    }

    long stopCr3() {
        return result.stopReport().reg(X86Reg.CR3);
    }

    /**
     * True when Xen left firmware: ExitBootServices succeeded, and the run stopped inside Xen's image because it
     * loaded its own page tables (a CR3 other than the machine's, mapping virtual != physical: Xen's 0xFFFF82D040000000
     * virtual base), which is where efi_arch_post_exit_boot (xen/arch/x86/efi/efi-boot.h) jumps into Xen proper.
     */
    boolean leftFirmware() {
        return exitBootServices().isPresent() && result.stopReport().reason() == StopReason.PAGING_UNSUPPORTED
                && stopCr3() != identityCr3 && image.contains(result.stopReport().rip());
    }

    /** XEN_VIRT_START (xen/arch/x86/include/asm/config.h): Xen proper's virtual addresses start here. */
    static final long XEN_VIRT_START = 0xFFFF82D040000000L;

    /**
     * True for the sanitizer's record of the store the run stopped on: after ExitBootServices, Xen loads its own CR3
     * and its next instruction (efi_arch_post_exit_boot: {@code push $__HYPERVISOR_CS}) stores to its stack at a Xen
     * virtual address; Unicorn does not translate guest page tables here, so that store reaches no RAM and is reported
     * as a write to "no RAM". It is Xen's own stack (inside its image), not firmware memory.
     */
    boolean isHandOffStore(SanitizerFinding f) {
        return leftFirmware() && f.afterExitBootServices() && f.rip() == result.stopReport().rip()
                && f.ownerType().equals("no RAM") && Long.compareUnsigned(f.address(), XEN_VIRT_START) >= 0;
    }

    /** The sanitizer's findings but the hand-off store ({@link #isHandOffStore}): firmware memory Xen wrote. */
    List<SanitizerFinding> firmwareFindings() {
        return sanitizer.findings().stream().filter(f -> !isHandOffStore(f)).toList();
    }

    /** Where and why the run stopped, in one line. */
    String stopSummary() {
        var s = result.stopReport();
        String where = image.contains(s.rip()) ? image.describe(s.rip()) : String.format("0x%X", s.rip());
        if (leftFirmware()) {
            return String.format("left firmware at %s: ExitBootServices succeeded (%s), then CR3 0x%X -> 0x%X "
                    + "(Xen's page tables, virtual != physical): %s", where, exitBootServices().get().caller(),
                    identityCr3, stopCr3(), s.detail());
        }
        return String.format("stopped at %s: %s (%s) %s; %s", where, s.reason(), s.reason().text(),
                s.detail() == null ? "" : s.detail(), result);
    }
}
