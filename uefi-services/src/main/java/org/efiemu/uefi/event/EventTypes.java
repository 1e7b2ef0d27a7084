package org.efiemu.uefi.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code EVT_*} event type bits (UEFI 2.10 §7.1 {@code CreateEvent()}, "Related Definitions"). */
public final class EventTypes {
    public static final int EVT_TIMER = 0x8000_0000;
    public static final int EVT_RUNTIME = 0x4000_0000;
    public static final int EVT_NOTIFY_WAIT = 0x0000_0100;
    public static final int EVT_NOTIFY_SIGNAL = 0x0000_0200;
    public static final int EVT_SIGNAL_EXIT_BOOT_SERVICES = 0x0000_0201;
    public static final int EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE = 0x6000_0202;

    /** The combinations EDK2 accepts ({@code mEventTable} in {@code MdeModulePkg/Core/Dxe/Event/Event.c}). */
    static final Set<Integer> VALID = Set.of(EVT_TIMER | EVT_NOTIFY_SIGNAL, EVT_TIMER, EVT_NOTIFY_WAIT,
            EVT_NOTIFY_SIGNAL, EVT_SIGNAL_EXIT_BOOT_SERVICES, EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE, 0,
            EVT_TIMER | EVT_NOTIFY_WAIT);

    private EventTypes() {
    }

    /** {@code EVT_TIMER|EVT_NOTIFY_SIGNAL}, {@code EVT_SIGNAL_EXIT_BOOT_SERVICES}, {@code 0}, ... */
    public static String nameOf(int type) {
        if (type == EVT_SIGNAL_EXIT_BOOT_SERVICES) {
            return "EVT_SIGNAL_EXIT_BOOT_SERVICES";
        }
        if (type == EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE) {
            return "EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE";
        }
        List<String> parts = new ArrayList<>();
        int rest = type;
        int[] bits = {EVT_TIMER, EVT_RUNTIME, EVT_NOTIFY_WAIT, EVT_NOTIFY_SIGNAL};
        String[] names = {"EVT_TIMER", "EVT_RUNTIME", "EVT_NOTIFY_WAIT", "EVT_NOTIFY_SIGNAL"};
        for (int i = 0; i < bits.length; i++) {
            if ((type & bits[i]) != 0) {
                parts.add(names[i]);
                rest &= ~bits[i];
            }
        }
        if (rest != 0 || parts.isEmpty()) {
            parts.add(String.format("0x%X", rest));
        }
        return String.join("|", parts);
    }
}
