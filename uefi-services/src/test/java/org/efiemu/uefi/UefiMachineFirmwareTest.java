package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.BootService;
import org.efiemu.uefi.boot.ServiceBindings;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.firmware.TableHeader;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.runtime.RuntimeService;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** Tables in guest memory (UEFI 2.10 §4), the firmware arena, the service table and determinism. */
class UefiMachineFirmwareTest {

    private static UefiMachine machine() {
        return UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("services")).loadOptions("return").build();
    }

    @Test
    void tableHeadersCarrySignatureRevisionSizeAndCrcOverTheTableWithCrcFieldZero() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            long st = m.systemTable().address();
            long[][] tables = {{st, SystemTable.SIGNATURE, SystemTable.SIZE},
                {m.systemTable().bootServices(), BootService.SIGNATURE, BootService.TABLE_SIZE},
                {m.systemTable().runtimeServices(), SystemTable.RUNTIME_SIGNATURE, RuntimeService.TABLE_SIZE}};
            for (long[] t : tables) {
                assertThat(mem.u64(t[0])).isEqualTo(t[1]);
                assertThat(mem.u32(t[0] + 8)).isEqualTo(0x00020046L);
                assertThat(mem.u32(t[0] + 12)).isEqualTo(t[2]);
                assertThat(mem.u32(t[0] + TableHeader.OFFSET_CRC32)).isEqualTo(TableHeader.compute(mem, t[0])).isNotZero();
            }
            assertThat(mem.utf16z(mem.u64(st + SystemTable.FIRMWARE_VENDOR), 64)).isEqualTo("EDK II");
            assertThat(mem.u32(st + SystemTable.FIRMWARE_REVISION)).isEqualTo(0x10000);
            assertThat(mem.u64(st + SystemTable.CON_OUT)).isNotZero();
        }
    }

    @Test
    void everyServiceSlotPointsAtItsOwnStub() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            List<Long> stubs = new ArrayList<>();
            for (BootService s : BootService.values()) {
                stubs.add(mem.u64(m.systemTable().bootServices() + s.offset()));
            }
            for (RuntimeService s : RuntimeService.values()) {
                stubs.add(mem.u64(m.systemTable().runtimeServices() + s.offset()));
            }
            assertThat(stubs).doesNotHaveDuplicates().doesNotContain(0L);
            assertThat(m.machine().gate().labelAt(mem.u64(m.systemTable().bootServices() + BootService.ALLOCATE_PAGES.offset())))
                    .isEqualTo("AllocatePages");
        }
    }

    @Test
    void installConfigurationTableAddsReplacesAndRemovesEntriesAndResealsTheSystemTable() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            long st = m.systemTable().address();
            long atBoot = mem.u64(st + SystemTable.NUMBER_OF_TABLE_ENTRIES); // the platform's (PlatformTables)
            Guid table = Guid.parse("EE4E5898-3914-4259-9D6E-DC7BD79403CF"); // one OVMF has and efiemu does not
            assertThat(m.installConfigurationTable(table, 0xE0000)).isEqualTo(EfiStatus.SUCCESS);
            Guid hobList = Guid.parse("7739F24C-93D7-11D4-9A3A-0090273FC14D"); // another one efiemu does not have
            assertThat(m.installConfigurationTable(hobList, 0xF0000)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(m.installConfigurationTable(table, 0xE1000)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(m.installConfigurationTable(Guid.parse("05AD34BA-6F02-4214-952E-4DA0398E2BB9"), 0)) // DXE services
                    .isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(mem.u64(st + SystemTable.NUMBER_OF_TABLE_ENTRIES)).isEqualTo(atBoot + 2);
            long array = mem.u64(st + SystemTable.CONFIGURATION_TABLE) + 24 * atBoot;
            assertThat(Guid.fromBytes(mem.read(array, 16))).isEqualTo(table);
            assertThat(mem.u64(array + 16)).isEqualTo(0xE1000);
            assertThat(m.installConfigurationTable(table, 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(Guid.fromBytes(mem.read(array, 16))).isEqualTo(hobList);
            assertThat(mem.u32(st + TableHeader.OFFSET_CRC32)).isEqualTo(TableHeader.compute(mem, st));
        }
    }

    @Test
    void arenaPiecesLieInsideFirmwareOwnedDescriptorsOfTheirType() {
        PlatformDescription p = TestPlatforms.ovmfQ35();
        try (UefiMachine m = machine()) {
            assertThat(m.arena()).isNotEmpty().allSatisfy(piece -> assertThat(p.memoryMap()).anySatisfy(d -> {
                assertThat(d.type()).isEqualTo(piece.type().value());
                assertThat(piece.base()).isGreaterThanOrEqualTo(d.physicalStart());
                assertThat(piece.end()).isLessThanOrEqualTo(d.end());
            }));
            assertThat(m.arena()).extracting(FirmwareArena.Piece::label).contains("EFI_SYSTEM_TABLE", "EFI_BOOT_SERVICES",
                    "EFI_RUNTIME_SERVICES", "application stack (128 KiB)", "Runtime Services stubs");
        }
    }

    @Test
    void platformWithoutRuntimeDataMemoryIsRefusedNamingWhatIsMissing() {
        PlatformDescription p = TestPlatforms.ovmfQ35();
        List<MemoryDescriptor> map = p.memoryMap().stream()
                .map(d -> d.type() == MemoryType.EfiRuntimeServicesData.value()
                        ? new MemoryDescriptor(MemoryType.EfiReservedMemoryType.value(), d.physicalStart(), d.numberOfPages(), 0xF) : d)
                .toList();
        PlatformDescription bad = new PlatformDescription(p.name(), map, p.placement(), 48, 1, p.firmware(), p.cpu(),
                p.smbios(), p.acpi(), p.console(), p.variables(), p.quirks());
        assertThatThrownBy(() -> UefiMachine.builder(bad).payload(TestPlatforms.payload("services")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no EfiRuntimeServicesData descriptor below 4 GiB");
    }

    @Test
    void serviceStatusListsEverySlotOfBothTables() {
        List<ServiceBindings.SlotStatus> status = ServiceBindings.serviceStatus();
        assertThat(status).hasSize(BootService.values().length + RuntimeService.values().length);
        assertThat(status).filteredOn(s -> s.service().equals("AllocatePages")).singleElement()
                .satisfies(s -> assertThat(s.implemented()).isTrue());
        assertThat(status).filteredOn(s -> s.service().equals("Reserved")).singleElement()
                .satisfies(s -> assertThat(s.implemented()).isFalse());
    }

    @Test
    void replacedServiceRunsInsteadOfTheBoundOneAndIsStillTraced() {
        try (UefiMachine m = machine()) {
            List<String> seen = new ArrayList<>();
            m.services().replace("Stall", call -> EfiStatus.DEVICE_ERROR);
            m.services().intercept("Stall", new org.efiemu.uefi.boot.ServiceInterceptor() {
                @Override
                public void after(org.efiemu.uefi.boot.ServiceCall call, EfiStatus status) {
                    seen.add(call.service() + " " + status);
                }
            });
            BootResult r = m.run();
            assertThat(seen).containsExactly("Stall EFI_DEVICE_ERROR");
            assertThat(r.trace()).filteredOn(e -> e.service().equals("Stall")).singleElement()
                    .satisfies(e -> assertThat(e.status()).isEqualTo("EFI_DEVICE_ERROR"));
        }
    }

    @Test
    void twoRunsGiveByteIdenticalJsonTraces() {
        String a;
        String b;
        try (UefiMachine m = machine()) {
            m.run();
            a = m.trace().toJsonLines();
        }
        try (UefiMachine m = machine()) {
            m.run();
            b = m.trace().toJsonLines();
        }
        assertThat(a).isEqualTo(b).contains("\"service\":\"AllocatePages\"");
        assertThat(a.lines().findFirst().orElseThrow()).startsWith("{\"sequence\":1,\"virtualNanos\":");
    }
}
