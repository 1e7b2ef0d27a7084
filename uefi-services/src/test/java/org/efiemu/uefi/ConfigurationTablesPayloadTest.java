package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code cfg-tables} payload on OVMF q35 2 GiB reads the configuration tables as a loader does (UEFI 2.10 §4.6):
 * their order is OVMF 2022.11's, both SMBIOS entry points check out and walk to the same structures, the SMBIOS memory
 * structures describe the profile's RAM, the memory attributes table lists exactly the map's runtime ranges.
 */
class ConfigurationTablesPayloadTest {
    private static BootResult result;

    @BeforeAll
    static void boot() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("cfg-tables"))
                .build()) {
            result = m.run();
        }
    }

    private static List<String> lines() {
        return List.of(result.consoleText().replace("\r", "").split("\n"));
    }

    @Test
    void tablesAreListedInOvmfsOrderWithSmbios3BesideSmbios() {
        assertThat(result.outcome()).as("%s", result).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines()).filteredOn(l -> l.startsWith("cfg ")).containsExactly(
                "cfg 4c19049f-4137-4dd3-9c10-8b97a83ffdfa",   // memory type information
                "cfg 49152e77-1ada-4764-b7a2-7afefed95e8b",   // debug image info
                "cfg eb9d2d31-2d88-11d3-9a16-0090273fc14d",   // SMBIOS
                "cfg f2fd1544-9794-4a2c-992e-e5bbcf20e394",   // SMBIOS 3
                "cfg eb9d2d30-2d88-11d3-9a16-0090273fc14d",   // ACPI 1.0
                "cfg 8868e871-e4f1-11d3-bc22-0080c73c8881",   // ACPI 2.0
                "cfg dcfa911d-26eb-469f-a220-38b7dc461220");  // memory attributes
    }

    @Test
    void smbiosEntryPointsHaveValidChecksumsAndPointAtOneWholeStructureTable() {
        assertThat(lines()).contains("smbios32 _SM_ len 0x1f version 3.7 sum 0 _DMI_ dmi-sum 0 bcd 0x37",
                "smbios3 _SM3_ version 3.7 sum 0 same-table 1", "acpi rsdp sum 0");
        String walked = lines().stream().filter(l -> l.startsWith("smbios walked")).findFirst().orElseThrow();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("smbios walked (\\d+) of (\\d+) bytes, largest (\\d+) of max (\\d+), dimms (\\d+) MiB")
                .matcher(walked);
        assertThat(m.matches()).as(walked).isTrue();
        assertThat(m.group(1)).as("structures walked = table length").isEqualTo(m.group(2));
        assertThat(m.group(3)).as("largest structure = entry point's maximum").isEqualTo(m.group(4));
    }

    @Test
    void smbiosStructuresCarryTheProfilesFirmwareSystemCpuAndRam() {
        assertThat(lines()).filteredOn(l -> l.startsWith("smbios type ")).extracting(l -> l.split(" ")[2])
                .containsExactly("0", "1", "4", "16", "17", "19", "127");
        assertThat(lines()).contains("smbios bios 'EFI Development Kit II / OVMF' '0.0.0' '02/06/2015'",
                "smbios system 'QEMU' 'Standard PC (Q35 + ICH9, 2009)' 'pc-q35-7.2'",
                // QEMU -m 2G: a 2 GiB array of one 2 GiB DIMM (QEMU makes one per 16 GiB), mapped below 4 GiB
                "smbios array capacity-kib 2097152 devices 1", "smbios dimm 'DIMM 0' size-mib 2048 array 3",
                "smbios mapped 0x0-0x80000000");
        assertThat(lines()).anyMatch(l -> l.startsWith("smbios walked") && l.endsWith("dimms 2048 MiB"));
    }

    @Test
    void memoryAttributesTableHoldsEveryRuntimeRangeOfTheMapCodeReadOnlyDataNoExecute() {
        String header = lines().stream().filter(l -> l.startsWith("mat version")).findFirst().orElseThrow();
        assertThat(header).startsWith("mat version 1 entries ").contains("descriptor-size 48 (map 48) map EFI_SUCCESS");
        List<String> entries = lines().stream().filter(l -> l.startsWith("mat type")).toList();
        assertThat(header).endsWith("runtime-in-map " + entries.size()).contains("entries " + entries.size() + " ");
        assertThat(entries).isNotEmpty().allSatisfy(e -> {
            assertThat(e).endsWith("in-map 1");
            assertThat(e).matches(e.startsWith("mat type 5 ") ? ".* attr 0x8000000000020000 .*"
                    : "mat type 6 .* attr 0x8000000000004000 .*");
        });
    }

    @Test
    void debugImageInfoTableHoldsTheApplicationWithItsLoadedImageProtocol() {
        assertThat(lines()).containsSubsequence("dbg status 0x2 size 1",
                "dbg entry 0 type 1 own-image 1 loaded-image-matches 1",
                // a child loaded from a buffer is added after it, and taken out when it is unloaded
                "child load EFI_SUCCESS", "dbg status 0x2 size 2", "dbg entry 0 type 1 own-image 1 loaded-image-matches 1",
                "dbg entry 1 type 1 own-image 0 loaded-image-matches 1", "child unload EFI_SUCCESS",
                "dbg status 0x2 size 1", "dbg entry 0 type 1 own-image 1 loaded-image-matches 1", "cfg-tables done");
        assertThat(lines()).doesNotContain("child cannot read own file");
    }

    @Test
    void memoryTypeInformationHoldsOvmfsBinsAndEndsWithMaxMemoryType() {
        assertThat(lines()).containsSubsequence("mti type 0 pages 0x80", "mti type 5 pages 0x100",
                "mti type 6 pages 0x100", "mti type 9 pages 0x12", "mti type 10 pages 0x80", "mti end type 16 after 16 entries");
    }
}
