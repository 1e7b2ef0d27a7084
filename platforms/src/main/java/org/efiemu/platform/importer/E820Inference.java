package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * What an E820-only dump cannot say and this importer therefore infers, each step noted.
 *
 * <p>The Linux EFI stub and GRUB fold EfiBootServicesCode/Data, EfiLoaderCode/Data and EfiConventionalMemory into
 * {@code usable} (x86-stub.c {@code setup_e820}; grub-core/mmap/efi/mmap.c). At application entry only the
 * conventional part was free. Without a raw map the split is unknown, with one documented exception: Dell
 * 12th-generation firmware ({@code efi: EFI v2.30 by Dell}) holds all of 0x10000-0xA0000 and 1-64 MiB as
 * EfiBootServicesData (the raw R520 map, platforms/machines/dell-poweredge-r520-uefi-efimap.txt, mem00-mem01),
 * so on Dell firmware booted through UEFI those usable parts become EfiBootServicesData.
 */
final class E820Inference {

    static final long DELL_BS_LOW_END = 0xA0000;
    static final long DELL_BS_HIGH_START = 0x100000;
    static final long DELL_BS_HIGH_END = 0x4000000;

    private E820Inference() {}

    static List<DumpEntry> apply(List<DumpEntry> entries, List<String> kinds, String vendor, boolean efiLine,
            List<String> notes) {
        boolean dell = efiLine && vendor != null && vendor.startsWith("Dell");
        if (!efiLine) {
            notes.add("no 'efi:' line: this E820 may come from a legacy BIOS boot; the machine's UEFI map can differ");
        }
        notes.add("E820 'usable' -> EfiConventionalMemory (attribute 0xF): boot-services and loader memory are folded"
                + " into 'usable' and cannot be told apart" + (dell ? ", except the Dell ranges below" : ""));
        notes.add("E820 'reserved' -> EfiReservedMemoryType (attribute 0x1, a device range): runtime-services memory"
                + " that E820 reports as reserved cannot be told apart");
        notes.add("E820 'ACPI data' -> EfiACPIReclaimMemory, 'ACPI NVS' -> EfiACPIMemoryNVS (attribute 0xF)");
        if (kinds.contains("type 20")) {
            notes.add("E820 'type 20' (GRUB_MEMORY_CODE, grub-core/mmap/efi/mmap.c) -> EfiRuntimeServicesCode"
                    + " (attribute 0x800000000000000F)");
        }
        List<DumpEntry> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            DumpEntry e = entries.get(i);
            MemoryDescriptor d = e.descriptor();
            if (!dell || !kinds.get(i).equals("usable")) {
                out.add(e);
                continue;
            }
            long[] cuts = {d.physicalStart(), DELL_BS_LOW_END, DELL_BS_HIGH_START, DELL_BS_HIGH_END, d.end()};
            long pos = d.physicalStart();
            for (long cut : cuts) {
                long c = Math.max(pos, Math.min(cut, d.end()));
                if (c > pos) {
                    boolean bs = pos < DELL_BS_LOW_END || (pos >= DELL_BS_HIGH_START && pos < DELL_BS_HIGH_END);
                    int type = bs ? MemoryType.EfiBootServicesData.value() : MemoryType.EfiConventionalMemory.value();
                    MemoryDescriptor part = new MemoryDescriptor(type, pos, (c - pos) >>> 12, d.attribute());
                    if (bs) {
                        notes.add(String.format("line %d: usable 0x%X-0x%X -> EfiBootServicesData: Dell 12th-generation"
                                + " firmware holds 0x10000-0x9FFFF and 1-64 MiB as boot-services data (raw R520 map)",
                                e.line(), part.physicalStart(), part.last()));
                    }
                    out.add(new DumpEntry(part, e.line()));
                    pos = c;
                }
            }
        }
        return out;
    }
}
