package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.platform.PlatformDescription;
import org.junit.jupiter.api.Test;

/**
 * The UEFI revision of a platform (Dell R820: EFI 2.30, IBM x3550 M2: 2.10) and the Revision efiemu writes into the
 * EFI_SYSTEM_TABLE, Boot and Runtime Services headers (UEFI 2.10 §4.2 EFI_TABLE_HEADER): older 2.x machines present
 * 2.70 headers (the tables efiemu serves), keep their own FirmwareVendor and FirmwareRevision; EFI 1.x is refused.
 */
class UefiMachineRevisionTest {
    private static PlatformDescription withRevision(int revision) {
        PlatformDescription d = TestPlatforms.ovmfQ35();
        return new PlatformDescription("r820-like", d.memoryMap(), d.placement(), d.descriptorSize(),
                d.descriptorVersion(), new PlatformDescription.Firmware("Dell Inc.", 0x00020005, revision), d.cpu(),
                d.smbios(), d.acpi(), d.console(), d.variables(), d.quirks());
    }

    @Test
    void aUefi230PlatformIsAcceptedAndPresents270HeadersWithItsOwnFirmwareVendorAndRevision() {
        try (UefiMachine m = UefiMachine.builder(withRevision((2 << 16) | 30)).payload(TestPlatforms.payload("services"))
                .build()) {
            GuestMemory mem = m.machine().memory();
            long st = m.systemTable().address();
            assertThat(m.tableRevision()).isEqualTo(PlatformDescription.Firmware.UEFI_2_70);
            assertThat(mem.u32(st + 8)).isEqualTo(0x00020046L);
            assertThat(mem.u32(mem.u64(st + SystemTable.BOOT_SERVICES) + 8)).isEqualTo(0x00020046L);
            assertThat(mem.u32(mem.u64(st + SystemTable.RUNTIME_SERVICES) + 8)).isEqualTo(0x00020046L);
            assertThat(mem.u32(st + SystemTable.FIRMWARE_REVISION)).isEqualTo(0x00020005L);
            assertThat(mem.utf16z(mem.u64(st + SystemTable.FIRMWARE_VENDOR), 64)).isEqualTo("Dell Inc.");
            assertThat(m.platform().firmware().uefiRevision()).isEqualTo((2 << 16) | 30);
        }
    }

    @Test
    void aRevisionAbove270IsPresentedAsIs() {
        assertThat(UefiMachine.tableRevision(withRevision((2 << 16) | 100))).isEqualTo((2 << 16) | 100);
    }

    @Test
    void anEfi1xPlatformIsRefusedNamingThePlatformAndRevision() {
        assertThatThrownBy(() -> UefiMachine.tableRevision(withRevision((1 << 16) | 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("r820-like")
                .hasMessageContaining("0x1000A (1.10)").hasMessageContaining("UEFI 2.x");
    }
}
