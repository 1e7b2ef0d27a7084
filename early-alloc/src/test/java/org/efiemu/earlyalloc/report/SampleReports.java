package org.efiemu.earlyalloc.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A hand-built report: a Dell-R820-like map (no RAM below 0x10000, the low 640 KiB EfiBootServicesData), an
 * OVMF-q35-2G-like map and three strategies, with a FAIL (firmware corruption at 0x9F000), a WARN, a mismatch and
 * hostile text in labels and console output.
 */
final class SampleReports {
    static final String DELL = "dell-poweredge-r820";
    static final String OVMF = "ovmf-q35-2g";
    static final String HOSTILE = "<script>alert('x')</script>";
    static final String HOSTILE_LABEL = "\"><img src=x onerror=alert(1)>";
    static final long EFI_MEMORY_WB = 0x8;
    static final long RUNTIME_WB = 0x8000_0000_0000_0008L;

    private SampleReports() {
    }

    static PlatformReport dell() {
        List<MapRegion> m = new ArrayList<>();
        m.add(MapRegion.of("EfiBootServicesData", 0x10000, 0x90, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0x100000, 0x700, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiLoaderCode", 0x800000, 0x2A0, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0xAA0000, 0xB5B8F, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiBootServicesCode", 0xB672F000L - 0x100000, 0x100, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIMemoryNVS", 0xB672F000L, 0x400, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiBootServicesData", 0xB6B2F000L, 0x32, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiRuntimeServicesData", 0xB6B61000L, 0x201, RUNTIME_WB));
        m.add(MapRegion.of("EfiRuntimeServicesCode", 0xB6D62000L, 0x60, RUNTIME_WB));
        m.add(MapRegion.of("EfiBootServicesCode", 0xB6DC2000L, 0x18DE, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiReservedMemoryType", 0xB86A0000L, 0x204, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIMemoryNVS", 0xB88A4000L, 0x100, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIReclaimMemory", 0xB89A4000L, 0x80, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0xB8A24000L, 0x4044, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiReservedMemoryType", 0xBD2D0000L, 0x2D30, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiMemoryMappedIO", 0xE0000000L, 0x10000, 0x1));
        m.add(MapRegion.of("EfiMemoryMappedIO", 0xFE000000L, 0x2000, 0x8000_0000_0000_0001L));
        m.add(MapRegion.of("EfiConventionalMemory", 0x100000000L, 0x1740000, EFI_MEMORY_WB));
        return new PlatformReport(DELL, "Dell PowerEdge R820, BIOS 2.7.0: the first ~640 KiB are boot services data",
                "linuxhw/Dmesg R820 e820 + Kiper 2016 (xen-devel)", m);
    }

    static PlatformReport ovmf() {
        List<MapRegion> m = new ArrayList<>();
        m.add(MapRegion.of("EfiBootServicesCode", 0x0, 0x1, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0x1000, 0x9F, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0x100000, 0x700, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIMemoryNVS", 0x800000, 0x8, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0x808000, 0x3, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIMemoryNVS", 0x80B000, 0x1, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0x80C000, 0x4, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIMemoryNVS", 0x810000, 0xF0, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiBootServicesData", 0x900000, 0x300, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiConventionalMemory", 0xC00000, 0x7BAF0, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiLoaderCode", 0x7C6F0000L, 0x40, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiBootServicesData", 0x7C730000L, 0x2000, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiBootServicesCode", 0x7E730000L, 0x900, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiRuntimeServicesData", 0x7F030000L, 0x100, RUNTIME_WB));
        m.add(MapRegion.of("EfiRuntimeServicesCode", 0x7F130000L, 0x100, RUNTIME_WB));
        m.add(MapRegion.of("EfiReservedMemoryType", 0x7F230000L, 0x80, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiACPIReclaimMemory", 0x7F2B0000L, 0x10, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiBootServicesData", 0x7F2C0000L, 0xD40, EFI_MEMORY_WB));
        m.add(MapRegion.of("EfiMemoryMappedIO", 0xFFC00000L, 0x400, 0x8000_0000_0000_0001L));
        return new PlatformReport(OVMF, "QEMU q35 with OVMF, 2 GiB RAM", "measured on OVMF 2022.11 under QEMU q35", m);
    }

    static List<StrategyReport> strategies() {
        return List.of(
                new StrategyReport("mem-lower", "allocate downwards from GRUB's mem_lower (top of low memory)", 0),
                new StrategyReport("efi-pages-any", "AllocatePages(AllocateAnyPages) for the memory map", 0),
                new StrategyReport("static-pool-64k", "64 KiB pool inside the image", 65536));
    }

    static List<TraceLine> trace(String... lines) {
        List<TraceLine> t = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            t.add(new TraceLine(1200L * (i + 1), lines[i]));
        }
        return t;
    }

    static ScenarioReport scenario(String platform, String strategy, Verdict observed, Verdict expected, String why,
            List<Reason> reasons, List<Allocation> allocs, Trampoline tramp, MapBuffer buf, List<Violation> violations,
            List<TraceLine> trace, String console, Map<String, String> options) {
        return new ScenarioReport(platform, strategy, options, observed,
                new ExpectedVerdict(expected, why), reasons, allocs, tramp, buf, violations, List.of(), trace, console,
                new Costs(0, 4096, trace.size()));
    }

    /** The sample; {@code scenarios} are given in a scrambled order on purpose. */
    static Report sample() {
        List<ScenarioReport> s = new ArrayList<>();
        s.add(scenario(OVMF, "efi-pages-any", Verdict.PASS, Verdict.PASS, "firmware chooses; OVMF allocates top-down",
                List.of(), List.of(new Allocation("memory map buffer", "AllocatePages(AllocateAnyPages, EfiLoaderData, 2, 0x0)",
                        "EfiLoaderData", 0x7C6EE000L, 0x2000, "efi_arch_memory_setup+0x3a")),
                new Trampoline(0x9E000, 0x1000, "AllocatePages(AllocateMaxAddress, EfiLoaderCode, 1, 0xFFFFF)"), new MapBuffer(0x7C6EE000L, 0x2000),
                List.of(), trace("GetMemoryMap(0, NULL) = EFI_BUFFER_TOO_SMALL (MemoryMapSize 1824)",
                        "AllocatePages(AllocateAnyPages, EfiLoaderData, 2, 0x0) = EFI_SUCCESS -> 0x7C6EE000",
                        "GetMemoryMap(8192, 0x7C6EE000) = EFI_SUCCESS", "ExitBootServices(0x7C6F0000, 47) = EFI_SUCCESS"), "ok\n", null));
        s.add(scenario(DELL, "mem-lower", Verdict.FAIL, Verdict.FAIL,
                "Kiper 2016: the R820 uses the first ~640 KiB for boot services code or data",
                List.of(new Reason(ReasonKind.FIRMWARE_MEMORY_CORRUPTED, "the memory map was written below mem_lower into boot services data",
                        new Evidence(0x9F000L, 0x1000L, "EfiBootServicesData", 0x80012A4L, null))),
                List.of(new Allocation(HOSTILE_LABEL, "mem_lower", "EfiBootServicesData", 0x9F000, 0x1000, "place_string+0x21")),
                null, new MapBuffer(0x9F000, 0x1000),
                List.of(new Violation(ReasonKind.FIRMWARE_MEMORY_CORRUPTED, 0x80012A4L, 0x9F000, 0x1000, "EfiBootServicesData", OwnerKind.FIRMWARE)),
                trace("GetMemoryMap(4096, 0x9F000) = EFI_SUCCESS"), "Xen EFI loader\n" + HOSTILE + "\n", null));
        s.add(scenario(DELL, "efi-pages-any", Verdict.PASS, Verdict.PASS, "firmware chooses free memory",
                List.of(), List.of(), null, new MapBuffer(0xB8A20000L, 0x3000), List.of(),
                trace("AllocatePages(AllocateAnyPages, EfiLoaderData, 3, 0x0) = EFI_SUCCESS -> 0xB8A20000"), "", null));
        s.add(scenario(OVMF, "mem-lower", Verdict.WARN, Verdict.WARN, "works on OVMF only because the low memory happens to be free",
                List.of(new Reason(ReasonKind.UNALLOCATED_MEMORY_USED, "wrote 8 KiB below mem_lower that nobody allocated",
                        new Evidence(0x9E000L, 0x2000L, "EfiConventionalMemory", 0x7C6F1010L, null))),
                List.of(), null, new MapBuffer(0x9E000, 0x2000),
                List.of(new Violation(ReasonKind.UNALLOCATED_MEMORY_USED, 0x7C6F1010L, 0x9E000, 0x2000, "EfiConventionalMemory", OwnerKind.FREE)),
                trace("GetMemoryMap(8192, 0x9E000) = EFI_SUCCESS"), "", null));
        s.add(scenario(DELL, "static-pool-64k", Verdict.FAIL, Verdict.WARN, "Kiper 2016: 64 KiB should hold a 200-entry map",
                List.of(new Reason(ReasonKind.MAP_BUFFER_TOO_SMALL, "GetMemoryMap needs more than the pool holds",
                        new Evidence(null, 0x11000L, null, 0x8001100L, "GetMemoryMap(65536, 0x8A0000) = EFI_BUFFER_TOO_SMALL (MemoryMapSize 69632)"))),
                List.of(new Allocation("pool", "static", "EfiLoaderCode", 0x8A0000, 0x10000, ".init.data")), null, new MapBuffer(0x8A0000, 0x10000),
                List.of(), trace("GetMemoryMap(65536, 0x8A0000) = EFI_BUFFER_TOO_SMALL (MemoryMapSize 69632)"), "", null));
        s.add(scenario(OVMF, "static-pool-64k", Verdict.PASS, Verdict.PASS, "OVMF's map is small",
                List.of(), List.of(new Allocation("pool", "static", "EfiLoaderCode", 0x7C6F8000L, 0x10000, ".init.data")), null,
                new MapBuffer(0x7C6F8000L, 0x10000), List.of(), trace("GetMemoryMap(65536, 0x7C6F8000) = EFI_SUCCESS"), "",
                Map.of("pool", "65536")));
        return new Report("Early allocator matrix", "0.1.0-SNAPSHOT",
                new GenerationInputs("efiemu matrix --platforms dell-poweredge-r820,ovmf-q35-2g", Map.of("seed", "xen-devel 2016-04", "limits", "10M instructions")),
                List.of(dell(), ovmf()), strategies(), s,
                new Timings(1500, List.of(new ScenarioTiming(DELL + "/mem-lower", 120))));
    }
}
