package org.efiemu.uefi.protocol;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.event.EventService;
import org.efiemu.uefi.event.EventTypes;
import org.efiemu.uefi.event.TimerDelay;
import org.efiemu.uefi.event.Tpl;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * ConIn: {@code EFI_SIMPLE_TEXT_INPUT_PROTOCOL} (UEFI 2.10 §12.3) and {@code EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL}
 * (§12.2) on one handle, as OVMF's console splitter offers both on ConsoleInHandle. Keys come from a
 * {@link KeyScript}: each becomes available at its virtual time. ReadKeyStroke/ReadKeyStrokeEx return the next
 * available key or EFI_NOT_READY (no key: what real firmware answers with nobody typing). WaitForKey (also
 * WaitForKeyEx, the same event) is an EVT_NOTIFY_WAIT event at TPL_NOTIFY whose notification function (a firmware
 * stub, as EDK2's {@code ConSplitterTextInWaitForKey}) signals it while a key is available; while a later key is
 * scheduled, a firmware timer is armed for its time, so WaitForEvent on WaitForKey advances virtual time to the key
 * instead of waiting forever. With no key left and no timer armed, such a wait is a violation that ends the run.
 * RegisterKeyNotify/UnregisterKeyNotify answer EFI_UNSUPPORTED (no key notification functions are called).
 */
public final class SimpleTextInput {
    public static final int SIZE = 24;
    /** Bytes of {@code EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL}: Reset, ReadKeyStrokeEx, WaitForKeyEx, SetState, RegisterKeyNotify, UnregisterKeyNotify. */
    public static final int EX_SIZE = 48;
    /** {@code EFI_KEY_DATA}: EFI_INPUT_KEY (4 bytes) then EFI_KEY_STATE (UINT32 KeyShiftState, UINT8 KeyToggleState), 12 bytes. */
    private static final int KEY_DATA_SIZE = 12;

    private final GuestMemory memory;
    private final EventService events;
    private final LongSupplier nanos;
    private final Deque<KeyScript.Key> keys = new ArrayDeque<>();
    private final long address;
    private final long exAddress;
    private final long waitForKey;
    private final long arrivalTimer;
    private int toggleState;

    /** All of {@code script}'s keys available from the start (the time-0 form of {@link KeyScript#immediate}). */
    public SimpleTextInput(String script, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher,
            EventService events) {
        this(KeyScript.immediate(script), () -> 0, memory, arena, dispatcher, events);
    }

    /**
     * @param script the keys ConIn delivers, each at its virtual time
     * @param nanos the machine's virtual time in nanoseconds
     */
    public SimpleTextInput(KeyScript script, LongSupplier nanos, GuestMemory memory, FirmwareArena.Region arena,
            ServiceDispatcher dispatcher, EventService events) {
        this.memory = memory;
        this.events = events;
        this.nanos = nanos;
        keys.addAll(script.keys());
        address = arena.take("ConIn EFI_SIMPLE_TEXT_INPUT_PROTOCOL", SIZE, 16);
        exAddress = arena.take("ConIn EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL", EX_SIZE, 16);
        memory.putU64(address, dispatcher.registerBootTime("ConIn.Reset", 2, this::reset));
        memory.putU64(address + 8, dispatcher.registerBootTime("ConIn.ReadKeyStroke", 2, this::readKeyStroke,
                org.efiemu.uefi.boot.LockRelease.ALWAYS));
        long notify = dispatcher.registerBootTime("ConIn.WaitForKeyNotify", 2, this::waitForKeyNotify);
        waitForKey = events.createEvent(EventTypes.EVT_NOTIFY_WAIT, Tpl.NOTIFY, notify, 0).event();
        memory.putU64(address + 16, waitForKey);
        memory.putU64(exAddress, dispatcher.registerBootTime("ConInEx.Reset", 2, this::resetEx));
        memory.putU64(exAddress + 8, dispatcher.registerBootTime("ConInEx.ReadKeyStrokeEx", 2,
                this::readKeyStrokeEx, org.efiemu.uefi.boot.LockRelease.ALWAYS));
        memory.putU64(exAddress + 16, waitForKey);
        memory.putU64(exAddress + 24, dispatcher.registerBootTime("ConInEx.SetState", 2, this::setState));
        memory.putU64(exAddress + 32, dispatcher.registerBootTime("ConInEx.RegisterKeyNotify", 4, this::registerKeyNotify));
        memory.putU64(exAddress + 40, dispatcher.registerBootTime("ConInEx.UnregisterKeyNotify", 2,
                this::unregisterKeyNotify));
        arrivalTimer = events.createEvent(EventTypes.EVT_TIMER, Tpl.APPLICATION, 0, 0).event();
        armArrival();
    }

    public long address() {
        return address;
    }

    /** The EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL interface. */
    public long exAddress() {
        return exAddress;
    }

    /** Keys not read yet (available or still to come). */
    public int pendingKeys() {
        return keys.size();
    }

    private boolean keyAvailable() {
        return !keys.isEmpty() && keys.peek().atNanos() <= nanos.getAsLong();
    }

    /** Arms the firmware timer for the next key still to come, so a wait for a key ends at its time. */
    private void armArrival() {
        KeyScript.Key next = keys.peek();
        long now = nanos.getAsLong();
        if (next != null && next.atNanos() > now) {
            long delay100ns = (next.atNanos() - now + 99) / 100;
            events.setTimer(arrivalTimer, TimerDelay.TimerRelative, delay100ns);
        } else {
            events.setTimer(arrivalTimer, TimerDelay.TimerCancel, 0);
        }
    }

    /** {@code Reset(This, ExtendedVerification)}: the script is not discarded (it models keys typed later). */
    private EfiStatus reset(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), c.arg(1) & 0xFF);
        return c.arg(0) == address ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
    }

    private EfiStatus resetEx(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), c.arg(1) & 0xFF);
        return c.arg(0) == exAddress ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
    }

    /**
     * The next available key (as ReadKeyStroke would return it), or null when none is available now; for firmware code
     * that reads ConIn itself (the UEFI Shell's StdIn line editor).
     */
    public KeyScript.Key readKey() {
        return take();
    }

    /** The WaitForKey event (signalled while a key is available; its timer ends a wait at the next key's time). */
    public long waitForKeyEvent() {
        return waitForKey;
    }

    /** The next available key, or null; re-arms the arrival timer for the one after it. */
    private KeyScript.Key take() {
        if (!keyAvailable()) {
            armArrival();
            return null;
        }
        KeyScript.Key k = keys.poll();
        armArrival();
        return k;
    }

    /** {@code ReadKeyStroke(This, *Key)}: EFI_INPUT_KEY is ScanCode (UINT16) then UnicodeChar (CHAR16). */
    private EfiStatus readKeyStroke(ServiceCall c) {
        long key = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(key));
        if (c.arg(0) != address || !c.isRam("Key", key, 4, Align.CHAR16)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        KeyScript.Key k = take();
        if (k == null) {
            return EfiStatus.NOT_READY;
        }
        memory.putU16(key, k.scanCode());
        memory.putU16(key + 2, k.unicodeChar());
        c.output(String.format("ScanCode=0x%X UnicodeChar=0x%X", k.scanCode(), k.unicodeChar()));
        return EfiStatus.SUCCESS;
    }

    /** {@code ReadKeyStrokeEx(This, *KeyData)}: the key, KeyShiftState 0 (no shift state reported), the toggle state set. */
    private EfiStatus readKeyStrokeEx(ServiceCall c) {
        long data = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(data));
        if (c.arg(0) != exAddress || !c.isRam("KeyData", data, KEY_DATA_SIZE, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        KeyScript.Key k = take();
        if (k == null) {
            return EfiStatus.NOT_READY;
        }
        memory.putU16(data, k.scanCode());
        memory.putU16(data + 2, k.unicodeChar());
        memory.putU32(data + 4, 0);
        memory.putU8(data + 8, toggleState);
        c.output(String.format("ScanCode=0x%X UnicodeChar=0x%X", k.scanCode(), k.unicodeChar()));
        return EfiStatus.SUCCESS;
    }

    /** {@code SetState(This, *KeyToggleState)}: kept and reported in later ReadKeyStrokeEx. */
    private EfiStatus setState(ServiceCall c) {
        long state = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(state));
        if (c.arg(0) != exAddress || !c.isRam("KeyToggleState", state, 1, Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        toggleState = memory.u8(state);
        c.output(String.format("KeyToggleState=0x%X", toggleState));
        return EfiStatus.SUCCESS;
    }

    /** {@code RegisterKeyNotify(This, *KeyData, KeyNotificationFunction, *NotifyHandle)}: not offered. */
    private EfiStatus registerKeyNotify(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), ptr(c.arg(1)), ptr(c.arg(2)), ptr(c.arg(3)));
        if (c.arg(0) != exAddress || c.arg(1) == 0 || c.arg(2) == 0 || c.arg(3) == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        c.output("key notification functions are not modelled");
        return EfiStatus.UNSUPPORTED;
    }

    private EfiStatus unregisterKeyNotify(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), ptr(c.arg(1)));
        return c.arg(0) != exAddress || c.arg(1) == 0 ? EfiStatus.INVALID_PARAMETER : EfiStatus.UNSUPPORTED;
    }

    /** WaitForKey's notification function: signals the event while a key is available. */
    private EfiStatus waitForKeyNotify(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)));
        if (keyAvailable()) {
            events.signalEvent(waitForKey);
            c.output("key available");
        }
        return null;
    }
}
