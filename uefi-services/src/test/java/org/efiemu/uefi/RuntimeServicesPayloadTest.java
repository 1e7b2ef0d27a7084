package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.acpi.AcpiTables;
import org.efiemu.uefi.smbios.SmbiosTables;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code svc-runtime} payload on OVMF q35 with ConIn keys "ab": Time, Variable, capsule and Virtual Memory
 * Services (UEFI 2.10 §8) with EDK2's statuses, ConIn, the ACPI/SMBIOS configuration tables, and ResetSystem ending
 * the run.
 */
class RuntimeServicesPayloadTest {
    private static BootResult result;
    private static AcpiTables acpi;
    private static SmbiosTables smbios;
    private static List<MemoryDescriptor> platformMap;
    private static List<MemoryDescriptor> virtualMap;

    @BeforeAll
    static void boot() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-runtime"))
                .conInKeys("ab").build()) {
            result = m.run();
            acpi = m.acpiTables().orElseThrow();
            smbios = m.smbiosTables().orElseThrow();
            platformMap = m.platform().memoryMap();
            virtualMap = m.virtualAddressMap().orElseThrow();
        }
    }

    private static List<String> lines() {
        return List.of(result.consoleText().replace("\r", "").split("\n"));
    }

    private static MemoryType typeAt(long address) {
        return platformMap.stream().filter(d -> address >= d.physicalStart() && address < d.end())
                .map(d -> MemoryType.ofValue(d.type())).findFirst().orElseThrow();
    }

    @Test
    void resetSystemEndsTheRunWithItsTypeStatusAndString() {
        assertThat(result.outcome()).isEqualTo(BootOutcome.RESET);
        assertThat(result.reset()).hasValueSatisfying(r -> {
            assertThat(r.resetType()).isEqualTo("EfiResetShutdown");
            assertThat(r.status()).isEqualTo("EFI_SUCCESS");
            assertThat(r.data()).isEqualTo("bye");
        });
        assertThat(result.consoleText()).doesNotContain("reset returned");
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void timeStartsAtTheConfiguredInstantAndFollowsVirtualTime() {
        assertThat(lines()).containsSubsequence("get-time EFI_SUCCESS", "time 2024-01-01 00:00:00 tz 2047 res 1 acc 50000000",
                "get-time-null EFI_INVALID_PARAMETER", "after-stall 00:00:02", "set-time EFI_SUCCESS",
                "time 2030-06-15 12:00:00 tz 60", "set-time-feb-30 EFI_INVALID_PARAMETER",
                "set-time-1990 EFI_INVALID_PARAMETER", "get-wakeup EFI_UNSUPPORTED", "set-wakeup EFI_UNSUPPORTED");
    }

    @Test
    void variableRoundTripWithBufferTooSmallReportingTheSize() {
        assertThat(lines()).containsSubsequence("set-var EFI_SUCCESS", "get-var-small EFI_BUFFER_TOO_SMALL",
                "var-size 5 attr 0x7", "get-var EFI_SUCCESS", "var 5 1 2 3 4 5", "get-var-null-data EFI_INVALID_PARAMETER",
                "get-var-missing EFI_NOT_FOUND", "get-var-null-name EFI_INVALID_PARAMETER",
                "set-var-rt-only EFI_INVALID_PARAMETER", "set-var-null-data EFI_INVALID_PARAMETER",
                "set-volatile EFI_SUCCESS", "walk-end EFI_NOT_FOUND", "walk 2 mine 2",
                // OVMF 2022.11 QueryVariableInfo(NV|BS|RT): maximum storage 0x3FF9C, maximum variable 0x83C4
                // (platforms captures/ovmf-q35-2g.firmware.txt qvi: lines)
                "next-name-small EFI_BUFFER_TOO_SMALL", "next-name-needs 30", "query EFI_SUCCESS", "query 262044 1 33732",
                "query-zero EFI_INVALID_PARAMETER", "delete-var EFI_SUCCESS", "get-deleted EFI_NOT_FOUND",
                "delete-missing EFI_NOT_FOUND", "get-global-missing EFI_NOT_FOUND");
    }

    @Test
    void capsulesAreUnsupported() {
        assertThat(lines()).containsSubsequence("capsule EFI_UNSUPPORTED", "capsule-caps EFI_UNSUPPORTED");
    }

    @Test
    void conInDeliversScriptedKeysThenNotReady() {
        assertThat(lines()).containsSubsequence("key-1 EFI_SUCCESS", "key a", "wait-key EFI_SUCCESS", "key-2 EFI_SUCCESS",
                "key b", "key-3 EFI_NOT_READY", "check-key EFI_NOT_READY");
    }

    @Test
    void acpiAndSmbiosTablesAreInstalledInFirmwareMemoryOfTheRightType() {
        assertThat(lines()).containsSubsequence("smbios _SM3_ 3.7", "acpi RSD PTR  rev 2 ext-sum 0"); // OVMF order
        assertThat(typeAt(acpi.rsdpAddress())).isEqualTo(MemoryType.EfiACPIReclaimMemory);
        assertThat(typeAt(smbios.entryPointAddress())).isIn(MemoryType.EfiRuntimeServicesData, MemoryType.EfiReservedMemoryType);
        assertThat(acpi.addresses()).containsKeys("XSDT", "FACP", "APIC");
    }

    @Test
    void setVirtualAddressMapAppliesOnceAfterExitBootServicesAndConvertPointerUsesIt() {
        assertThat(lines()).containsSubsequence("convert-before EFI_NOT_FOUND", "svam-before-ebs EFI_UNSUPPORTED",
                "ebs EFI_SUCCESS", "runtime-descriptors 5", "svam-bad-version EFI_INVALID_PARAMETER", "svam EFI_SUCCESS",
                "svam-again EFI_UNSUPPORTED", "convert EFI_SUCCESS", "converted 1", "convert-loader-data EFI_NOT_FOUND",
                "convert-null-optional EFI_SUCCESS", "runtime-get-bs-var EFI_NOT_FOUND");
        assertThat(virtualMap).filteredOn(d -> d.virtualStart() != 0).hasSize(5)
                .allSatisfy(d -> assertThat(d.virtualStart() - d.physicalStart()).isEqualTo(0xFFFF800000000000L));
    }
}
