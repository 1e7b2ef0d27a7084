package org.efiemu.uefi.protocol;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.GuestMemoryException;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL} (UEFI 2.10 §12.4) on one console (ConOut or StdErr): nine functions and the
 * {@code SIMPLE_TEXT_OUTPUT_MODE} structure in guest memory, kept up to date (Mode, Attribute, cursor). Text is
 * decoded from UCS-2 and passed to the console listener; the trace records each call.
 *
 * <p>Modes: 0 is 80x25 (required by the spec); when the platform's console differs, mode 1 is 80x50 if the platform
 * is 80x50, otherwise mode 1 is unsupported (QueryMode → EFI_UNSUPPORTED, as the spec allows) and the platform's
 * size is mode 2. The console starts in the platform's mode.
 */
public final class SimpleTextOutput {
    /** Bytes of the protocol structure: nine function pointers and Mode. */
    public static final int SIZE = 80;
    /** Bytes of {@code SIMPLE_TEXT_OUTPUT_MODE}: five INT32 and a BOOLEAN, padded. */
    public static final int MODE_SIZE = 24;
    private static final String[] FUNCTIONS = {"Reset", "OutputString", "TestString", "QueryMode", "SetMode",
        "SetAttribute", "ClearScreen", "SetCursorPosition", "EnableCursor"};
    private static final int MAX_CHARS = 1 << 16;

    private final GuestMemory memory;
    private final String name;
    private final ConsoleListener.Source source;
    private final ConsoleListener listener;
    private final List<int[]> modes = new ArrayList<>();
    private final long address;
    private final long mode;

    /**
     * Builds the protocol in {@code arena} and registers its functions as {@code <name>.<Function>}.
     *
     * @param name {@code ConOut} or {@code StdErr}
     */
    public SimpleTextOutput(String name, ConsoleListener.Source source, int columns, int rows, GuestMemory memory,
            FirmwareArena.Region arena, ServiceDispatcher dispatcher, ConsoleListener listener) {
        this.memory = memory;
        this.name = name;
        this.source = source;
        this.listener = listener;
        modes.add(new int[] {80, 25});
        if (columns != 80 || rows != 25) {
            modes.add(columns == 80 && rows == 50 ? new int[] {80, 50} : null);
            if (columns != 80 || rows != 50) {
                modes.add(new int[] {columns, rows});
            }
        }
        address = arena.take(name + " EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL", SIZE, 16);
        mode = arena.take(name + " SIMPLE_TEXT_OUTPUT_MODE", MODE_SIZE, 8);
        memory.fill(mode, MODE_SIZE, (byte) 0);
        memory.putU32(mode, modes.size());
        setMode(modes.size() - 1);
        memory.putU32(mode + 8, 0x07);
        memory.putU8(mode + 20, 0);  // CursorVisible FALSE: OVMF's BDS leaves the cursor off (captures/ovmf-q35-2g.firmware.txt)
        for (int i = 0; i < FUNCTIONS.length; i++) {
            String fn = FUNCTIONS[i];
            int arity = switch (fn) {
                case "Reset", "OutputString", "TestString", "SetMode", "SetAttribute", "EnableCursor" -> 2;
                case "QueryMode", "SetCursorPosition" -> fn.equals("QueryMode") ? 4 : 3;
                default -> 1;
            };
            // OVMF's terminal and graphics consoles raise and restore the TPL around OutputString: IF comes back set
            memory.putU64(address + 8L * i, fn.equals("OutputString")
                    ? dispatcher.registerBootTime(name + "." + fn, arity, this::dispatch,
                            org.efiemu.uefi.boot.LockRelease.ALWAYS)
                    : dispatcher.registerBootTime(name + "." + fn, arity, this::dispatch));
        }
        memory.putU64(address + 72, mode);
    }

    /** The protocol interface's guest address. */
    public long address() {
        return address;
    }

    /** The Mode structure's guest address. */
    public long modeAddress() {
        return mode;
    }

    private EfiStatus dispatch(ServiceCall c) {
        String fn = c.service().substring(name.length() + 1);
        return switch (fn) {
            case "Reset" -> reset(c);
            case "OutputString" -> outputString(c);
            case "TestString" -> testString(c);
            case "QueryMode" -> queryMode(c);
            case "SetMode" -> setMode(c);
            case "SetAttribute" -> setAttribute(c);
            case "ClearScreen" -> clearScreen(c);
            case "SetCursorPosition" -> setCursorPosition(c);
            default -> enableCursor(c);
        };
    }

    private int current() {
        return (int) memory.u32(mode + 4);
    }

    private int[] size() {
        return modes.get(current());
    }

    private void setMode(int m) {
        memory.putU32(mode + 4, m);
        cursor(0, 0);
    }

    /**
     * Writes {@code CursorColumn} (offset 12) and {@code CursorRow} (offset 16) of {@code SIMPLE_TEXT_OUTPUT_MODE}
     * (UEFI 2.10 §12.4.1) with one 8-byte little-endian store: the two INT32 fields are adjacent, and one host write
     * costs half as much as two when the page is write-protected by the sanitizer.
     */
    private void cursor(int col, int row) {
        memory.putU64(mode + 12, (col & 0xFFFF_FFFFL) | ((long) row << 32));
    }

    /** {@code Reset(This, ExtendedVerification)}: attribute to light grey on black, mode 0, cursor home (EDK2). */
    private EfiStatus reset(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), c.arg(1) & 0xFF);
        memory.putU32(mode + 8, 0x07);
        setMode(0);
        return EfiStatus.SUCCESS;
    }

    /** {@code OutputString(This, String)}: the UCS-2 text goes to the listener; the cursor follows it. */
    private EfiStatus outputString(ServiceCall c) {
        String text = c.char16At("String", c.arg(1), MAX_CHARS);
        if (text == null) {
            c.arguments(ptr(c.arg(0)), ptr(c.arg(1)));
            c.output("String is not a NUL-terminated CHAR16 string in RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        c.arguments(ptr(c.arg(0)), quote(text));
        advanceCursor(text);
        listener.text(source, text);
        return EfiStatus.SUCCESS;
    }

    private void advanceCursor(String text) {
        int[] s = size();
        int col = (int) memory.u32(mode + 12);
        int row = (int) memory.u32(mode + 16);
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '\r' -> col = 0;
                case '\n' -> row++;
                case '\b' -> col = Math.max(0, col - 1);
                default -> {
                    if (++col >= s[0]) {
                        col = 0;
                        row++;
                    }
                }
            }
            row = Math.min(row, s[1] - 1);
        }
        cursor(col, row);
    }

    /** {@code TestString(This, String)}: every BMP character but an unpaired surrogate has a glyph. */
    private EfiStatus testString(ServiceCall c) {
        String text = c.char16At("String", c.arg(1), MAX_CHARS);
        c.arguments(ptr(c.arg(0)), text == null ? ptr(c.arg(1)) : quote(text));
        if (text == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return text.chars().anyMatch(ch -> Character.isSurrogate((char) ch)) ? EfiStatus.UNSUPPORTED : EfiStatus.SUCCESS;
    }

    /** {@code QueryMode(This, ModeNumber, *Columns, *Rows)}. */
    private EfiStatus queryMode(ServiceCall c) {
        long m = c.arg(1);
        long colPtr = c.arg(2);
        long rowPtr = c.arg(3);
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(m), ptr(colPtr), ptr(rowPtr));
        if (!c.isRam("Columns", colPtr, 8, Align.UINT64) || !c.isRam("Rows", rowPtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (Long.compareUnsigned(m, modes.size()) >= 0 || modes.get((int) m) == null) {
            return EfiStatus.UNSUPPORTED;
        }
        int[] s = modes.get((int) m);
        memory.putU64(colPtr, s[0]);
        memory.putU64(rowPtr, s[1]);
        c.output(s[0] + "x" + s[1]);
        return EfiStatus.SUCCESS;
    }

    /** {@code SetMode(This, ModeNumber)}: clears the screen, cursor home. */
    private EfiStatus setMode(ServiceCall c) {
        long m = c.arg(1);
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(m));
        if (Long.compareUnsigned(m, modes.size()) >= 0 || modes.get((int) m) == null) {
            return EfiStatus.UNSUPPORTED;
        }
        setMode((int) m);
        return EfiStatus.SUCCESS;
    }

    /** {@code SetAttribute(This, Attribute)}: bits above 0x7F → EFI_UNSUPPORTED (EDK2 ConSplitter). */
    private EfiStatus setAttribute(ServiceCall c) {
        long a = c.arg(1);
        c.arguments(ptr(c.arg(0)), hex(a));
        if ((a | 0x7F) != 0x7F) {
            return EfiStatus.UNSUPPORTED;
        }
        memory.putU32(mode + 8, a);
        return EfiStatus.SUCCESS;
    }

    private EfiStatus clearScreen(ServiceCall c) {
        c.arguments(ptr(c.arg(0)));
        cursor(0, 0);
        return EfiStatus.SUCCESS;
    }

    /** {@code SetCursorPosition(This, Column, Row)}: outside the current mode → EFI_UNSUPPORTED. */
    private EfiStatus setCursorPosition(ServiceCall c) {
        long col = c.arg(1);
        long row = c.arg(2);
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(col), Long.toUnsignedString(row));
        int[] s = size();
        if (Long.compareUnsigned(col, s[0]) >= 0 || Long.compareUnsigned(row, s[1]) >= 0) {
            return EfiStatus.UNSUPPORTED;
        }
        cursor((int) col, (int) row);
        return EfiStatus.SUCCESS;
    }

    private EfiStatus enableCursor(ServiceCall c) {
        int visible = (int) (c.arg(1) & 0xFF);
        c.arguments(ptr(c.arg(0)), visible != 0 ? "TRUE" : "FALSE");
        memory.putU8(mode + 20, visible != 0 ? 1 : 0);
        return EfiStatus.SUCCESS;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("L\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\x%02X", (int) ch));
                    } else {
                        sb.append(ch); // no String per character: every OutputString of every machine is quoted
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
