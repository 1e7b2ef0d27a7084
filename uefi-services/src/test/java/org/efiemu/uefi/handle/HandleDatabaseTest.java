package org.efiemu.uefi.handle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.handle.OpenAttributes.BY_CHILD_CONTROLLER;
import static org.efiemu.uefi.handle.OpenAttributes.BY_DRIVER;
import static org.efiemu.uefi.handle.OpenAttributes.EXCLUSIVE;
import static org.efiemu.uefi.handle.OpenAttributes.GET_PROTOCOL;
import static org.efiemu.uefi.handle.OpenAttributes.TEST_PROTOCOL;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

class HandleDatabaseTest {

    static final Guid A = Guid.parse("11111111-0000-0000-0000-000000000001");
    static final Guid B = Guid.parse("11111111-0000-0000-0000-000000000002");
    static final Guid DP = Guid.EFI_DEVICE_PATH_PROTOCOL_GUID;

    final List<Long> signalled = new ArrayList<>();
    final Map<Long, byte[]> devicePaths = new HashMap<>();
    long next = 0x1000;
    final HandleDatabase db = new HandleDatabase(() -> next += 0x10, signalled::add, devicePaths::get);

    long install(long handle, Guid g, long iface) {
        HandleResult r = db.installProtocolInterface(handle, g, iface);
        assertThat(r.status()).isEqualTo(EfiStatus.SUCCESS);
        return r.handle();
    }

    @Test
    void installWithNullHandleCreatesANewHandle() {
        long h = install(0, A, 0xA000);
        assertThat(h).isEqualTo(0x1010);
        assertThat(db.handles()).containsExactly(h);
        assertThat(db.handleProtocol(h, A)).isEqualTo(new InterfaceResult(EfiStatus.SUCCESS, 0xA000, true));
    }

    @Test
    void installingAProtocolTheHandleAlreadyHasReturnsInvalidParameter() {
        long h = install(0, A, 0xA000);
        assertThat(db.installProtocolInterface(h, A, 0xA001).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(db.installProtocolInterface(0x9999, B, 1).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void handleProtocolOnMissingProtocolReturnsUnsupportedAndNullInterface() {
        long h = install(0, A, 0xA000);
        assertThat(db.handleProtocol(h, B)).isEqualTo(new InterfaceResult(EfiStatus.UNSUPPORTED, 0, true));
        assertThat(db.handleProtocol(0x5, A).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void uninstallingTheLastProtocolRemovesTheHandle() {
        long h = install(0, A, 0xA000);
        install(h, B, 0xB000);
        assertThat(db.uninstallProtocolInterface(h, A, 0xA001)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.uninstallProtocolInterface(h, A, 0xA000)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.protocolsPerHandle(h)).containsExactly(B);
        assertThat(db.uninstallProtocolInterface(h, B, 0xB000)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.isValid(h)).isFalse();
        assertThat(db.uninstallProtocolInterface(h, B, 0xB000)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void uninstallWhileOpenedByDriverReturnsAccessDeniedUntilClosed() {
        long h = install(0, A, 0xA000);
        long driver = install(0, B, 0xB000);
        assertThat(db.openProtocol(h, A, driver, h, BY_DRIVER).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.uninstallProtocolInterface(h, A, 0xA000)).isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(db.closeProtocol(h, A, driver, h)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.uninstallProtocolInterface(h, A, 0xA000)).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void uninstallClosesGetProtocolOpensImplicitly() {
        long h = install(0, A, 0xA000);
        long agent = install(0, B, 0xB000);
        db.openProtocol(h, A, agent, 0, GET_PROTOCOL);
        assertThat(db.uninstallProtocolInterface(h, A, 0xA000)).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void openByDriverTwiceBySameAgentReturnsAlreadyStartedWithInterface() {
        long h = install(0, A, 0xA000);
        long d1 = install(0, B, 0xB000);
        long d2 = install(0, B, 0xB001);
        db.openProtocol(h, A, d1, h, BY_DRIVER);
        assertThat(db.openProtocol(h, A, d1, h, BY_DRIVER))
                .isEqualTo(new InterfaceResult(EfiStatus.ALREADY_STARTED, 0xA000, true));
        assertThat(db.openProtocol(h, A, d2, h, BY_DRIVER))
                .isEqualTo(new InterfaceResult(EfiStatus.ACCESS_DENIED, 0, true));
        assertThat(db.openProtocol(h, A, d2, 0, EXCLUSIVE).status()).isEqualTo(EfiStatus.ACCESS_DENIED);
    }

    @Test
    void repeatedIdenticalOpenIncrementsOpenCount() {
        long h = install(0, A, 0xA000);
        long agent = install(0, B, 0xB000);
        db.openProtocol(h, A, agent, 0, GET_PROTOCOL);
        db.openProtocol(h, A, agent, 0, GET_PROTOCOL);
        assertThat(db.openProtocolInformation(h, A))
                .containsExactly(new OpenProtocolEntry(agent, 0, GET_PROTOCOL, 2));
        assertThat(db.openProtocolInformationStatus(h, A)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.openProtocolInformationStatus(h, B)).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void openWithInvalidAttributesOrChildOnItselfReturnsInvalidParameter() {
        long h = install(0, A, 0xA000);
        long agent = install(0, B, 0xB000);
        assertThat(db.openProtocol(h, A, agent, h, 0x40).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(db.openProtocol(h, A, agent, h, BY_CHILD_CONTROLLER).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(db.openProtocol(h, A, 0, h, BY_DRIVER).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void testProtocolLeavesInterfaceUnwritten() {
        long h = install(0, A, 0xA000);
        assertThat(db.openProtocol(h, A, 0, 0, TEST_PROTOCOL))
                .isEqualTo(new InterfaceResult(EfiStatus.SUCCESS, 0xA000, false));
        assertThat(db.openProtocol(h, B, 0, 0, TEST_PROTOCOL).interfaceWritten()).isFalse();
    }

    @Test
    void closeProtocolWithoutMatchingOpenReturnsNotFound() {
        long h = install(0, A, 0xA000);
        long agent = install(0, B, 0xB000);
        assertThat(db.closeProtocol(h, A, agent, 0)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.closeProtocol(h, B, agent, 0)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.closeProtocol(h, A, 0x77, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void installMultipleIsAllOrNothing() {
        long h = install(0, A, 0xA000);
        HandleResult r = db.installMultipleProtocolInterfaces(h, List.of(Map.entry(B, 0xB000L), Map.entry(A, 1L)));
        assertThat(r.status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(db.protocolsPerHandle(h)).containsExactly(A);
    }

    @Test
    void installMultipleWithAnAlreadyInstalledDevicePathReturnsAlreadyStarted() {
        byte[] path = {1, 1, 6, 0, 2, 0x1F, 0x7F, (byte) 0xFF, 4, 0};
        devicePaths.put(0xD000L, path);
        devicePaths.put(0xD100L, path.clone());
        long first = db.installMultipleProtocolInterfaces(0, List.of(Map.entry(DP, 0xD000L))).handle();
        HandleResult second = db.installMultipleProtocolInterfaces(0,
                List.of(Map.entry(A, 0xA000L), Map.entry(DP, 0xD100L)));
        assertThat(second).isEqualTo(new HandleResult(EfiStatus.ALREADY_STARTED, 0));
        assertThat(db.handles()).containsExactly(first);
    }

    @Test
    void locateHandleReportsBufferTooSmallWithTheNeededSize() {
        long h1 = install(0, A, 1);
        long h2 = install(0, A, 2);
        install(0, B, 3);
        LocateResult small = db.locateHandle(LocateSearchType.ByProtocol, A, 0, 8);
        assertThat(small.status()).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(small.requiredSize()).isEqualTo(16);
        assertThat(db.locateHandle(LocateSearchType.ByProtocol, A, 0, 16).handles()).containsExactly(h1, h2);
        assertThat(db.locateHandle(LocateSearchType.AllHandles, null, 0, 24).handles()).hasSize(3);
        assertThat(db.locateHandle(LocateSearchType.ByProtocol, Guid.EFI_GLOBAL_VARIABLE, 0, 64).status())
                .isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.locateHandle(null, A, 0, 64).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void locateHandleBufferTurnsOtherErrorsIntoNotFound() {
        assertThat(db.locateHandleBuffer(LocateSearchType.AllHandles, null, 0).status())
                .isEqualTo(EfiStatus.NOT_FOUND);
        long h = install(0, A, 1);
        assertThat(db.locateHandleBuffer(LocateSearchType.AllHandles, null, 0).handles()).containsExactly(h);
    }

    @Test
    void registerNotifySignalsOnInstallAndReinstallAndYieldsEachNewHandleOnce() {
        long event = 0xE0;
        long key = db.registerProtocolNotify(A, event).handle();
        assertThat(db.locateProtocol(A, key).status()).isEqualTo(EfiStatus.NOT_FOUND);
        long h1 = install(0, A, 0xA1);
        long h2 = install(0, A, 0xA2);
        assertThat(signalled).containsExactly(event, event);
        assertThat(db.locateHandle(LocateSearchType.ByRegisterNotify, null, key, 0).status())
                .isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(db.locateHandle(LocateSearchType.ByRegisterNotify, null, key, 8).handles()).containsExactly(h1);
        assertThat(db.locateProtocol(A, key)).isEqualTo(new InterfaceResult(EfiStatus.SUCCESS, 0xA2, true));
        assertThat(db.locateProtocol(A, key).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.reinstallProtocolInterface(h1, A, 0xA1, 0xA3)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(signalled).hasSize(3);
        assertThat(db.locateProtocol(A, key)).isEqualTo(new InterfaceResult(EfiStatus.SUCCESS, 0xA3, true));
        assertThat(db.locateProtocol(A, 0).interfacePointer()).isEqualTo(0xA2);
        assertThat(h2).isNotEqualTo(h1);
    }

    @Test
    void closingTheEventUnregistersItsNotifications() {
        long key = db.registerProtocolNotify(A, 0xE0).handle();
        db.unregisterProtocolNotify(0xE0);
        install(0, A, 1);
        assertThat(signalled).isEmpty();
        assertThat(db.locateProtocol(A, key).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void locateDevicePathPicksTheLongestPrefixAndReportsConsumedBytes() {
        byte[] root = {2, 1, 12, 0, (byte) 0xD0, 0x41, 0x03, 0x0A, 0, 0, 0, 0, 0x7F, (byte) 0xFF, 4, 0};
        byte[] pci = {2, 1, 12, 0, (byte) 0xD0, 0x41, 0x03, 0x0A, 0, 0, 0, 0, 1, 1, 6, 0, 2, 0x1F,
            0x7F, (byte) 0xFF, 4, 0};
        byte[] file = {2, 1, 12, 0, (byte) 0xD0, 0x41, 0x03, 0x0A, 0, 0, 0, 0, 1, 1, 6, 0, 2, 0x1F,
            4, 4, 8, 0, 'A', 0, 0, 0, 0x7F, (byte) 0xFF, 4, 0};
        devicePaths.put(0xD0L, root);
        devicePaths.put(0xD1L, pci);
        install(0, DP, 0xD0);
        long pciHandle = install(0, DP, 0xD1);
        install(pciHandle, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, 0xB10);
        assertThat(db.locateDevicePath(DP, file)).isEqualTo(new DevicePathMatch(EfiStatus.SUCCESS, pciHandle, 18));
        assertThat(db.locateDevicePath(Guid.EFI_BLOCK_IO_PROTOCOL_GUID, file).handle()).isEqualTo(pciHandle);
        assertThat(db.locateDevicePath(Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, file).status())
                .isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void reinstallWithWrongOldInterfaceReturnsNotFound() {
        long h = install(0, A, 0xA000);
        assertThat(db.reinstallProtocolInterface(h, A, 0xA001, 0xA002)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.reinstallProtocolInterface(0x3, A, 0xA000, 0xA002)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void uninstallMultipleRestoresOnFailure() {
        long h = install(0, A, 0xA000);
        install(h, B, 0xB000);
        assertThat(db.uninstallMultipleProtocolInterfaces(h, List.of(Map.entry(A, 0xA000L), Map.entry(B, 1L))))
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(db.protocolsPerHandle(h)).containsExactlyInAnyOrder(A, B);
    }

    @Test
    void uninstallingTheLastReportedInterfaceBacksTheRegistrationUpSoNothingIsSkipped() {
        long key = db.registerProtocolNotify(A, 0xE0).handle();
        long h1 = install(0, A, 0xA1);
        assertThat(db.locateProtocol(A, key).interfacePointer()).isEqualTo(0xA1);
        assertThat(db.uninstallProtocolInterface(h1, A, 0xA1)).isEqualTo(EfiStatus.SUCCESS);
        install(0, A, 0xA2);
        assertThat(db.locateProtocol(A, key)).isEqualTo(new InterfaceResult(EfiStatus.SUCCESS, 0xA2, true));
    }

    @Test
    void handleAllocatorReturningAValueInUseIsAnError() {
        HandleDatabase broken = new HandleDatabase(() -> 0x10, e -> { }, p -> null);
        broken.installProtocolInterface(0, A, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broken.installProtocolInterface(0, B, 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("0x10");
    }
}
