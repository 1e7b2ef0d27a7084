package org.efiemu.uefi.handle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * A captured firmware's open entries restored into the handle database (UEFI 2.10 §7.3.9-7.3.11, EDK2
 * {@code CoreOpenProtocol}) and the removals a captured driver unload applies (§7.4.6).
 */
class RestoredOpensTest {

    static final Guid A = Guid.parse("11111111-0000-0000-0000-000000000001");
    static final Guid B = Guid.parse("11111111-0000-0000-0000-000000000002");

    long next = 0x1000;
    final HandleDatabase db = new HandleDatabase(() -> next += 0x10, e -> { }, p -> null);
    final long core = db.installProtocolInterface(0, B, 0xC0).handle();
    final long driver = db.installProtocolInterface(0, B, 0xD0).handle();
    final long app = db.installProtocolInterface(0, B, 0xE0).handle();
    final long controller = db.installProtocolInterface(0, A, 0xA0).handle();
    final long child = db.installProtocolInterface(0, A, 0xA1).handle();

    @Test
    void restoredEntriesAreWhatOpenProtocolInformationGivesInOrderWithTheirCounts() {
        db.restoreOpen(controller, A, core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 804);
        db.restoreOpen(controller, A, driver, controller, OpenAttributes.BY_DRIVER, 1);
        db.restoreOpen(controller, A, driver, child, OpenAttributes.BY_CHILD_CONTROLLER, 1);
        assertThat(db.openProtocolInformation(controller, A)).containsExactly(
                new OpenProtocolEntry(core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 804),
                new OpenProtocolEntry(driver, controller, OpenAttributes.BY_DRIVER, 1),
                new OpenProtocolEntry(driver, child, OpenAttributes.BY_CHILD_CONTROLLER, 1));
    }

    @Test
    void aProtocolADriverHoldsByDriverIsAccessDeniedToAnotherAgentAndAlreadyStartedToTheSameOne() {
        db.restoreOpen(controller, A, driver, controller, OpenAttributes.BY_DRIVER, 1);
        assertThat(db.openProtocol(controller, A, app, controller, OpenAttributes.BY_DRIVER))
                .isEqualTo(new InterfaceResult(EfiStatus.ACCESS_DENIED, 0, true));
        assertThat(db.openProtocol(controller, A, driver, controller, OpenAttributes.BY_DRIVER))
                .isEqualTo(new InterfaceResult(EfiStatus.ALREADY_STARTED, 0xA0, true));
        assertThat(db.openProtocolInformation(controller, A)).hasSize(1);
        assertThat(db.isManagedByDriver(controller)).isTrue();
        assertThat(db.isManagedByDriver(child)).isFalse();
    }

    @Test
    void handleProtocolByTheCoreImageCountsOnTheRestoredEntry() {
        db.restoreOpen(controller, A, core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 5);
        db.setCoreImageHandle(core);
        db.handleProtocol(controller, A);
        assertThat(db.openProtocolInformation(controller, A)).containsExactly(
                new OpenProtocolEntry(core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 6));
    }

    @Test
    void restoringAnOpenOnAProtocolTheHandleLacksIsRefused() {
        assertThatThrownBy(() -> db.restoreOpen(controller, B, core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to restore an open entry on");
        assertThatThrownBy(() -> db.restoreOpen(controller, A, core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("open count 0");
    }

    @Test
    void removingAHandleTakesItsProtocolsAndTheEntriesNamingItElsewhere() {
        db.restoreOpen(controller, A, driver, controller, OpenAttributes.BY_DRIVER, 1);
        db.restoreOpen(controller, A, driver, child, OpenAttributes.BY_CHILD_CONTROLLER, 1);
        db.restoreOpen(controller, A, core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 3);
        assertThat(db.removeHandle(child)).isTrue();
        assertThat(db.isValid(child)).isFalse();
        assertThat(db.locateHandleBuffer(LocateSearchType.ByProtocol, A, 0).handles()).containsExactly(controller);
        assertThat(db.openProtocolInformation(controller, A)).hasSize(2);
        db.closeOpensByAgent(driver);
        assertThat(db.openProtocolInformation(controller, A)).containsExactly(
                new OpenProtocolEntry(core, 0, OpenAttributes.BY_HANDLE_PROTOCOL, 3));
        assertThat(db.removeHandle(child)).isFalse();
    }

    @Test
    void removingSomeProtocolsKeepsTheHandleUntilItsLastGoes() {
        db.installProtocolInterface(driver, A, 0xD1);
        db.removeProtocols(driver, g -> g.equals(A));
        assertThat(db.protocolsPerHandle(driver)).containsExactly(B);
        db.removeProtocols(driver, g -> true);
        assertThat(db.isValid(driver)).isFalse();
        assertThat(db.handles()).containsExactly(core, app, controller, child);
        assertThat(List.of(core, app)).allMatch(db::isValid);
    }
}
