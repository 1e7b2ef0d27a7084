package org.efiemu.uefi.protocol;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayDeque;
import java.util.Deque;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.event.EventService;
import org.efiemu.uefi.event.EventTypes;
import org.efiemu.uefi.event.Tpl;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_SIMPLE_TEXT_INPUT_PROTOCOL} (UEFI 2.10 §12.3) on ConIn: keys come from a script given before the run
 * (none by default), all available from the start. ReadKeyStroke returns the next one or EFI_NOT_READY; WaitForKey is
 * an EVT_NOTIFY_WAIT event at TPL_NOTIFY whose notification function (a firmware stub, as EDK2's
 * {@code ConSplitterTextInWaitForKey}) signals it while a key is pending, so WaitForEvent on it with no key left and
 * no timer armed waits forever (a violation that ends the run).
 */
public final class SimpleTextInput {
    public static final int SIZE = 24;
    /** The scan code ESC (0x1B) in the script becomes: SCAN_ESC. */
    private static final int SCAN_ESC = 0x17;

    private final GuestMemory memory;
    private final EventService events;
    private final Deque<Character> keys = new ArrayDeque<>();
    private final long address;
    private final long waitForKey;

    /**
     * @param script the keys ConIn delivers, in order (CR is Enter, ESC 0x1B is Escape)
     */
    public SimpleTextInput(String script, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher,
            EventService events) {
        this.memory = memory;
        this.events = events;
        script.chars().forEach(ch -> keys.add((char) ch));
        address = arena.take("ConIn EFI_SIMPLE_TEXT_INPUT_PROTOCOL", SIZE, 16);
        memory.putU64(address, dispatcher.registerBootTime("ConIn.Reset", 2, this::reset));
        memory.putU64(address + 8, dispatcher.registerBootTime("ConIn.ReadKeyStroke", 2, this::readKeyStroke));
        long notify = dispatcher.registerBootTime("ConIn.WaitForKeyNotify", 2, this::waitForKeyNotify);
        waitForKey = events.createEvent(EventTypes.EVT_NOTIFY_WAIT, Tpl.NOTIFY, notify, 0).event();
        memory.putU64(address + 16, waitForKey);
    }

    public long address() {
        return address;
    }

    /** Keys not read yet. */
    public int pendingKeys() {
        return keys.size();
    }

    /** {@code Reset(This, ExtendedVerification)}: the script is not discarded (it models keys typed later). */
    private EfiStatus reset(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), c.arg(1) & 0xFF);
        return c.arg(0) == address ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
    }

    /** {@code ReadKeyStroke(This, *Key)}: EFI_INPUT_KEY is ScanCode (UINT16) then UnicodeChar (CHAR16). */
    private EfiStatus readKeyStroke(ServiceCall c) {
        long key = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(key));
        if (c.arg(0) != address || !c.isRam("Key", key, 4, Align.CHAR16)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        Character ch = keys.poll();
        if (ch == null) {
            return EfiStatus.NOT_READY;
        }
        int scan = ch == 0x1B ? SCAN_ESC : 0;
        int unicode = ch == 0x1B ? 0 : ch;
        memory.putU16(key, scan);
        memory.putU16(key + 2, unicode);
        c.output(String.format("ScanCode=0x%X UnicodeChar=0x%X", scan, unicode));
        return EfiStatus.SUCCESS;
    }

    /** WaitForKey's notification function: signals the event while a key is pending. */
    private EfiStatus waitForKeyNotify(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)));
        if (!keys.isEmpty()) {
            events.signalEvent(waitForKey);
            c.output("key pending");
        }
        return null;
    }
}
