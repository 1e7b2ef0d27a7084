package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.BootService;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.firmware.TableHeader;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;

/** ExitBootServices (UEFI 2.10 §7.4.6, EDK2 CoreExitBootServices), what may not follow it, and ResetSystem. */
class UefiMachineExitBootServicesTest {

    private static UefiMachine machine(String options) {
        return UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("services")).loadOptions(options).build();
    }

    @Test
    void staleMapKeyIsRefusedAndTheRetryWithTheCurrentKeySucceeds() {
        try (UefiMachine m = machine("ebs")) {
            BootResult r = m.run();
            List<String> ebs = r.trace().stream().filter(e -> e.service().equals("ExitBootServices"))
                    .map(ServiceCallEvent::summary).toList();
            assertThat(ebs).hasSize(2);
            String image = String.format("0x%X", m.imageHandle());
            assertThat(ebs.get(0)).isEqualTo("ExitBootServices(" + image + ", 0xA) = EFI_INVALID_PARAMETER -> MapKey is stale (current 0x9)");
            assertThat(ebs.get(1)).isEqualTo("ExitBootServices(" + image + ", 0x9) = EFI_SUCCESS -> final map: 123 descriptors, MapKey=0x9");
            assertThat(r.outcome()).isEqualTo(BootOutcome.RETURNED);
            assertThat(r.finalMap()).hasValueSatisfying(map -> assertThat(map.mapKey()).isEqualTo(9));
            assertThat(r.console().text(ConsoleListener.Source.SERIAL)).contains("after EBS: EFI_SUCCESS");
        }
    }

    @Test
    void successfulExitBootServicesZeroFillsBootServicesAndNullsSystemTableFieldsWithValidCrc() {
        try (UefiMachine m = machine("ebs")) {
            long bs = m.systemTable().bootServices();
            m.run();
            GuestMemory mem = m.machine().memory();
            long st = m.systemTable().address();
            assertThat(mem.u64(st + SystemTable.BOOT_SERVICES)).isZero();
            assertThat(mem.u64(st + SystemTable.CON_OUT)).isZero();
            assertThat(mem.u64(st + SystemTable.STD_ERR)).isZero();
            assertThat(mem.u64(st + SystemTable.CONSOLE_OUT_HANDLE)).isZero();
            assertThat(mem.u64(st + SystemTable.RUNTIME_SERVICES)).isNotZero();
            assertThat(mem.u32(st + TableHeader.OFFSET_CRC32)).isEqualTo(TableHeader.compute(mem, st));
            assertThat(mem.read(bs, BootService.TABLE_SIZE)).containsOnly(0);
        }
    }

    @Test
    void bootServiceThroughSavedPointerAfterExitBootServicesIsAViolation() {
        try (UefiMachine m = machine("ebs-saved")) {
            BootResult r = m.run();
            assertThat(r.outcome()).isEqualTo(BootOutcome.VIOLATION);
            assertThat(r.violations()).singleElement().satisfies(v -> {
                assertThat(v.kind()).isEqualTo("boot-service-after-exit-boot-services");
                assertThat(v.message()).startsWith("AllocatePages called after ExitBootServices");
                assertThat(v.caller()).startsWith("services.efi+0x");
            });
            assertThat(r.trace().get(r.trace().size() - 1).afterExitBootServices()).isTrue();
        }
    }

    @Test
    void callThroughZeroFilledBootServicesTableIsReportedAsJumpToNullWithCaller() {
        try (UefiMachine m = machine("ebs-table")) {
            BootResult r = m.run();
            assertThat(r.outcome()).as(r.toString() + r.stopReport()).isEqualTo(BootOutcome.VIOLATION);
            assertThat(r.violations()).singleElement().satisfies(v -> {
                assertThat(v.kind()).isEqualTo("jump-to-null");
                assertThat(v.message()).contains("zero-filled Boot Services table");
                assertThat(v.caller()).startsWith("services.efi+0x");
            });
        }
    }

    @Test
    void resetSystemEndsTheRunWithTypeStatusAndReason() {
        try (UefiMachine m = machine("reset")) {
            BootResult r = m.run();
            assertThat(r.outcome()).isEqualTo(BootOutcome.RESET);
            assertThat(r.reset()).hasValueSatisfying(x -> {
                assertThat(x.resetType()).isEqualTo("EfiResetShutdown");
                assertThat(x.status()).isEqualTo("EFI_SUCCESS");
                assertThat(x.data()).isEqualTo("services test done");
            });
        }
    }

    @Test
    void stopAfterExitBootServicesEndsTheRunThere() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("services"))
                .loadOptions("ebs-saved").stopAfterExitBootServices(true).build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
            assertThat(r.violations()).isEmpty();
            assertThat(r.finalMap()).isPresent();
        }
    }
}
