package org.efiemu.uefi.handle;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The UEFI driver model's connect and disconnect (UEFI 2.10 §7.3.12 {@code ConnectController}, §7.3.13
 * {@code DisconnectController}, §11.1 "EFI Driver Binding Protocol"), with the orders and statuses of EDK2's
 * {@code MdeModulePkg/Core/Dxe/Hand/DriverSupport.c} ({@code CoreConnectController}, {@code CoreConnectSingleController},
 * {@code AddSortedDriverBindingProtocol}, {@code CoreDisconnectController}).
 *
 * <p>Pure model over a {@link HandleDatabase}: the drivers' functions ({@code Supported}, {@code Start}, {@code Stop},
 * the override protocols' {@code GetDriver}/{@code GetVersion}) are called through {@link DriverCalls}, which runs them
 * in the guest. Only the driver bindings whose code efiemu holds take part ({@link DriverCalls#binding} answers them): a
 * captured firmware's drivers (a profile's handles, no code) are not called; a controller only they manage is left
 * as it is.
 */
public final class DriverSupport {

    /**
     * An {@code EFI_DRIVER_BINDING_PROTOCOL} instance (UEFI 2.10 §11.1) as the guest laid it out.
     *
     * @param handle the handle the protocol is installed on
     * @param pointer the interface's address ({@code This})
     * @param supported {@code Supported(This, ControllerHandle, RemainingDevicePath)}
     * @param start {@code Start(This, ControllerHandle, RemainingDevicePath)}
     * @param stop {@code Stop(This, ControllerHandle, NumberOfChildren, ChildHandleBuffer)}
     * @param version {@code Version} (UINT32, unsigned)
     * @param imageHandle {@code ImageHandle}
     * @param driverBindingHandle {@code DriverBindingHandle}
     * @param driverName the name of the image holding {@code Supported}, for traces
     */
    public record Binding(long handle, long pointer, long supported, long start, long stop, long version,
            long imageHandle, long driverBindingHandle, String driverName) {
        /** Byte offsets of the fields in {@code EFI_DRIVER_BINDING_PROTOCOL}. */
        public static final int SUPPORTED = 0, START = 8, STOP = 16, VERSION = 24, IMAGE_HANDLE = 32,
                DRIVER_BINDING_HANDLE = 40, SIZE = 48;

        @Override
        public String toString() {
            return String.format("%s DriverBinding 0x%X (Version 0x%X)", driverName, pointer, version);
        }
    }

    /** How the driver model reaches the drivers' code (in the guest). */
    public interface DriverCalls {
        /** The driver binding on {@code handle} whose code efiemu holds, or null (none, or a captured driver's). */
        Binding binding(long handle);

        /** {@code Supported(This, ControllerHandle, RemainingDevicePath)}. */
        EfiStatus supported(Binding b, long controller, long remainingDevicePath);

        /** {@code Start(This, ControllerHandle, RemainingDevicePath)}. */
        EfiStatus start(Binding b, long controller, long remainingDevicePath);

        /** {@code Stop(This, ControllerHandle, NumberOfChildren, ChildHandleBuffer)}; no children: NULL buffer. */
        EfiStatus stop(Binding b, long controller, List<Long> children);

        /**
         * The image handles {@code EFI_PLATFORM_DRIVER_OVERRIDE_PROTOCOL.GetDriver} gives for {@code controller}, in
         * order, until it fails; empty without the protocol (or with a captured one).
         */
        List<Long> platformOverrides(long controller);

        /** As {@link #platformOverrides} for the controller's {@code EFI_BUS_SPECIFIC_DRIVER_OVERRIDE_PROTOCOL}. */
        List<Long> busSpecificOverrides(long controller);

        /** {@code EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL.GetVersion} of the one on {@code handle}, or empty. */
        OptionalLong familyOverrideVersion(long handle);

        /** Whether some handle has {@code EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL} efiemu can call. */
        boolean anyFamilyOverride();

        /**
         * Whether {@code b}'s Stop can run: false for a built-in driver whose Stop efiemu does not model, which
         * DisconnectController then treats as a captured firmware's driver (not run, counts as stopped).
         */
        default boolean stoppable(Binding b) {
            return true;
        }
    }

    /**
     * A firmware driver whose Driver Binding Protocol (UEFI 2.10 §11.1) efiemu runs in Java on the driver's own
     * handle (a captured firmware's image, e.g. EDK2's PartitionDxe): its Supported and Start make the opens and
     * return the statuses of the EDK2 code they model, so ConnectController orders and calls it with the drivers
     * that are guest code.
     */
    public interface BuiltInDriver {
        /** The handle the driver binding is on (EDK2's drivers: ImageHandle = DriverBindingHandle). */
        long handle();

        /** {@code EFI_DRIVER_BINDING_PROTOCOL.Version}. */
        long version();

        /** The driver's name in traces. */
        String name();

        /** {@code Supported(This, ControllerHandle, RemainingDevicePath)}; {@code remaining} the guest's pointer. */
        EfiStatus supported(long controller, long remaining);

        /** {@code Start(This, ControllerHandle, RemainingDevicePath)}. */
        EfiStatus start(long controller, long remaining);

        /**
         * {@code Stop(This, ControllerHandle, NumberOfChildren, ChildHandleBuffer)}; null when efiemu does not model it.
         *
         * @param hooks the driver model for the uninstalls Stop makes (the drivers holding an interface it removes are
         *              disconnected first, EDK2 {@code CoreDisconnectControllersUsingProtocolInterface})
         */
        default EfiStatus stop(long controller, List<Long> children, HandleDatabase.DriverHooks hooks) {
            return null;
        }

        /** Whether {@link #stop} is modelled. */
        default boolean stoppable() {
            return false;
        }
    }

    /** A ConnectController or DisconnectController outcome and, for traces, what was done. */
    public record Outcome(EfiStatus status, List<String> notes) {}

    private final HandleDatabase db;

    public DriverSupport(HandleDatabase db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /** The handles with a driver binding whose code efiemu holds, in {@code LocateHandle(ByProtocol)} order. */
    public List<Long> bindingHandles(DriverCalls calls) {
        List<Long> out = new ArrayList<>();
        for (long h : db.locateHandleBuffer(LocateSearchType.ByProtocol, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID, 0).handles()) {
            if (calls.binding(h) != null) {
                out.add(h);
            }
        }
        return out;
    }

    /**
     * {@code ConnectController(ControllerHandle, DriverImageHandle, RemainingDevicePath, Recursive)} (UEFI 2.10
     * §7.3.12; EDK2 {@code CoreConnectController}).
     *
     * @param driverImageHandles the caller's NULL-terminated list without its terminator, or null for NULL
     * @param remainingDevicePath the guest's pointer (passed to the drivers), 0 for NULL
     * @param remainingIsEnd whether that path is an End of Device Path node
     */
    public Outcome connectController(long controller, List<Long> driverImageHandles, long remainingDevicePath,
            boolean remainingIsEnd, boolean recursive, DriverCalls calls) {
        List<String> notes = new ArrayList<>();
        EfiStatus s = connect(controller, driverImageHandles, remainingDevicePath, remainingIsEnd, recursive, calls, notes);
        return new Outcome(s, notes);
    }

    private EfiStatus connect(long controller, List<Long> driverImageHandles, long remaining, boolean remainingIsEnd,
            boolean recursive, DriverCalls calls, List<String> notes) {
        if (!db.isValid(controller)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus status;
        do {
            status = connectSingle(controller, driverImageHandles, remaining, remainingIsEnd, calls, notes);
        } while (status == EfiStatus.NOT_READY);
        if (recursive && db.isValid(controller)) {
            List<Long> children = new ArrayList<>();
            for (OpenProtocolEntry e : db.openEntries(controller)) {
                if ((e.attributes() & OpenAttributes.BY_CHILD_CONTROLLER) != 0) {
                    children.add(e.controllerHandle());
                }
            }
            for (long child : children) {
                notes.add(String.format("connect child 0x%X (Recursive)", child));
                EfiStatus c = connect(child, null, 0, false, true, calls, notes);
                notes.add(String.format("child 0x%X: %s", child, c.specName()));
            }
        }
        return status;
    }

    /** {@code AddSortedDriverBindingProtocol}: {@code candidates} entries are nulled (0) once used. */
    private void addSorted(long handle, List<Binding> sorted, long[] candidates, boolean isImageHandle, DriverCalls calls) {
        if (!db.isValid(handle)) {
            return;
        }
        if (isImageHandle) {
            for (long c : candidates.clone()) {
                Binding b = c == 0 ? null : calls.binding(c);
                if (b != null && b.imageHandle() == handle) {
                    addSorted(c, sorted, candidates, false, calls);
                }
            }
            return;
        }
        Binding b = calls.binding(handle);
        if (b == null) {
            return;
        }
        for (Binding already : sorted) {
            // a built-in driver (no guest functions) on a captured handle may share its placeholder interface with
            // other captured drivers: it is told apart by its handle
            if (already.pointer() == b.pointer() && (already.supported() != 0 || already.handle() == b.handle())) {
                return;
            }
        }
        if (sorted.size() < candidates.length) {
            sorted.add(b);
        }
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] == handle) {
                candidates[i] = 0;
            }
        }
    }

    /** {@code CoreConnectSingleController}: EFI_NOT_READY when driver bindings appeared while the order was made. */
    private EfiStatus connectSingle(long controller, List<Long> context, long remaining, boolean remainingIsEnd,
            DriverCalls calls, List<String> notes) {
        List<Long> all = bindingHandles(calls);
        if (all.isEmpty()) {
            notes.add("no driver binding whose code efiemu holds is installed");
            return EfiStatus.NOT_FOUND;
        }
        long[] candidates = all.stream().mapToLong(Long::longValue).toArray();
        List<Binding> sorted = new ArrayList<>();
        if (context != null) {
            for (long h : context) {
                addSorted(h, sorted, candidates, false, calls);
            }
        }
        for (long image : calls.platformOverrides(controller)) {
            addSorted(image, sorted, candidates, true, calls);
        }
        if (calls.anyFamilyOverride()) {
            while (true) {
                int highest = -1;
                long highestVersion = 0;
                for (int i = 0; i < candidates.length; i++) {
                    OptionalLong v = candidates[i] == 0 ? OptionalLong.empty() : calls.familyOverrideVersion(candidates[i]);
                    if (v.isPresent() && (highest < 0 || v.getAsLong() > highestVersion)) {
                        highestVersion = v.getAsLong();
                        highest = i;
                    }
                }
                if (highest < 0) {
                    break;
                }
                addSorted(candidates[highest], sorted, candidates, false, calls);
            }
        }
        for (long image : calls.busSpecificOverrides(controller)) {
            addSorted(image, sorted, candidates, true, calls);
        }
        int sortIndex = sorted.size();
        for (long c : candidates.clone()) {
            if (c != 0) {
                addSorted(c, sorted, candidates, false, calls);
            }
        }
        if (bindingHandles(calls).size() > all.size()) {
            notes.add("driver bindings were installed meanwhile: the order is made again");
            return EfiStatus.NOT_READY;
        }
        // the remaining ones by Version, highest first (a selection sort, as EDK2's: equal versions keep no order)
        for (; sortIndex < sorted.size(); sortIndex++) {
            int highest = sortIndex;
            for (int i = sortIndex + 1; i < sorted.size(); i++) {
                if (sorted.get(i).version() > sorted.get(highest).version()) {
                    highest = i;
                }
            }
            if (highest != sortIndex) {
                Binding t = sorted.get(sortIndex);
                sorted.set(sortIndex, sorted.get(highest));
                sorted.set(highest, t);
            }
        }
        Binding[] order = sorted.toArray(new Binding[0]);
        boolean oneStarted = false;
        boolean found;
        do {
            found = false;
            for (int i = 0; i < order.length && !found; i++) {
                if (order[i] == null) {
                    continue;
                }
                Binding b = order[i];
                EfiStatus s = calls.supported(b, controller, remaining);
                if (!s.isError()) {
                    order[i] = null;
                    found = true;
                    if (!calls.start(b, controller, remaining).isError()) {
                        oneStarted = true;
                    }
                }
            }
        } while (found);
        if (oneStarted) {
            return EfiStatus.SUCCESS;
        }
        if (remaining != 0 && remainingIsEnd) {
            return EfiStatus.SUCCESS;
        }
        return EfiStatus.NOT_FOUND;
    }

    /**
     * {@code DisconnectController(ControllerHandle, DriverImageHandle, ChildHandle)} (UEFI 2.10 §7.3.13; EDK2
     * {@code CoreDisconnectController}): each managing driver's Stop on the children it opened BY_CHILD_CONTROLLER
     * first (or only on {@code child}), then on the controller. A managing agent whose code efiemu does not hold (a
     * captured firmware's driver) is not called and counts as stopped, as before the driver model: the controller
     * stays managed and the status is EFI_SUCCESS.
     */
    public Outcome disconnectController(long controller, long driverImage, long child, DriverCalls calls) {
        List<String> notes = new ArrayList<>();
        return new Outcome(disconnect(controller, driverImage, child, calls, notes), notes);
    }

    private EfiStatus disconnect(long controller, long driverImage, long child, DriverCalls calls, List<String> notes) {
        if (!db.isValid(controller) || (child != 0 && !db.isValid(child))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        List<Long> agents = new ArrayList<>();
        if (driverImage == 0) {
            LinkedHashSet<Long> managing = new LinkedHashSet<>();
            for (OpenProtocolEntry e : db.openEntries(controller)) {
                if ((e.attributes() & OpenAttributes.BY_DRIVER) != 0) {
                    managing.add(e.agentHandle());
                }
            }
            if (managing.isEmpty()) {
                return EfiStatus.SUCCESS;
            }
            agents.addAll(managing);
        } else {
            agents.add(driverImage);
        }
        int stopCount = 0;
        for (long agent : agents) {
            if (!db.isValid(agent)
                    || db.openProtocolInformationStatus(agent, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID).isError()) {
                // CoreDisconnectController: HandleProtocol(DriverImageHandle, DriverBinding) failed
                return EfiStatus.INVALID_PARAMETER;
            }
            boolean managing = false;
            LinkedHashSet<Long> children = new LinkedHashSet<>();
            for (OpenProtocolEntry e : db.openEntries(controller)) {
                if (e.agentHandle() == agent) {
                    if ((e.attributes() & OpenAttributes.BY_CHILD_CONTROLLER) != 0) {
                        children.add(e.controllerHandle());
                    }
                    if ((e.attributes() & OpenAttributes.BY_DRIVER) != 0) {
                        managing = true;
                    }
                }
            }
            if (!managing) {
                continue;
            }
            Binding b = calls.binding(agent);
            if (b == null || !calls.stoppable(b)) {
                notes.add(String.format("driver 0x%X (a captured firmware's) manages the controller; its Stop is not run"
                        + " (efiemu holds none of its code): it stays connected", agent));
                stopCount++;
                continue;
            }
            if (child != 0 && !children.contains(child)) {
                continue;
            }
            EfiStatus s = EfiStatus.SUCCESS;
            int toStop = 0;
            if (!children.isEmpty()) {
                List<Long> stopped = child != 0 ? List.of(child) : List.copyOf(children);
                toStop = stopped.size();
                s = calls.stop(b, controller, stopped);
            }
            if (!s.isError() && (child == 0 || children.size() == toStop)) {
                s = calls.stop(b, controller, List.of());
            }
            if (!s.isError()) {
                stopCount++;
            }
        }
        return stopCount > 0 ? EfiStatus.SUCCESS : EfiStatus.NOT_FOUND;
    }

    /**
     * The disconnect {@code OpenProtocol(EXCLUSIVE)} makes of a BY_DRIVER holder ({@code CoreOpenProtocol} calls
     * {@code CoreDisconnectController(UserHandle, AgentHandle, NULL)}): a captured firmware's driver cannot be
     * stopped, so that is EFI_ACCESS_DENIED as before the driver model.
     */
    public EfiStatus disconnectForExclusiveOpen(long controller, long agent, DriverCalls calls, List<String> notes) {
        Binding b = calls.binding(agent);
        if (b == null || !calls.stoppable(b)) {
            notes.add(String.format("driver 0x%X holds the interface BY_DRIVER and efiemu holds none of its code: its Stop"
                    + " cannot run", agent));
            return EfiStatus.ACCESS_DENIED;
        }
        return disconnect(controller, agent, 0, calls, notes);
    }
}
