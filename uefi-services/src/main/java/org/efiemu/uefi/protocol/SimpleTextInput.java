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
 *
 * <p>RegisterKeyNotify/UnregisterKeyNotify (§12.2.5, §12.2.6) as OVMF 2022.11 on a serial console (ConSplitterDxe
 * in front of TerminalDxe, the only keyboard QEMU without a display has): a registration is a pool block (the
 * NotifyHandle); the same KeyData and function registered again returns the first handle (ConSplitter's
 * {@code IsKeyRegistered}: a registered shift or toggle state of 0 matches any). While at least one registration
 * exists, keys go through TerminalDxe's path: a TPL_NOTIFY timer event ({@code TerminalConInTimerHandler}, which
 * polls COM1) takes each scripted key into the key FIFO at the first timer tick at or after its time (efiemu's
 * timers fire at ticks), and only from then on can ReadKeyStroke(Ex) and WaitForKey see it; a key that matches a
 * registration (TerminalDxe 2022.11 {@code IsKeyRegistered}: ScanCode and UnicodeChar only, shift and toggle state
 * ignored, as a serial line carries neither) is also queued for notification, and a TPL_CALLBACK event
 * ({@code KeyNotifyProcessHandler}) calls every registration matching it with an {@code EFI_KEY_DATA} whose states are
 * 0. The key stays in the FIFO for ReadKeyStroke(Ex). With no registration keys are readable from their time, as
 * before. Keys whose time had come when the first registration was made are in the FIFO already and notify nothing.
 *
 * <p>Keys the script gives with modifiers, a modifier alone or a lock key ({@link KeyScript.Key#ps2()}) come as from
 * OVMF's PS/2 keyboard (Ps2KeyboardDxe, beside TerminalDxe in ConIn; measured on QEMU + OVMF with {@code sendkey}:
 * {@code KeyModifiersOvmfLiveTest}): ReadKeyStrokeEx returns their KeyShiftState (EFI_SHIFT_STATE_VALID and the
 * modifiers, §12.2.3) and the KeyToggleState of their arrival; ReadKeyStroke and WaitForKey skip partial keys and
 * ReadKeyStroke gives Ctrl+letter as its control character; ReadKeyStrokeEx consumes a partial key and answers
 * EFI_NOT_READY with its state unless SetState asked for EFI_KEY_STATE_EXPOSED (ConSplitter's
 * {@code VirtualKeyStateExported}, §12.2.4), then returns it; a lock key flips its KeyToggleState bit when it arrives
 * and Caps Lock changes the case of later letters; a key notification compares a registered non-zero KeyShiftState
 * and KeyToggleState with the key's (Ps2KeyboardDxe's {@code IsKeyRegistered}) and passes the key's states. A keypad
 * key becomes its digit or its cursor key by the Num Lock state and Shift at its arrival; a ReadKeyStrokeEx that finds
 * no key reports the modifiers the script's {@code hold} lines hold then; the script's first Ctrl+Alt+Del resets the
 * machine from a TPL_NOTIFY timer at the first tick at or after its time ({@code ConIn.Ps2KeyboardTimer}, Ps2KeyboardDxe's
 * {@code KeyboardTimerHandler} -> {@code KeyGetchar} -> {@code gRT->ResetSystem(EfiResetWarm, EFI_SUCCESS, 0, NULL)};
 * UEFI 2.10 §8.5.1), and no key from it on is read (measured on QEMU + OVMF: {@code KeypadOvmfLiveTest}).
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
    /**
     * ConSplitterDxe's {@code PhysicalKeyToggleState} as the PS/2 keyboard reports it back: EFI_TOGGLE_STATE_VALID |
     * EFI_KEY_STATE_EXPOSED and the locks SetState set; {@link #RESET_TOGGLE_STATE} after a Reset.
     */
    private int toggleState = RESET_TOGGLE_STATE;
    /** {@code EFI_SHIFT_STATE_VALID} (UEFI 2.10 §12.2.3): no shift key held, as OVMF's idle PS/2 keyboard reports. */
    static final long SHIFT_STATE_VALID = 0x8000_0000L;
    /** {@code EFI_TOGGLE_STATE_VALID | EFI_KEY_STATE_EXPOSED}: ConSplitter's {@code KEY_STATE_VALID_EXPOSED}. */
    static final int RESET_TOGGLE_STATE = 0xC0;
    /** The lock bits the PS/2 keyboard keeps: EFI_SCROLL_LOCK_ACTIVE, EFI_NUM_LOCK_ACTIVE, EFI_CAPS_LOCK_ACTIVE. */
    private static final int LOCKS = 0x07;
    /** {@code EFI_CAPS_LOCK_ACTIVE}. */
    private static final int CAPS_LOCK = 0x04;
    /** {@code EFI_NUM_LOCK_ACTIVE}: the keypad's 0-9 and '.' are digits (Ps2KeyboardDxe {@code KeyGetchar}). */
    private static final int NUM_LOCK = 0x02;
    /** EFI_LEFT_CONTROL_PRESSED | EFI_RIGHT_CONTROL_PRESSED. */
    private static final long CONTROL = 0x0CL;
    /** ConSplitterDxe's {@code VirtualKeyStateExported}: SetState asked for EFI_KEY_STATE_EXPOSED (partial keys shown). */
    private boolean virtualKeyStateExported;
    /**
     * PS/2 keys that have arrived (their time has come), as Ps2KeyboardDxe's {@code KeyGetchar} made them then: the
     * character after Caps Lock and the KeyToggleState at that moment (a lock key flips its bit on arrival). Keyed by
     * the script's key object; removed when the key leaves the queue.
     */
    private final java.util.Map<KeyScript.Key, KeyScript.Key> arrived = new java.util.IdentityHashMap<>();
    private final java.util.Map<KeyScript.Key, Integer> arrivedToggle = new java.util.IdentityHashMap<>();
    /** Keys at the head of {@link #keys} that have arrived (PS/2 ones resolved in {@link #arrived}). */
    private int arrivedCount;
    /** ConSplitterDxe's {@code KeyEventSignalState}: a key was seen by WaitForKey and not read since. */
    private boolean keyEventSignalState;
    /** TerminalDxe's WaitForKey event is signalled (a check found a key; the next splitter check consumes it). */
    private boolean terminalSignalled;
    private final java.util.function.LongUnaryOperator allocate;
    private final java.util.function.LongConsumer free;
    /** RegisterKeyNotify's registrations, in registration order (TerminalDxe calls them in list order). */
    private final java.util.List<Registration> registrations = new java.util.ArrayList<>();
    /** Keys polled into the FIFO that match a registration ({@code EfiKeyFiFoForNotify}). */
    private final Deque<KeyScript.Key> notifyFifo = new ArrayDeque<>();
    /** The KeyToggleState of each key in {@link #notifyFifo} (PS/2: at its arrival). */
    private final Deque<Integer> notifyToggle = new ArrayDeque<>();
    /** Keys at the head of {@link #keys} already in the key FIFO (polled); meaningful while registrations exist. */
    private int polled;
    /** The poll timer, the notify-process event and the EFI_KEY_DATA the notification functions get (0 until the first registration). */
    private long pollEvent;
    private long processEvent;
    private long keyDataBuffer;
    private final ServiceDispatcher dispatcher;
    private long notifyCalls;

    /** One RegisterKeyNotify: its handle (a pool block), the KeyData given and the function. */
    private record Registration(long handle, int scanCode, int unicodeChar, long shiftState, int toggleState,
            long function) {
        @Override
        public String toString() {
            return String.format("NotifyHandle=0x%X ScanCode=0x%X UnicodeChar=0x%X KeyShiftState=0x%X "
                    + "KeyToggleState=0x%X KeyNotificationFunction=0x%X", handle, scanCode, unicodeChar, shiftState,
                    toggleState, function);
        }
    }

    /** All of {@code script}'s keys available from the start (the time-0 form of {@link KeyScript#immediate}). */
    public SimpleTextInput(String script, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher,
            EventService events) {
        this(KeyScript.immediate(script), () -> 0, memory, arena, dispatcher, events);
    }

    /** As the full constructor, with registrations taking their handles from {@code arena} (never freed). */
    public SimpleTextInput(KeyScript script, LongSupplier nanos, GuestMemory memory, FirmwareArena.Region arena,
            ServiceDispatcher dispatcher, EventService events) {
        this(script, nanos, memory, arena, dispatcher, events,
                size -> arena.take("ConInEx RegisterKeyNotify handle", size, 16), a -> { });
    }

    /**
     * @param script the keys ConIn delivers, each at its virtual time
     * @param nanos the machine's virtual time in nanoseconds
     * @param allocate EfiBootServicesData pool for RegisterKeyNotify's handles and, at the first registration, the
     *     EFI_KEY_DATA handed to notification functions (ConSplitterDxe's AllocateZeroPool)
     * @param free gives a handle back at UnregisterKeyNotify (FreePool)
     */
    public SimpleTextInput(KeyScript script, LongSupplier nanos, GuestMemory memory, FirmwareArena.Region arena,
            ServiceDispatcher dispatcher, EventService events, java.util.function.LongUnaryOperator allocate,
            java.util.function.LongConsumer free) {
        this.memory = memory;
        this.dispatcher = dispatcher;
        this.allocate = allocate;
        this.free = free;
        this.events = events;
        this.nanos = nanos;
        keys.addAll(script.keys());
        address = arena.take("ConIn EFI_SIMPLE_TEXT_INPUT_PROTOCOL", SIZE, 16);
        exAddress = arena.take("ConIn EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL", EX_SIZE, 16);
        memory.putU64(address, dispatcher.registerBootTime("ConIn.Reset", 2, c -> reset(c, address)));
        memory.putU64(address + 8, dispatcher.registerBootTime("ConIn.ReadKeyStroke", 2, this::readKeyStroke,
                org.efiemu.uefi.boot.LockRelease.ALWAYS));
        long notify = dispatcher.registerBootTime("ConIn.WaitForKeyNotify", 2, this::waitForKeyNotify);
        waitForKey = events.createEvent(EventTypes.EVT_NOTIFY_WAIT, Tpl.NOTIFY, notify, 0).event();
        memory.putU64(address + 16, waitForKey);
        memory.putU64(exAddress, dispatcher.registerBootTime("ConInEx.Reset", 2, c -> reset(c, exAddress)));
        memory.putU64(exAddress + 8, dispatcher.registerBootTime("ConInEx.ReadKeyStrokeEx", 2,
                this::readKeyStrokeEx, org.efiemu.uefi.boot.LockRelease.ALWAYS));
        memory.putU64(exAddress + 16, waitForKey);
        memory.putU64(exAddress + 24, dispatcher.registerBootTime("ConInEx.SetState", 2, this::setState));
        memory.putU64(exAddress + 32, dispatcher.registerBootTime("ConInEx.RegisterKeyNotify", 4, this::registerKeyNotify));
        memory.putU64(exAddress + 40, dispatcher.registerBootTime("ConInEx.UnregisterKeyNotify", 2,
                this::unregisterKeyNotify));
        arrivalTimer = events.createEvent(EventTypes.EVT_TIMER, Tpl.APPLICATION, 0, 0).event();
        armArrival();
        held = script;
        KeyScript.Key cad = null;
        for (KeyScript.Key k : script.keys()) {
            if (k.ctrlAltDel()) {
                cad = k;
                break;
            }
        }
        resetKey = cad;
        if (cad != null) {
            // made only for a script with Ctrl+Alt+Del, so that other runs keep their gate slots and event handles
            long timer = dispatcher.registerBootTimeCallingGuest("ConIn.Ps2KeyboardTimer", 2, this::ps2Timer);
            long event = events.createEvent(EventTypes.EVT_TIMER | EventTypes.EVT_NOTIFY_SIGNAL, Tpl.NOTIFY, timer, 0)
                    .event();
            events.setTimer(event, TimerDelay.TimerRelative, Math.max(1, (cad.atNanos() + 99) / 100));
        }
    }

    /** The script (for the modifiers its {@code hold} lines hold at a given time). */
    private final KeyScript held;
    /** The script's first Ctrl+Alt+Del ({@link KeyScript.Key#ctrlAltDel()}), or null: no key at or after it is read. */
    private final KeyScript.Key resetKey;

    /**
     * Ps2KeyboardDxe's {@code KeyboardTimerHandler} at the first tick at or after the script's Ctrl+Alt+Del (a TPL_NOTIFY
     * timer; OVMF's polls every 20 ms): {@code KeyGetchar} finds a Control and an Alt key held and make code 0x53 and
     * calls {@code gRT->ResetSystem(EfiResetWarm, EFI_SUCCESS, 0, NULL)}, which does not return: the run ends as that
     * service ends it (its trace line follows this one; UEFI 2.10 §8.5.1).
     */
    private EfiStatus ps2Timer(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)));
        c.output("Ctrl+Alt+Del (Ps2KeyboardDxe KeyGetchar): gRT->ResetSystem(EfiResetWarm, EFI_SUCCESS, 0, NULL)");
        c.context().callGuest(dispatcher.entry("ResetSystem"), 1, 0, 0, 0);
        return null;
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
        arrive();
        if (!registrations.isEmpty()) {
            return polled > 0; // TerminalDxe's FIFO: filled by the poll timer
        }
        return !keys.isEmpty() && keys.peek().atNanos() <= nanos.getAsLong() && keys.peek() != resetKey;
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

    /**
     * {@code Reset(This, ExtendedVerification)} of ConIn ({@code self} = its address) or ConInEx (UEFI 2.10 §12.3.1,
     * §12.2.2), as OVMF 2022.11: ConSplitterDxe clears {@code KeyEventSignalState}, resets every keyboard and on success
     * empties its key queue and sets the toggle state back ({@code ToggleStateSyncReInitialization}); TerminalDxe's
     * {@code TerminalConInReset} resets the UART and empties its raw, Unicode, key and notify FIFOs. So every key typed
     * up to now and not read is gone (measured: a key typed before the Reset is not read after it,
     * {@code KeyStateOvmfLiveTest}); keys the script types later still come. The terminal's own WaitForKey event keeps
     * its signal state, as in EDK2.
     */
    private EfiStatus reset(ServiceCall c, long self) {
        c.arguments(ptr(c.arg(0)), c.arg(1) & 0xFF);
        if (c.arg(0) != self) {
            return EfiStatus.INVALID_PARAMETER;
        }
        keyEventSignalState = false;
        long now = nanos.getAsLong();
        int dropped = 0;
        arrive();
        while (!keys.isEmpty() && keys.peek().atNanos() <= now) {
            dequeued(keys.poll());
            dropped++;
        }
        polled = 0;
        notifyFifo.clear();
        notifyToggle.clear();
        toggleState = RESET_TOGGLE_STATE;
        virtualKeyStateExported = false;
        if (dropped > 0) {
            c.output(dropped + " key(s) typed and not read dropped");
        }
        armArrival();
        armPoll();
        return EfiStatus.SUCCESS;
    }

    /**
     * The next available key (as ReadKeyStroke would return it), or null when none is available now; for firmware code
     * that reads ConIn itself (the UEFI Shell's StdIn line editor).
     */
    public KeyScript.Key readKey() {
        keyEventSignalState = false;
        dropPartials();
        KeyScript.Key k = take();
        return k == null ? null : controlCharacter(k);
    }

    /**
     * Ps2KeyboardDxe's {@code KeyboardReadKeyStroke}: with a Control key held, a letter becomes its control character
     * (Ctrl+a is 0x01 to Ctrl+z 0x1A), as ReadKeyStroke (no Ex) returns it; measured: ctrl+x reads UnicodeChar 0x18.
     */
    private static KeyScript.Key controlCharacter(KeyScript.Key k) {
        int ch = k.unicodeChar();
        if (!k.ps2() || (k.shiftState() & CONTROL) == 0) {
            return k;
        }
        if (ch >= 'a' && ch <= 'z') {
            ch = ch - 'a' + 1;
        } else if (ch >= 'A' && ch <= 'Z') {
            ch = ch - 'A' + 1;
        } else {
            return k;
        }
        return new KeyScript.Key(k.atNanos(), k.scanCode(), ch, k.shiftState(), k.lockToggled(), true);
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
        if (polled > 0) {
            polled--;
        }
        armArrival();
        return dequeued(k);
    }

    /**
     * Ps2KeyboardDxe's {@code KeyGetchar} for every PS/2 key whose time has come, in script order: a lock key flips its
     * KeyToggleState bit (ConSplitter's {@code ToggleStateSyncKeyNotify} then sets it on every keyboard), a letter
     * typed with Caps Lock on changes case; each key keeps the toggle state of its arrival.
     */
    private void arrive() {
        long now = nanos.getAsLong();
        int i = 0;
        for (KeyScript.Key k : keys) {
            if (i++ < arrivedCount) {
                continue;
            }
            if (k.atNanos() > now) {
                break;
            }
            arrivedCount++;
            if (!k.ps2()) {
                continue;
            }
            toggleState ^= k.lockToggled();
            KeyScript.Key r = k.withNumLock((toggleState & NUM_LOCK) != 0);
            int ch = r.unicodeChar();
            if ((toggleState & CAPS_LOCK) != 0) {
                if (ch >= 'a' && ch <= 'z') {
                    ch = ch - 'a' + 'A';
                } else if (ch >= 'A' && ch <= 'Z') {
                    ch = ch - 'A' + 'a';
                }
            }
            arrived.put(k, new KeyScript.Key(k.atNanos(), r.scanCode(), ch, k.shiftState(), k.lockToggled(), true,
                    k.keypad()));
            arrivedToggle.put(k, toggleState);
        }
    }

    /** The key as it arrived (a PS/2 key resolved by {@link #arrive}); forgets it. */
    private KeyScript.Key dequeued(KeyScript.Key k) {
        if (arrivedCount > 0) {
            arrivedCount--;
        }
        KeyScript.Key a = arrived.remove(k);
        lastToggle = arrivedToggle.containsKey(k) ? arrivedToggle.remove(k) : toggleState;
        return a != null ? a : k;
    }

    /** The KeyToggleState of the key {@link #dequeued} last gave (its arrival's). */
    private int lastToggle = RESET_TOGGLE_STATE;

    /**
     * PS/2 partial keys at the head of the queue dropped, as Ps2KeyboardDxe's {@code KeyboardWaitForKey} and
     * {@code KeyboardReadKeyStroke} skip them; the last one dropped, or null.
     */
    private KeyScript.Key dropPartials() {
        KeyScript.Key last = null;
        while (keyAvailable() && arrived.getOrDefault(keys.peek(), keys.peek()).partial()) {
            // not take(): the arrival timer stays as it is (a key is available behind it or none is)
            KeyScript.Key k = keys.poll();
            if (polled > 0) {
                polled--;
            }
            last = dequeued(k);
        }
        return last;
    }

    /** {@code ReadKeyStroke(This, *Key)}: EFI_INPUT_KEY is ScanCode (UINT16) then UnicodeChar (CHAR16). */
    private EfiStatus readKeyStroke(ServiceCall c) {
        long key = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(key));
        if (c.arg(0) != address || !c.isRam("Key", key, 4, Align.CHAR16)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        keyEventSignalState = false; // ConSplitterTextInReadKeyStroke, before it reads
        dropPartials(); // KeyboardReadKeyStroke skips partial keys
        KeyScript.Key k = take();
        if (k != null) {
            k = controlCharacter(k);
        }
        if (k == null) {
            memory.putU32(key, 0); // ConSplitterTextInPrivateReadKeyStroke zeroes the key before asking the keyboards
            return EfiStatus.NOT_READY;
        }
        memory.putU16(key, k.scanCode());
        memory.putU16(key + 2, k.unicodeChar());
        c.output(String.format("ScanCode=0x%X UnicodeChar=0x%X", k.scanCode(), k.unicodeChar()));
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code ReadKeyStrokeEx(This, *KeyData)} (UEFI 2.10 §12.2.3) as OVMF 2022.11's ConSplitterDxe: the key (or, with
     * none, a zeroed EFI_INPUT_KEY and EFI_NOT_READY) and the key state ORed from every keyboard of ConIn; TerminalDxe
     * reports 0, OVMF's PS/2 keyboard (in ConIn beside it, idle) KeyShiftState EFI_SHIFT_STATE_VALID and KeyToggleState
     * EFI_TOGGLE_STATE_VALID | EFI_KEY_STATE_EXPOSED with its locks; measured {@code shift 0x80000000 toggle 0xc0}.
     */
    private EfiStatus readKeyStrokeEx(ServiceCall c) {
        long data = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(data));
        if (c.arg(0) != exAddress || !c.isRam("KeyData", data, KEY_DATA_SIZE, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        keyEventSignalState = false;
        KeyScript.Key k = take();
        // with no PS/2 key, the keyboard's state: the modifiers a script's hold lines hold now (none without them)
        long shift = k != null && k.ps2() ? k.shiftState() : SHIFT_STATE_VALID | held.heldAt(nanos.getAsLong());
        int toggle = k != null && k.ps2() ? lastToggle : toggleState;
        if (k != null && k.partial() && !virtualKeyStateExported) {
            // ConSplitter reads it from the PS/2 keyboard but queues no partial key unless SetState exposed them: the
            // caller gets EFI_NOT_READY with the modifiers of that key press (measured: ctrl alone, shift 0x80000008)
            memory.putU32(data, 0);
            memory.putU32(data + 4, shift);
            memory.putU8(data + 8, toggle);
            c.output(String.format("partial key (KeyShiftState=0x%X) read and not returned: EFI_KEY_STATE_EXPOSED "
                    + "not set", shift));
            return EfiStatus.NOT_READY;
        }
        memory.putU16(data, k == null ? 0 : k.scanCode());
        memory.putU16(data + 2, k == null ? 0 : k.unicodeChar());
        memory.putU32(data + 4, shift);
        memory.putU8(data + 8, toggle);
        if (k == null) {
            return EfiStatus.NOT_READY;
        }
        c.output(k.ps2() ? String.format("ScanCode=0x%X UnicodeChar=0x%X KeyShiftState=0x%X KeyToggleState=0x%X",
                k.scanCode(), k.unicodeChar(), shift, toggle)
                : String.format("ScanCode=0x%X UnicodeChar=0x%X", k.scanCode(), k.unicodeChar()));
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code SetState(This, *KeyToggleState)} (UEFI 2.10 §12.2.4) as OVMF 2022.11: NULL is EFI_INVALID_PARAMETER; a
     * state without EFI_TOGGLE_STATE_VALID is EFI_UNSUPPORTED (TerminalDxe, the first keyboard ConSplitter asks, refuses
     * it before any TPL change: IF stays as the caller left it, measured); otherwise the keyboards take it with
     * EFI_KEY_STATE_EXPOSED added, and the PS/2 keyboard keeps its Scroll/Num/Caps Lock bits, which later
     * ReadKeyStrokeEx report (measured: VALID|CAPS|NUM gives {@code toggle 0xc6}).
     */
    private EfiStatus setState(ServiceCall c) {
        long state = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(state));
        if (c.arg(0) != exAddress || !c.isRam("KeyToggleState", state, 1, Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        int asked = memory.u8(state);
        c.output(String.format("KeyToggleState=0x%X", asked));
        if ((asked & 0x80) == 0) {
            return EfiStatus.UNSUPPORTED;
        }
        toggleState = RESET_TOGGLE_STATE | (asked & LOCKS);
        virtualKeyStateExported = (asked & 0x40) != 0;
        return EfiStatus.SUCCESS;
    }

    /** Notification functions called so far (each call of a KeyNotificationFunction). */
    public long keyNotificationsCalled() {
        return notifyCalls;
    }

    /**
     * {@code RegisterKeyNotify(This, *KeyData, KeyNotificationFunction, *NotifyHandle)} (§12.2.5; ConSplitterDxe
     * {@code ConSplitterTextInRegisterKeyNotify}): EFI_INVALID_PARAMETER for a NULL KeyData, function or NotifyHandle
     * (and for KeyData or NotifyHandle not in RAM); the same KeyData (a registered state of 0 matching any) and
     * function again returns the existing handle; otherwise a new pool block is the handle.
     */
    private EfiStatus registerKeyNotify(ServiceCall c) {
        long data = c.arg(1);
        long function = c.arg(2);
        long out = c.arg(3);
        c.arguments(ptr(c.arg(0)), ptr(data), ptr(function), ptr(out));
        if (c.arg(0) != exAddress || data == 0 || function == 0 || out == 0
                || !c.isRam("KeyData", data, KEY_DATA_SIZE, Align.NONE) || !c.isRam("NotifyHandle", out, 8, Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        int scan = memory.u16(data);
        int unicode = memory.u16(data + 2);
        long shift = memory.u32(data + 4) & 0xFFFF_FFFFL;
        int toggle = memory.u8(data + 8);
        for (Registration r : registrations) {
            if (r.function() == function && r.scanCode() == scan && r.unicodeChar() == unicode
                    && (r.shiftState() == 0 || r.shiftState() == shift)
                    && (r.toggleState() == 0 || r.toggleState() == toggle)) {
                memory.putU64(out, r.handle());
                c.output("already registered: " + r);
                return EfiStatus.SUCCESS;
            }
        }
        if (processEvent == 0) {
            startNotifying();
        }
        if (registrations.isEmpty()) {
            // the FIFO as TerminalDxe would have it: keys whose time has come were polled already (and notify nothing)
            polled = 0;
            long now = nanos.getAsLong();
            for (KeyScript.Key k : keys) {
                if (k.atNanos() > now) {
                    break;
                }
                polled++;
            }
        }
        long handle = allocate.applyAsLong(REGISTRATION_SIZE);
        memory.write(handle, new byte[(int) REGISTRATION_SIZE]);
        Registration r = new Registration(handle, scan, unicode, shift, toggle, function);
        registrations.add(r);
        memory.putU64(out, handle);
        c.output(r.toString());
        armPoll();
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code UnregisterKeyNotify(This, NotificationHandle)} (§12.2.6): EFI_INVALID_PARAMETER for NULL or a handle not
     * registered (ConSplitter searches its list); else the registration is removed and its pool block freed.
     */
    private EfiStatus unregisterKeyNotify(ServiceCall c) {
        long handle = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(handle));
        if (c.arg(0) != exAddress || handle == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        for (int i = 0; i < registrations.size(); i++) {
            Registration r = registrations.get(i);
            if (r.handle() == handle) {
                registrations.remove(i);
                free.accept(handle);
                c.output("removed " + r);
                if (registrations.isEmpty()) {
                    events.setTimer(pollEvent, TimerDelay.TimerCancel, 0);
                    polled = 0;
                }
                return EfiStatus.SUCCESS;
            }
        }
        c.output("no such registration");
        return EfiStatus.INVALID_PARAMETER;
    }

    /** Bytes of ConSplitterDxe's {@code TEXT_IN_EX_SPLITTER_NOTIFY}, the block a NotifyHandle points at. */
    private static final long REGISTRATION_SIZE = 0x38;

    /**
     * At the first registration: the poll timer (TerminalDxe's TPL_NOTIFY {@code TimerEvent}), the notify-process event
     * (its TPL_CALLBACK {@code KeyNotifyProcessEvent}) and the EFI_KEY_DATA the functions get (TerminalDxe's is on its
     * stack). Made only then, so that a run that registers nothing has no more events nor pool than before.
     */
    private void startNotifying() {
        long poll = dispatcher.registerBootTime("ConIn.KeyPollTimer", 2, this::pollTimer);
        pollEvent = events.createEvent(EventTypes.EVT_TIMER | EventTypes.EVT_NOTIFY_SIGNAL, Tpl.NOTIFY, poll, 0).event();
        long process = dispatcher.registerBootTimeCallingGuest("ConIn.KeyNotifyProcess", 2, this::processNotifies);
        processEvent = events.createEvent(EventTypes.EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, process, 0).event();
        keyDataBuffer = allocate.applyAsLong(16);
    }

    /** Arms the poll timer for the first key not yet polled (relative, rounded up to 100 ns), or cancels it. */
    private void armPoll() {
        if (pollEvent == 0) {
            return;
        }
        KeyScript.Key next = polled < keys.size() ? nthKey(polled) : null;
        if (registrations.isEmpty() || next == null) {
            events.setTimer(pollEvent, TimerDelay.TimerCancel, 0);
            return;
        }
        long delay100ns = Math.max(0, (next.atNanos() - nanos.getAsLong() + 99) / 100);
        events.setTimer(pollEvent, TimerDelay.TimerRelative, Math.max(1, delay100ns));
    }

    private KeyScript.Key nthKey(int n) {
        int i = 0;
        for (KeyScript.Key k : keys) {
            if (i++ == n) {
                return k;
            }
        }
        return null;
    }

    /**
     * The poll timer's notification (TerminalDxe {@code TerminalConInTimerHandler} + {@code EfiKeyFiFoInsertOneKey}), at
     * TPL_NOTIFY: every key whose time has come enters the FIFO; one that matches a registration is queued for
     * notification and the TPL_CALLBACK process event signalled (its functions run once the TPL drops below
     * TPL_CALLBACK).
     */
    private EfiStatus pollTimer(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)));
        arrive();
        long now = nanos.getAsLong();
        int matched = 0;
        int taken = 0;
        int i = 0;
        for (KeyScript.Key k : keys) {
            if (i++ < polled) {
                continue;
            }
            if (k.atNanos() > now || k == resetKey) {
                break;
            }
            polled++;
            taken++;
            KeyScript.Key a = arrived.getOrDefault(k, k);
            for (Registration r : registrations) {
                if (matches(r, a, arrivedToggle.getOrDefault(k, toggleState))) {
                    notifyFifo.addLast(a);
                    notifyToggle.addLast(arrivedToggle.getOrDefault(k, toggleState));
                    matched++;
                    break;
                }
            }
        }
        if (matched > 0) {
            events.signalEvent(processEvent);
        }
        c.output(taken + " key(s) into the FIFO, " + matched + " to notify");
        armPoll();
        return null;
    }

    /**
     * TerminalDxe 2022.11 {@code IsKeyRegistered} for a serial key: ScanCode and UnicodeChar (a serial line has no
     * shift/toggle state); Ps2KeyboardDxe's for a PS/2 key: also a registered KeyShiftState and KeyToggleState unless 0
     * (measured: 'x' registered with EFI_SHIFT_STATE_VALID | EFI_LEFT_CONTROL_PRESSED runs for ctrl+x, not for x).
     */
    private static boolean matches(Registration r, KeyScript.Key k, int toggle) {
        if (r.scanCode() != k.scanCode() || r.unicodeChar() != k.unicodeChar()) {
            return false;
        }
        if (!k.ps2()) {
            return true;
        }
        return (r.shiftState() == 0 || r.shiftState() == k.shiftState())
                && (r.toggleState() == 0 || r.toggleState() == toggle);
    }

    /**
     * The process event's notification (TerminalDxe {@code KeyNotifyProcessHandler}), at TPL_CALLBACK: for each queued
     * key, in order, every registration matching it (in registration order, as the list is when the key is taken)
     * gets {@code KeyNotificationFunction(&KeyData)} with the key and KeyShiftState/KeyToggleState 0.
     */
    private EfiStatus processNotifies(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)));
        KeyScript.Key k;
        while ((k = notifyFifo.poll()) != null) {
            int toggle = notifyToggle.poll();
            long shift = k.ps2() ? k.shiftState() : 0;
            memory.putU16(keyDataBuffer, k.scanCode());
            memory.putU16(keyDataBuffer + 2, k.unicodeChar());
            memory.putU32(keyDataBuffer + 4, shift);
            memory.putU8(keyDataBuffer + 8, k.ps2() ? toggle : 0);
            for (Registration r : java.util.List.copyOf(registrations)) {
                if (!registrations.contains(r) || !matches(r, k, toggle)) {
                    continue; // unregistered by an earlier function of this key
                }
                c.output(k.ps2() ? String.format("KeyNotificationFunction 0x%X(KeyData 0x%X: ScanCode=0x%X "
                        + "UnicodeChar=0x%X KeyShiftState=0x%X KeyToggleState=0x%X)", r.function(), keyDataBuffer,
                        k.scanCode(), k.unicodeChar(), shift, toggle)
                        : String.format("KeyNotificationFunction 0x%X(KeyData 0x%X: ScanCode=0x%X UnicodeChar=0x%X)",
                        r.function(), keyDataBuffer, k.scanCode(), k.unicodeChar()));
                notifyCalls++;
                c.context().callGuest(r.function(), keyDataBuffer);
            }
        }
        return null;
    }

    /**
     * WaitForKey's notification function, at TPL_NOTIFY, as OVMF 2022.11's two levels (ConSplitterDxe
     * {@code ConSplitterTextInWaitForKey} over TerminalDxe's own WaitForKey): once a key has been seen and not read
     * ({@code KeyEventSignalState}, cleared by ReadKeyStroke(Ex) and Reset) the event is signalled; otherwise the
     * splitter checks the terminal's event: signalled (by an earlier check that found a key) -> the event is
     * signalled and the state set; not signalled -> the terminal's notification is queued at TPL_NOTIFY, runs right
     * after this one and signals the terminal's event if a key is in the FIFO, so this check says EFI_NOT_READY and
     * the next one EFI_SUCCESS (measured: a CheckEvent(WaitForKey) in a key notification function is EFI_NOT_READY,
     * a second one EFI_SUCCESS; KeyNotifyOvmfLiveTest).
     */
    private EfiStatus waitForKeyNotify(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)));
        if (keyEventSignalState) {
            events.signalEvent(waitForKey);
            c.output("key seen and not read yet");
        } else if (terminalSignalled) {
            terminalSignalled = false;
            keyEventSignalState = true;
            events.signalEvent(waitForKey);
            c.output("key available");
        } else {
            dropPartials(); // Ps2KeyboardDxe's KeyboardWaitForKey pops partial keys: they never end a wait
            terminalSignalled = keyAvailable();
            KeyScript.Key last = keys.peekLast();
            if (terminalSignalled && !registrations.isEmpty() && last != null && last.atNanos() <= nanos.getAsLong()) {
                // the key came through the poll timer and no later key arms the arrival timer: EDK2's CoreWaitForEvent
                // checks again when the next timer interrupt ends its CpuSleep, so the wait ends then, not never
                events.setTimer(arrivalTimer, TimerDelay.TimerRelative, 1);
            }
            c.output(terminalSignalled ? "key available to the terminal's event (signalled at the next check)"
                    : "no key");
        }
        return null;
    }
}
