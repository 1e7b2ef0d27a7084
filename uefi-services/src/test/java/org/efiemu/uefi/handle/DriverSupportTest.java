package org.efiemu.uefi.handle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import org.efiemu.uefi.handle.DriverSupport.Binding;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * The driver model's connect and disconnect as EDK2's {@code DriverSupport.c} (UEFI 2.10 §7.3.12, §7.3.13, §11.1),
 * with drivers written in Java: which driver gets Supported/Start/Stop, in which order, and the statuses.
 */
class DriverSupportTest {
    static final Guid DEVICE = Guid.parse("6F0D7E3A-51C2-4B8E-9A1D-3C5E7B204491");
    static final Guid CHILD = Guid.parse("6F0D7E3B-51C2-4B8E-9A1D-3C5E7B204492");

    long next = 0x1000;
    final HandleDatabase db = new HandleDatabase(() -> next += 0x10, e -> { }, p -> null);
    final DriverSupport model = new DriverSupport(db);
    final List<String> log = new ArrayList<>();
    final Map<Long, Binding> bindings = new HashMap<>();
    final Map<Long, String> names = new HashMap<>();
    /** Which driver (by name) supports which controller. */
    BiFunction<String, Long, Boolean> supports = (d, c) -> true;
    /** Driver bindings whose handles a captured firmware made (no code). */
    final Set<Long> captured = new HashSet<>();
    /** Run once when Supported is first called: e.g. install another driver binding. */
    Runnable onFirstSupported = () -> { };

    final DriverSupport.DriverCalls calls = new DriverSupport.DriverCalls() {
        @Override
        public Binding binding(long handle) {
            return captured.contains(handle) ? null : bindings.get(handle);
        }

        @Override
        public EfiStatus supported(Binding b, long controller, long remaining) {
            Runnable r = onFirstSupported;
            onFirstSupported = () -> { };
            r.run();
            boolean yes = supports.apply(b.driverName(), controller)
                    && !db.openProtocol(controller, DEVICE, 0, 0, OpenAttributes.TEST_PROTOCOL).status().isError()
                    && db.openEntries(controller).stream().noneMatch(e -> (e.attributes() & OpenAttributes.BY_DRIVER) != 0
                            && e.agentHandle() == b.handle());
            log.add(b.driverName() + " supported " + names.get(controller) + (yes ? "" : " no"));
            return yes ? EfiStatus.SUCCESS : EfiStatus.UNSUPPORTED;
        }

        @Override
        public EfiStatus start(Binding b, long controller, long remaining) {
            log.add(b.driverName() + " start " + names.get(controller));
            EfiStatus s = db.openProtocol(controller, DEVICE, b.handle(), controller, OpenAttributes.BY_DRIVER).status();
            if (b.driverName().equals("bus") && !s.isError()) {
                long child = db.installProtocolInterface(0, CHILD, 0x77).handle();
                names.put(child, names.get(controller) + "-child");
                db.openProtocol(controller, DEVICE, b.handle(), child, OpenAttributes.BY_CHILD_CONTROLLER);
            }
            return s;
        }

        @Override
        public EfiStatus stop(Binding b, long controller, List<Long> children) {
            log.add(b.driverName() + " stop " + names.get(controller) + " " + children.stream().map(names::get).toList());
            for (long c : children) {
                db.closeProtocol(controller, DEVICE, b.handle(), c);
                db.uninstallProtocolInterface(c, CHILD, 0x77);
            }
            if (children.isEmpty()) {
                db.closeProtocol(controller, DEVICE, b.handle(), controller);
            }
            return EfiStatus.SUCCESS;
        }

        @Override
        public List<Long> platformOverrides(long controller) {
            return List.of();
        }

        @Override
        public List<Long> busSpecificOverrides(long controller) {
            Runnable r = onOverride;
            onOverride = () -> { };
            r.run();
            return busOverrides;
        }

        @Override
        public OptionalLong familyOverrideVersion(long handle) {
            return OptionalLong.empty();
        }

        @Override
        public boolean anyFamilyOverride() {
            return false;
        }
    };
    List<Long> busOverrides = List.of();
    /** Run once when the bus-specific override is first asked: e.g. install another driver binding. */
    Runnable onOverride = () -> { };

    long driver(String name, long version) {
        long h = db.installProtocolInterface(0, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID, 0x5000 + next).handle();
        bindings.put(h, new Binding(h, 0x5000 + next, 1, 2, 3, version, h, h, name));
        return h;
    }

    long controller(String name) {
        long h = db.installProtocolInterface(0, DEVICE, 0x100).handle();
        names.put(h, name);
        return h;
    }

    @Test
    void connectTriesDriversByVersionHighestFirstAndLoopsUntilNoneStarts() {
        driver("low", 0x10);
        driver("high", 0x30);
        driver("mid", 0x20);
        long a = controller("A");
        supports = (d, c) -> !d.equals("high");
        var o = model.connectController(a, null, 0, false, false, calls);
        assertThat(o.status()).isEqualTo(EfiStatus.SUCCESS);
        // mid starts (BY_DRIVER); the loop goes on from the top: high still says no, low cannot open it BY_DRIVER
        assertThat(log).containsExactly("high supported A no", "mid supported A", "mid start A", "high supported A no",
                "low supported A", "low start A", "high supported A no");
    }

    @Test
    void theDriverImageHandleListComesBeforeTheVersionOrder() {
        long low = driver("low", 0x10);
        driver("high", 0x30);
        long a = controller("A");
        model.connectController(a, List.of(low), 0, false, false, calls);
        assertThat(log.get(0)).isEqualTo("low supported A");
    }

    @Test
    void theBusSpecificOverrideComesBeforeTheVersionOrderAndNamesDriversByImageHandle() {
        long low = driver("low", 0x10);
        driver("high", 0x30);
        busOverrides = List.of(low);
        model.connectController(controller("A"), null, 0, false, false, calls);
        assertThat(log.get(0)).isEqualTo("low supported A");
    }

    @Test
    void noDriverStartedIsNotFoundUnlessRemainingDevicePathIsAnEndNode() {
        driver("d", 1);
        long a = controller("A");
        supports = (d, c) -> false;
        assertThat(model.connectController(a, null, 0, false, false, calls).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(model.connectController(a, null, 0x9000, true, false, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(model.connectController(a, null, 0x9000, false, false, calls).status()).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void connectOfAnInvalidHandleIsInvalidParameterAndWithoutGuestDriversNotFound() {
        assertThat(model.connectController(0x4242, null, 0, false, false, calls).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        long a = controller("A");
        captured.add(driver("firmware", 5));
        assertThat(model.connectController(a, null, 0, false, false, calls).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(log).isEmpty();
    }

    @Test
    void recursiveConnectReachesTheChildrenABusDriverMade() {
        driver("bus", 0x20);
        long a = controller("A");
        supports = (d, c) -> names.get(c).equals("A");
        model.connectController(a, null, 0, false, true, calls);
        // the driver that started leaves the order (EDK2 sets its slot to NULL): the child is the next Supported
        assertThat(log).containsExactly("bus supported A", "bus start A", "bus supported A-child no");
    }

    @Test
    void aDriverBindingInstalledWhileTheOrderIsMadeRestartsItWithTheNewDriver() {
        driver("first", 0x10);
        long a = controller("A");
        onOverride = () -> driver("late", 0x40);
        supports = (d, c) -> false;
        var o = model.connectController(a, null, 0, false, false, calls);
        assertThat(o.notes()).anySatisfy(n -> assertThat(n).contains("the order is made again"));
        assertThat(log).containsExactly("late supported A no", "first supported A no");
    }

    @Test
    void aDriverBindingInstalledDuringSupportedTakesPartFromTheNextConnect() {
        driver("first", 0x10);
        long a = controller("A");
        onFirstSupported = () -> driver("late", 0x40);
        supports = (d, c) -> false;
        model.connectController(a, null, 0, false, false, calls);
        assertThat(log).containsExactly("first supported A no");
        log.clear();
        model.connectController(a, null, 0, false, false, calls);
        assertThat(log).containsExactly("late supported A no", "first supported A no");
    }

    @Test
    void disconnectStopsTheChildrenFirstThenTheController() {
        driver("bus", 0x20);
        long a = controller("A");
        supports = (d, c) -> names.get(c).equals("A");
        model.connectController(a, null, 0, false, false, calls);
        log.clear();
        assertThat(model.disconnectController(a, 0, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(log).containsExactly("bus stop A [A-child]", "bus stop A []");
        assertThat(db.isManagedByDriver(a)).isFalse();
    }

    @Test
    void disconnectByADriverThatDoesNotManageIsNotFoundAndByAHandleWithoutBindingInvalidParameter() {
        long d = driver("d", 1);
        long other = driver("other", 2);
        long a = controller("A");
        supports = (n, c) -> n.equals("d");
        model.connectController(a, null, 0, false, false, calls);
        assertThat(model.disconnectController(a, other, 0, calls).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(model.disconnectController(a, a, 0, calls).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(model.disconnectController(a, d, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(model.disconnectController(a, 0, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void aCapturedDriverIsNeitherStoppedNorDisconnectedForAnExclusiveOpen() {
        long fw = driver("firmware", 1);
        captured.add(fw);
        long a = controller("A");
        db.restoreOpen(a, DEVICE, fw, a, OpenAttributes.BY_DRIVER, 1);
        var o = model.disconnectController(a, 0, 0, calls);
        assertThat(o.status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(o.notes()).anySatisfy(n -> assertThat(n).contains("its Stop is not run"));
        assertThat(db.isManagedByDriver(a)).isTrue();
        var open = db.openProtocol(a, DEVICE, a, 0, OpenAttributes.EXCLUSIVE,
                (c, agent) -> model.disconnectForExclusiveOpen(c, agent, calls, new ArrayList<>()));
        assertThat(open.status()).isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(log).isEmpty();
    }

    @Test
    void anExclusiveOpenStopsTheDriverHoldingTheInterface() {
        driver("d", 1);
        long a = controller("A");
        model.connectController(a, null, 0, false, false, calls);
        log.clear();
        var open = db.openProtocol(a, DEVICE, a, 0, OpenAttributes.EXCLUSIVE,
                (c, agent) -> model.disconnectForExclusiveOpen(c, agent, calls, new ArrayList<>()));
        assertThat(open.status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(log).containsExactly("d stop A []");
    }

    HandleDatabase.DriverHooks hooks() {
        return new HandleDatabase.DriverHooks() {
            @Override
            public EfiStatus disconnect(long controller, long agent) {
                return model.disconnectForExclusiveOpen(controller, agent, calls, new ArrayList<>());
            }

            @Override
            public void connect(long handle) {
                model.connectController(handle, null, 0, false, true, calls);
            }
        };
    }

    @Test
    void uninstallOfAnInterfaceADriverHoldsStopsTheDriverFirst() {
        driver("d", 1);
        long a = controller("A");
        model.connectController(a, null, 0, false, false, calls);
        log.clear();
        assertThat(db.uninstallProtocolInterface(a, DEVICE, 0x100, hooks())).isEqualTo(EfiStatus.SUCCESS);
        assertThat(log).containsExactly("d stop A []");
        assertThat(db.isValid(a)).isFalse();
    }

    @Test
    void reinstallStopsTheDriverThenConnectsTheHandleAgain() {
        driver("d", 1);
        long a = controller("A");
        model.connectController(a, null, 0, false, false, calls);
        log.clear();
        assertThat(db.reinstallProtocolInterface(a, DEVICE, 0x100, 0x200, hooks())).isEqualTo(EfiStatus.SUCCESS);
        assertThat(log).containsExactly("d stop A []", "d supported A", "d start A");
    }

    @Test
    void uninstallOfAnInterfaceACapturedDriverHoldsIsDeniedAndLeavesItsOpens() {
        long fw = driver("firmware", 1);
        captured.add(fw);
        long a = controller("A");
        db.restoreOpen(a, DEVICE, fw, a, OpenAttributes.BY_DRIVER, 1);
        assertThat(db.uninstallProtocolInterface(a, DEVICE, 0x100, hooks())).isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(db.reinstallProtocolInterface(a, DEVICE, 0x100, 0x200, hooks())).isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(db.isManagedByDriver(a)).isTrue();
        assertThat(log).isEmpty();
    }

    @Test
    void handlesCreatedOrWithAProtocolUninstalledAreModifiedAfterTheKeyButAnInstallOnAnExistingHandleIsNot() {
        long a = controller("A");
        long key = db.databaseKey();
        db.installProtocolInterface(a, CHILD, 0x77); // EDK2 2022.11 keeps A's key
        long b = controller("B");
        assertThat(db.handlesModifiedAfter(key)).containsExactly(b);
        db.uninstallProtocolInterface(a, CHILD, 0x77);
        assertThat(db.handlesModifiedAfter(key)).containsExactly(a, b);
    }
}
