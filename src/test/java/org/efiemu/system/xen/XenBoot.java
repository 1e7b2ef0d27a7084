package org.efiemu.system.xen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.spec.PlacementSpec;
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
 */
record XenBoot(String profile, List<String> adjustments, BootResult result, LoadedImage image, long identityCr3,
        long wallNanos) {

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
     * The built-in profile as efiemu can boot it today, and what had to change:
     * <ul>
     * <li>UEFI revision below 2.70 (dell-poweredge-r820 2.30, ibm-system-x3550-m2 2.10): UefiMachine refuses it, so
     * the run uses 2.70 (Xen's EFI phase reads no revision-dependent field);</li>
     * <li>no {@code default-max} in the placement (EDK2 mDefaultMaximumAddress): efiemu then places the image above
     * 4 GiB on machines with memory there, and Xen stops with "Xen must be loaded below 4Gb." Real EDK2-derived
     * firmware keeps AnyPages allocations in the default region below 4 GiB (the DXE core's initial memory), so the
     * run uses {@code default-max=0xFFFFFFFF}.</li>
     * </ul>
     */
    static Map.Entry<PlatformDescription, List<String>> bootable(String profile) {
        PlatformDescription d = ProfileRegistry.builtIn(profile).toDescription();
        List<String> adjustments = new ArrayList<>();
        PlatformDescription.Firmware fw = d.firmware();
        if (fw.uefiRevision() < PlatformDescription.Firmware.UEFI_2_70) {
            adjustments.add(String.format("UEFI revision 0x%X raised to 0x%X (UefiMachine refuses revisions below 2.70)",
                    fw.uefiRevision(), PlatformDescription.Firmware.UEFI_2_70));
            fw = new PlatformDescription.Firmware(fw.vendor(), fw.revision(), PlatformDescription.Firmware.UEFI_2_70);
        }
        PlacementSpec placement = d.placement();
        boolean memoryAbove4g = d.memoryMap().stream().anyMatch(m -> m.physicalStart() + m.numberOfPages() * 4096 > 1L << 32);
        if (placement.name().equals("edk2-topdown") && !placement.params().containsKey("default-max") && memoryAbove4g) {
            Map<String, String> params = new LinkedHashMap<>(placement.params());
            params.put("default-max", "0xFFFFFFFF");
            placement = new PlacementSpec(placement.name(), params);
            adjustments.add("placement default-max=0xFFFFFFFF added (EDK2 mDefaultMaximumAddress; without it the image"
                    + " is loaded above 4 GiB and Xen exits with \"Xen must be loaded below 4Gb.\")");
        }
        if (adjustments.isEmpty()) {
            return Map.entry(d, List.of());
        }
        return Map.entry(new PlatformDescription(d.name(), d.memoryMap(), placement, d.descriptorSize(),
                d.descriptorVersion(), fw, d.cpu(), d.smbios(), d.acpi(), d.console(), d.variables(), d.quirks()),
                List.copyOf(adjustments));
    }

    /** Boots Xen's EFI loader from the system tests' ESP on {@code profile} until it leaves firmware (or stops). */
    static XenBoot run(String profile, byte[] xen) {
        Map.Entry<PlatformDescription, List<String>> platform = bootable(profile);
        try (UefiMachine m = UefiMachine.builder(platform.getKey())
                .payload(xen, XenEsp.IMAGE_NAME)
                .filePath(XenEsp.LOADER_PATH)
                .esp(XenEsp.volume(xen))
                .instructionBudget(500_000_000L)
                .wallClockLimit(Duration.ofMinutes(2))
                .build()) {
            long cr3 = m.machine().engine().reg(X86Reg.CR3);
            long start = System.nanoTime();
            BootResult r = m.run();
            long wall = System.nanoTime() - start;
            return new XenBoot(profile, platform.getValue(), r, m.image(), cr3, wall);
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
