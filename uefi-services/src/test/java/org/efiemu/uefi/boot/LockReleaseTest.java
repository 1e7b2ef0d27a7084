package org.efiemu.uefi.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.uefi.runtime.RuntimeService;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;

/** The lock rules of the service table (EDK2's CoreRestoreTpl STI on lock release), without an emulator. */
class LockReleaseTest {

    @Test
    void argumentChecksBeforeTheLockLeaveInterruptsAloneUnlessTheAdapterSaysTheLockWasTaken() {
        LockRelease r = LockRelease.AFTER_ARGUMENT_CHECKS;
        assertThat(r.released(EfiStatus.SUCCESS, null)).isTrue();
        assertThat(r.released(EfiStatus.NOT_FOUND, null)).isTrue();
        assertThat(r.released(EfiStatus.BUFFER_TOO_SMALL, null)).isTrue();
        assertThat(r.released(EfiStatus.INVALID_PARAMETER, null)).isFalse();
        assertThat(r.released(EfiStatus.INVALID_PARAMETER, true)).isTrue();
        assertThat(r.released(EfiStatus.SUCCESS, false)).isFalse();
    }

    @Test
    void noLockAndAdapterHandledRulesNeverSetInterruptsFromTheDispatcher() {
        for (EfiStatus s : EfiStatus.values()) {
            assertThat(LockRelease.NONE.released(s, true)).isFalse();
            assertThat(LockRelease.BY_ADAPTER.released(s, null)).isFalse();
            assertThat(LockRelease.ALWAYS.released(s, null)).isTrue();
        }
    }

    @Test
    void installConfigurationTableReturnsBeforeItsLockForANullGuidAndAMissingEntryToDelete() {
        LockRelease r = ServiceBindings.lockRelease(BootService.INSTALL_CONFIGURATION_TABLE);
        assertThat(r.released(EfiStatus.INVALID_PARAMETER, null)).isFalse();
        assertThat(r.released(EfiStatus.NOT_FOUND, null)).isFalse();
        assertThat(r.released(EfiStatus.SUCCESS, null)).isTrue();
        assertThat(r.released(EfiStatus.OUT_OF_RESOURCES, null)).isTrue();
    }

    @Test
    void theTableGivesMemoryProtocolVariableAndTimeServicesALockAndCrcCopySetMemAndStallNone() {
        for (BootService s : new BootService[] {BootService.ALLOCATE_POOL, BootService.FREE_PAGES,
                BootService.GET_MEMORY_MAP, BootService.HANDLE_PROTOCOL, BootService.LOCATE_HANDLE_BUFFER,
                BootService.INSTALL_PROTOCOL_INTERFACE, BootService.CONNECT_CONTROLLER, BootService.SET_WATCHDOG_TIMER,
                BootService.GET_NEXT_MONOTONIC_COUNT, BootService.START_IMAGE}) {
            assertThat(ServiceBindings.lockRelease(s).released(EfiStatus.SUCCESS, null)).as(s.specName()).isTrue();
        }
        for (BootService s : new BootService[] {BootService.CALCULATE_CRC32, BootService.COPY_MEM, BootService.SET_MEM,
                BootService.STALL}) {
            assertThat(ServiceBindings.lockRelease(s)).as(s.specName()).isSameAs(LockRelease.NONE);
        }
        for (BootService s : new BootService[] {BootService.RAISE_TPL, BootService.RESTORE_TPL, BootService.SET_TIMER,
                BootService.CHECK_EVENT, BootService.EXIT_BOOT_SERVICES}) {
            assertThat(ServiceBindings.lockRelease(s)).as(s.specName()).isSameAs(LockRelease.BY_ADAPTER);
        }
        for (RuntimeService s : new RuntimeService[] {RuntimeService.GET_VARIABLE, RuntimeService.SET_VARIABLE,
                RuntimeService.GET_TIME, RuntimeService.QUERY_VARIABLE_INFO}) {
            assertThat(ServiceBindings.lockRelease(s).released(EfiStatus.NOT_FOUND, null)).as(s.specName()).isTrue();
        }
        assertThat(ServiceBindings.lockRelease(RuntimeService.RESET_SYSTEM)).isSameAs(LockRelease.NONE);
    }

    @Test
    void anAbandonedFatFileAnswersFlushBeforeTheLockAndReadWriteGetInfoUnderIt() {
        // FatFlushEx returns OFile->Error before FatAcquireLock; FatIFileAccess and FatSetOrGetInfo after it
        for (EfiStatus error : new EfiStatus[] {EfiStatus.MEDIA_CHANGED, EfiStatus.NO_MEDIA}) {
            assertThat(ProtocolLocks.of("File.Flush").released(error, null)).as(error.specName()).isFalse();
            assertThat(ProtocolLocks.of("File.Read").released(error, null)).isTrue();
            assertThat(ProtocolLocks.of("File.Write").released(error, null)).isTrue();
            assertThat(ProtocolLocks.of("File.GetInfo").released(error, null)).isTrue();
            assertThat(ProtocolLocks.of("File.Open").released(error, null)).isTrue();
        }
        assertThat(ProtocolLocks.of("File.Flush").released(EfiStatus.SUCCESS, null)).isTrue();
    }
}
