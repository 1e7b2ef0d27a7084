package org.efiemu.uefi.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keys a console user types, each at a virtual time: what ConIn's ReadKeyStroke/ReadKeyStrokeEx and WaitForKey deliver
 * ({@link SimpleTextInput}). Text form (one entry per line; {@code #} starts a comment; blank lines ignored):
 *
 * <pre>
 * 0       "boot"        # the characters b, o, o, t at virtual time 0
 * 1.5s    Enter         # EFI_INPUT_KEY UnicodeChar 0x0D at 1.5 s
 * +200ms  Down Down     # two SCAN_DOWN keys 200 ms after the previous entry
 * 3s      F2 Esc "x\n"  # SCAN_F2, SCAN_ESC, 'x', then Enter
 * </pre>
 *
 * A time is {@code N}, {@code Ns}, {@code Nms}, {@code Nus} or {@code Nns} (N decimal, seconds when unitless),
 * absolute from the application's start, or {@code +T} after the previous line's time; times never go back. Keys are
 * quoted text ({@code \n} and {@code \r} are Enter, {@code \t} Tab, {@code \e} Escape, {@code \\} and {@code \"}
 * themselves) or names: Enter, Tab, Backspace, Space, Esc, Up, Down, Right, Left, Home, End, Insert, Delete, PageUp,
 * PageDown, F1-F12 (UEFI 2.10 §12.3.3, Table 12-3 scan codes), and {@code Ctrl-A} to {@code Ctrl-Z} (any case): the
 * control character a serial terminal sends for them (0x01-0x1A; Ctrl-X is 0x18), which OVMF 2022.11's TerminalDxe
 * hands on as the key's UnicodeChar with no shift state (measured on QEMU + OVMF: {@code KeyStateOvmfLiveTest}).
 *
 * <p>Keys of OVMF's PS/2 keyboard (Ps2KeyboardDxe's {@code KeyGetchar}; {@code KeyModifiersOvmfLiveTest},
 * {@code KeypadOvmfLiveTest}): {@code ctrl+x}-style combinations, a modifier or lock key alone, a single unquoted
 * character, the numeric keypad {@code KP0}-{@code KP9}, {@code KP.}, {@code KP+}, {@code KP-}, {@code KP*},
 * {@code KP/}, {@code KPEnter} (0-9 and '.' are digits with Num Lock on and no Shift, else cursor keys:
 * {@link Key#withNumLock}), and {@code hold MOD} / {@code release MOD}, which keep a modifier down across keys and
 * lines (every later key is typed with it; quoted text and {@code Ctrl-X} are refused meanwhile). Ctrl+Alt+Del
 * ({@link Key#ctrlAltDel()}) makes ConIn reset the machine as Ps2KeyboardDxe does.
 */
public record KeyScript(List<Key> keys, List<KeyScript.Held> modifiers) {

    /**
     * One keystroke available from virtual time {@code atNanos}: {@code EFI_INPUT_KEY} (ScanCode, UnicodeChar) and, for
     * a key from the PS/2 keyboard ({@code ps2}: a key with modifiers, a modifier alone or a lock key), the
     * {@code KeyShiftState} Ps2KeyboardDxe gives it (EFI_SHIFT_STATE_VALID and the modifiers held; UEFI 2.10 §12.2.3)
     * and the lock it toggles ({@code lockToggled}: EFI_SCROLL_LOCK_ACTIVE, EFI_NUM_LOCK_ACTIVE or EFI_CAPS_LOCK_ACTIVE,
     * else 0). A PS/2 key with ScanCode and UnicodeChar 0 is a partial key (a modifier or lock key pressed).
     */
    public record Key(long atNanos, int scanCode, int unicodeChar, long shiftState, int lockToggled, boolean ps2,
            boolean keypad) {
        /** A whole key as a serial terminal sends it: no shift state (TerminalDxe reports none). */
        public Key(long atNanos, int scanCode, int unicodeChar) {
            this(atNanos, scanCode, unicodeChar, 0, 0, false);
        }

        /** A key that is not one of the numeric keypad's 7-9, 4-6, 1-3, 0 and '.' (make codes 0x47-0x53). */
        public Key(long atNanos, int scanCode, int unicodeChar, long shiftState, int lockToggled, boolean ps2) {
            this(atNanos, scanCode, unicodeChar, shiftState, lockToggled, ps2, false);
        }

        /**
         * Ps2KeyboardDxe's Ctrl+Alt+Del hot key ({@code KeyGetchar}: a Control and an Alt key held and make code 0x53,
         * Delete or the keypad's '.'), on which it calls {@code gRT->ResetSystem(EfiResetWarm, EFI_SUCCESS, 0, NULL)}.
         */
        public boolean ctrlAltDel() {
            return ps2 && (shiftState & 0x0C) != 0 && (shiftState & 0x30) != 0
                    && (keypad ? unicodeChar == '.' : scanCode == 0x08);
        }

        /**
         * The key as Ps2KeyboardDxe's {@code KeyGetchar} gives it with Num Lock as {@code numLock}: a keypad key of make
         * code 0x47-0x53 is its digit (or '.') with Num Lock on and no Shift held, else its cursor key (Home, Up,
         * PageUp, Left, Right, End, Down, PageDown, Insert, Delete; the keypad's 5 then nothing: a partial key).
         */
        public Key withNumLock(boolean numLock) {
            if (!keypad || (scanCode == 0 && (unicodeChar == '+' || unicodeChar == '-' || unicodeChar == '*'
                    || unicodeChar == '/' || unicodeChar == 0x0D))) {
                return this;
            }
            boolean digits = numLock && (shiftState & 0x03) == 0;
            return new Key(atNanos, digits ? 0 : scanCode, digits ? unicodeChar : 0, shiftState, lockToggled, ps2,
                    keypad);
        }

        /** A PS/2 key with neither ScanCode nor UnicodeChar: a modifier or lock key alone. */
        public boolean partial() {
            return ps2 && scanCode == 0 && unicodeChar == 0;
        }

        @Override
        public String toString() {
            String key = String.format(Locale.ROOT, "%d ns ScanCode=0x%X UnicodeChar=0x%X", atNanos, scanCode,
                    unicodeChar);
            return ps2 ? key + String.format(Locale.ROOT, " KeyShiftState=0x%X (PS/2%s)", shiftState,
                    keypad ? ", keypad" : "") : key;
        }
    }

    /** {@code EFI_SHIFT_STATE_VALID} (UEFI 2.10 §12.2.3). */
    public static final long SHIFT_STATE_VALID = 0x8000_0000L;

    /** Modifier names and their {@code KeyShiftState} bits (UEFI 2.10 §12.2.3): left keys unless named r... */
    private static final Map<String, Long> MODIFIERS = Map.ofEntries(
            Map.entry("shift", 0x02L), Map.entry("lshift", 0x02L), Map.entry("rshift", 0x01L),
            Map.entry("ctrl", 0x08L), Map.entry("lctrl", 0x08L), Map.entry("rctrl", 0x04L),
            Map.entry("alt", 0x20L), Map.entry("lalt", 0x20L), Map.entry("ralt", 0x10L),
            Map.entry("logo", 0x80L), Map.entry("llogo", 0x80L), Map.entry("rlogo", 0x40L));

    /** Lock keys and the {@code KeyToggleState} bit each flips. */
    private static final Map<String, Integer> LOCKS = Map.of("capslock", 0x04, "numlock", 0x02, "scrolllock", 0x01);

    /** A US PS/2 keyboard's unshifted characters and what Shift makes of them (Ps2KeyboardDxe's conversion table). */
    private static final String UNSHIFTED = "1234567890-=[]\\;',./`";
    private static final String SHIFTED = "!@#$%^&*()_+{}|:\"<>?~";

    /** Thrown for a script line that does not follow the format; the message names file, line and what was expected. */
    public static final class FormatException extends IllegalArgumentException {
        public FormatException(String file, int line, String message) {
            super(file + ":" + line + ": " + message);
        }

        public FormatException(String file, int line, int column, String message) {
            super(file + ":" + line + ":" + column + ": " + message);
        }
    }

    private static final Map<String, int[]> NAMES = Map.ofEntries(
            Map.entry("enter", new int[] {0, 0x0D}), Map.entry("tab", new int[] {0, 0x09}),
            Map.entry("backspace", new int[] {0, 0x08}), Map.entry("space", new int[] {0, 0x20}),
            Map.entry("esc", new int[] {0x17, 0}), Map.entry("up", new int[] {0x01, 0}),
            Map.entry("down", new int[] {0x02, 0}), Map.entry("right", new int[] {0x03, 0}),
            Map.entry("left", new int[] {0x04, 0}), Map.entry("home", new int[] {0x05, 0}),
            Map.entry("end", new int[] {0x06, 0}), Map.entry("insert", new int[] {0x07, 0}),
            Map.entry("delete", new int[] {0x08, 0}), Map.entry("pageup", new int[] {0x09, 0}),
            Map.entry("pagedown", new int[] {0x0A, 0}), Map.entry("f1", new int[] {0x0B, 0}),
            Map.entry("f2", new int[] {0x0C, 0}), Map.entry("f3", new int[] {0x0D, 0}),
            Map.entry("f4", new int[] {0x0E, 0}), Map.entry("f5", new int[] {0x0F, 0}),
            Map.entry("f6", new int[] {0x10, 0}), Map.entry("f7", new int[] {0x11, 0}),
            Map.entry("f8", new int[] {0x12, 0}), Map.entry("f9", new int[] {0x13, 0}),
            Map.entry("f10", new int[] {0x14, 0}), Map.entry("f11", new int[] {0x15, 0}),
            Map.entry("f12", new int[] {0x16, 0}));

    /**
     * The numeric keypad (Ps2KeyboardDxe's ConvertKeyboardScanCodeToEfiKey): name -> {ScanCode, UnicodeChar}. KP0-KP9 and
     * KP. (make codes 0x47-0x53) carry both their cursor key and their character, chosen by Num Lock when they arrive
     * ({@link Key#withNumLock}); the others are one character whatever Num Lock and Shift say.
     */
    private static final Map<String, int[]> KEYPAD = Map.ofEntries(
            Map.entry("kp7", new int[] {0x05, '7'}), Map.entry("kp8", new int[] {0x01, '8'}),
            Map.entry("kp9", new int[] {0x09, '9'}), Map.entry("kp4", new int[] {0x04, '4'}),
            Map.entry("kp5", new int[] {0x00, '5'}), Map.entry("kp6", new int[] {0x03, '6'}),
            Map.entry("kp1", new int[] {0x06, '1'}), Map.entry("kp2", new int[] {0x02, '2'}),
            Map.entry("kp3", new int[] {0x0A, '3'}), Map.entry("kp0", new int[] {0x07, '0'}),
            Map.entry("kp.", new int[] {0x08, '.'}), Map.entry("kp+", new int[] {0, '+'}),
            Map.entry("kp-", new int[] {0, '-'}), Map.entry("kp*", new int[] {0, '*'}),
            Map.entry("kp/", new int[] {0, '/'}), Map.entry("kpenter", new int[] {0, 0x0D}));

    /**
     * A {@code hold} or {@code release} at virtual time {@code atNanos}: the KeyShiftState bits of the modifiers held
     * across lines from then on (the PS/2 keyboard reports them in the key state of a ReadKeyStrokeEx that finds no
     * key, as Ps2KeyboardDxe's {@code InitializeKeyState} reads its held keys).
     */
    public record Held(long atNanos, long shiftState) {}

    /** A script without {@code hold} lines. */
    public KeyScript(List<Key> keys) {
        this(keys, List.of());
    }

    /** The KeyShiftState bits held by {@code hold} lines at virtual time {@code nanos} (0 without any). */
    public long heldAt(long nanos) {
        long held = 0;
        for (Held h : modifiers) {
            if (h.atNanos() > nanos) {
                break;
            }
            held = h.shiftState();
        }
        return held;
    }

    public KeyScript {
        modifiers = List.copyOf(modifiers);
        keys = List.copyOf(keys);
        for (int i = 1; i < keys.size(); i++) {
            if (keys.get(i).atNanos() < keys.get(i - 1).atNanos()) {
                throw new IllegalArgumentException("key script: key " + (i + 1) + " at " + keys.get(i).atNanos()
                        + " ns comes before key " + i + " at " + keys.get(i - 1).atNanos() + " ns; expected ascending times");
            }
        }
    }

    /** No keys: ReadKeyStroke answers EFI_NOT_READY, as on real firmware with nobody at the keyboard. */
    public static final KeyScript NONE = new KeyScript(List.of());

    /** Every character of {@code text} at virtual time 0 (CR and LF are Enter, ESC 0x1B is Escape). */
    public static KeyScript immediate(String text) {
        List<Key> keys = new ArrayList<>();
        text.chars().forEach(c -> keys.add(character(0, (char) c)));
        return new KeyScript(keys);
    }

    private static Key character(long at, char c) {
        if (c == 0x1B) {
            return new Key(at, 0x17, 0);
        }
        return new Key(at, 0, c == '\n' ? 0x0D : c);
    }

    /** The modifiers {@code hold} lines hold while a script is parsed, and their changes. */
    private static final class Holding {
        long held;
        final List<Held> changes = new ArrayList<>();
    }

    /** Parses the text form; {@code file} names the script in error messages. */
    public static KeyScript parse(String text, String file) {
        List<Key> keys = new ArrayList<>();
        Holding holding = new Holding();
        long previous = 0;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) {
                continue;
            }
            int blank = indexOfBlank(line);
            if (blank < 0) {
                throw new FormatException(file, no, "'" + line + "': expected a time and at least one key, e.g. '1.5s Enter'");
            }
            String time = line.substring(0, blank);
            long at = time(time, previous, file, no);
            if (at < previous) {
                throw new FormatException(file, no, "time '" + time + "' is before the previous line's; expected times "
                        + "that never go back");
            }
            previous = at;
            int restStart = blank;
            while (restStart < line.length() && Character.isWhitespace(line.charAt(restStart))) {
                restStart++;
            }
            int lead = 0;
            while (lead < lines[i].length() && Character.isWhitespace(lines[i].charAt(lead))) {
                lead++;
            }
            keys(line.substring(blank).strip(), at, keys, file, no, lead + restStart + 1, holding);
        }
        return new KeyScript(keys, holding.changes);
    }

    private static int indexOfBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Drops a {@code #} comment outside quotes. */
    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '#' && !quoted) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static long time(String text, long previous, String file, int no) {
        boolean relative = text.startsWith("+");
        String t = relative ? text.substring(1) : text;
        long unit = 1_000_000_000L;
        String number = t;
        for (String[] u : new String[][] {{"ns", "1"}, {"us", "1000"}, {"ms", "1000000"}, {"s", "1000000000"}}) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                number = t.substring(0, t.length() - u[0].length());
                break;
            }
        }
        java.math.BigDecimal v;
        try {
            v = new java.math.BigDecimal(number);
        } catch (NumberFormatException e) {
            throw new FormatException(file, no, "time '" + text + "': expected N, Ns, Nms, Nus or Nns (N decimal), "
                    + "optionally after '+' (relative to the previous line)");
        }
        if (v.signum() < 0) {
            throw new FormatException(file, no, "time '" + text + "': expected a non-negative time");
        }
        long nanos;
        try {
            nanos = v.multiply(java.math.BigDecimal.valueOf(unit)).setScale(0, java.math.RoundingMode.HALF_UP)
                    .longValueExact();
        } catch (ArithmeticException e) {
            throw new FormatException(file, no, "time '" + text + "': too large");
        }
        return relative ? previous + nanos : nanos;
    }

    /** {@code Ctrl-<letter>}: the letter's control character (UnicodeChar 0x01-0x1A, ScanCode 0), or null. */
    private static int[] control(String name) {
        if (name.length() == 6 && name.regionMatches(true, 0, "ctrl-", 0, 5)) {
            char letter = Character.toLowerCase(name.charAt(5));
            if (letter >= 'a' && letter <= 'z') {
                return new int[] {0, letter - 'a' + 1};
            }
        }
        return null;
    }

    private static void keys(String rest, long at, List<Key> out, String file, int no, int column, Holding holding) {
        int i = 0;
        String pending = null; // "hold" or "release" waiting for its modifier
        while (i < rest.length()) {
            char c = rest.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (pending != null) {
                int j = i;
                while (j < rest.length() && !Character.isWhitespace(rest.charAt(j))) {
                    j++;
                }
                holdOrRelease(pending, rest.substring(i, j), at, out, file, no, column + i, holding);
                pending = null;
                i = j;
            } else if (c == '"' && holding.held != 0) {
                throw new FormatException(file, no, column + i, "quoted text " + rest.substring(i) + " while "
                        + modifierNames(holding.held) + " held: expected PS/2 keys (a character, a key name, a keypad "
                        + "key) until 'release'; quoted text is typed on the serial terminal, which has no modifiers");
            } else if (c == '"') {
                int j = i + 1;
                boolean closed = false;
                while (j < rest.length()) {
                    char d = rest.charAt(j);
                    if (d == '"') {
                        closed = true;
                        break;
                    }
                    if (d == '\\') {
                        if (j + 1 >= rest.length()) {
                            break;
                        }
                        char e = rest.charAt(j + 1);
                        char v = switch (e) {
                            case 'n', 'r' -> '\n';
                            case 't' -> '\t';
                            case 'e' -> (char) 0x1B;
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new FormatException(file, no, "escape '\\" + e + "' in " + rest
                                    + ": expected \\n, \\r, \\t, \\e, \\\\ or \\\"");
                        };
                        out.add(character(at, v));
                        j += 2;
                    } else {
                        out.add(character(at, d));
                        j++;
                    }
                }
                if (!closed) {
                    throw new FormatException(file, no, "text " + rest.substring(i) + " has no closing '\"'");
                }
                i = j + 1;
            } else {
                int j = i;
                while (j < rest.length() && !Character.isWhitespace(rest.charAt(j))) {
                    j++;
                }
                String name = rest.substring(i, j);
                if (name.equalsIgnoreCase("hold") || name.equalsIgnoreCase("release")) {
                    pending = name.toLowerCase(Locale.ROOT);
                    i = j;
                    continue;
                }
                if (ps2Name(name) || (holding.held != 0 && NAMES.containsKey(name.toLowerCase(Locale.ROOT)))) {
                    ps2(name, at, out, file, no, column + i, holding.held);
                    i = j;
                    continue;
                }
                if (holding.held != 0 && control(name) != null) {
                    throw new FormatException(file, no, column + i, "key '" + name + "' while "
                            + modifierNames(holding.held) + " held: a serial terminal's control character has no "
                            + "modifiers; expected a PS/2 key such as x (with ctrl held: ctrl+x)");
                }
                int[] k = NAMES.get(name.toLowerCase(Locale.ROOT));
                if (k == null) {
                    k = control(name);
                }
                if (k == null) {
                    throw new FormatException(file, no, "key '" + name + "': expected quoted text or one of Enter, Tab, "
                            + "Backspace, Space, Esc, Up, Down, Right, Left, Home, End, Insert, Delete, PageUp, PageDown, "
                            + "F1-F12, Ctrl-A to Ctrl-Z, a PS/2 key with modifiers (ctrl+x, shift+F1), a modifier "
                            + "alone (ctrl, shift, alt, logo, rctrl, ...), CapsLock, NumLock, ScrollLock, a keypad key "
                            + "(KP0-KP9, KP., KP+, KP-, KP*, KP/, KPEnter) or 'hold MOD' / 'release MOD'");
                }
                out.add(new Key(at, k[0], k[1]));
                i = j;
            }
        }
        if (pending != null) {
            throw new FormatException(file, no, "'" + pending + "' at the end of the line: expected a modifier after it "
                    + "(shift, ctrl, alt, logo, rshift, rctrl, ralt, rlogo)");
        }
    }

    /**
     * {@code hold MOD}: the modifier goes down (one partial key, as its make code gives) and stays down across lines:
     * every later PS/2 key carries it, until {@code release MOD} (its break code: no key, only the state changes).
     */
    private static void holdOrRelease(String what, String name, long at, List<Key> out, String file, int no,
            int column, Holding holding) {
        Long bit = MODIFIERS.get(name.toLowerCase(Locale.ROOT));
        if (bit == null) {
            throw new FormatException(file, no, column, "'" + what + " " + name + "': expected a modifier after '"
                    + what + "' (shift, ctrl, alt, logo, rshift, rctrl, ralt, rlogo)");
        }
        if (what.equals("hold")) {
            if ((holding.held & bit) != 0) {
                throw new FormatException(file, no, column, "'hold " + name + "': " + name + " is held already "
                        + "(expected 'release " + name + "' first)");
            }
            holding.held |= bit;
            out.add(new Key(at, 0, 0, SHIFT_STATE_VALID | holding.held, 0, true));
        } else {
            if ((holding.held & bit) == 0) {
                throw new FormatException(file, no, column, "'release " + name + "': " + name + " is not held "
                        + "(expected 'hold " + name + "' on an earlier line)");
            }
            holding.held &= ~bit;
        }
        holding.changes.add(new Held(at, holding.held));
    }

    /** The modifiers of {@code bits} by their script names, for messages ("ctrl and shift"). */
    private static String modifierNames(long bits) {
        List<String> names = new ArrayList<>();
        for (String n : List.of("shift", "rshift", "ctrl", "rctrl", "alt", "ralt", "logo", "rlogo")) {
            if ((bits & MODIFIERS.get(n)) != 0) {
                names.add(n);
            }
        }
        return String.join(" and ", names) + (names.size() == 1 ? " is" : " are");
    }

    /** A token for the PS/2 keyboard: it holds a '+', or is a modifier or lock key alone. */
    private static boolean ps2Name(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return (name.indexOf('+') > 0 && name.length() > 1 && !KEYPAD.containsKey(n)) || MODIFIERS.containsKey(n)
                || LOCKS.containsKey(n) || KEYPAD.containsKey(n) || (name.length() == 1 && isKeyCharacter(name.charAt(0)));
    }

    /**
     * A key as OVMF's PS/2 keyboard (Ps2KeyboardDxe {@code KeyGetchar}) queues it, pressed with the modifiers before it
     * ({@code ctrl+alt+x}): each modifier's press is a partial key carrying the modifiers held so far, then the key with
     * EFI_SHIFT_STATE_VALID and every modifier. Shift changes a character as a US keyboard does ({@code shift+a} is 'A',
     * {@code shift+1} '!') and then its shift bits are dropped ("Need not return associated shift state if a class of
     * printable characters that are normally adjusted by shift modifiers"); keys whose character Shift does not change
     * (F1, Enter, Space) keep them. A modifier or lock key alone is one partial key.
     */
    private static void ps2(String token, long at, List<Key> out, String file, int no, int column, long alreadyHeld) {
        String[] parts = token.split("\\+", -1);
        if (token.toLowerCase(Locale.ROOT).endsWith("kp+") && parts.length >= 2) {
            // KP+ after modifiers: "ctrl+KP+" splits into ..., "KP", ""
            String[] joined = java.util.Arrays.copyOf(parts, parts.length - 1);
            joined[joined.length - 1] = joined[joined.length - 1] + "+";
            parts = joined;
        }
        long held = alreadyHeld;
        int offset = 0;
        for (int p = 0; p < parts.length - 1; p++) {
            Long bit = MODIFIERS.get(parts[p].toLowerCase(Locale.ROOT));
            if (bit == null) {
                throw new FormatException(file, no, column + offset, "modifier '" + parts[p] + "' in '" + token
                        + "': expected shift, ctrl, alt or logo (left keys) or rshift, rctrl, ralt, rlogo (right keys)");
            }
            held |= bit;
            out.add(new Key(at, 0, 0, SHIFT_STATE_VALID | held, 0, true));
            offset += parts[p].length() + 1;
        }
        String last = parts[parts.length - 1];
        String lower = last.toLowerCase(Locale.ROOT);
        Long bit = MODIFIERS.get(lower);
        if (bit != null) {
            held |= bit;
            out.add(new Key(at, 0, 0, SHIFT_STATE_VALID | held, 0, true));
            return;
        }
        Integer lock = LOCKS.get(lower);
        if (lock != null) {
            out.add(new Key(at, 0, 0, SHIFT_STATE_VALID | held, lock, true));
            return;
        }
        int[] pad = KEYPAD.get(lower);
        if (pad != null) {
            // the keypad's characters are the same with Shift (ShiftUnicodeChar): its bits stay in the state
            out.add(new Key(at, pad[0], pad[1], SHIFT_STATE_VALID | held, 0, true, true));
            return;
        }
        int scan;
        int ch;
        int[] named = last.length() > 1 ? NAMES.get(lower) : null;
        if (named != null) {
            scan = named[0];
            ch = named[1];
        } else if (last.length() == 1 && isKeyCharacter(last.charAt(0))) {
            scan = 0;
            ch = Character.toLowerCase(last.charAt(0));
        } else {
            throw new FormatException(file, no, column + offset, "key '" + last + "' in '" + token + "': expected a "
                    + "letter, a digit or one of " + UNSHIFTED + " as on a US keyboard (shift+1 for '!'), or a key "
                    + "name (Enter, Tab, Backspace, Space, Esc, Up, Down, Right, Left, Home, End, Insert, Delete, "
                    + "PageUp, PageDown, F1-F12, KP0-KP9, KP., KP+, KP-, KP*, KP/, KPEnter) after the modifiers");
        }
        long shift = SHIFT_STATE_VALID | held;
        if ((held & 0x03) != 0 && ch != 0) {
            int shifted = shifted(ch);
            if (shifted != ch) {
                ch = shifted;
                shift &= ~0x03L;
            }
        }
        out.add(new Key(at, scan, ch, shift, 0, true));
    }

    private static boolean isKeyCharacter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || UNSHIFTED.indexOf(c) >= 0;
    }

    /** What Shift makes of a key's character on a US keyboard (Ps2KeyboardDxe's ShiftUnicodeChar). */
    private static int shifted(int ch) {
        if (ch >= 'a' && ch <= 'z') {
            return ch - 'a' + 'A';
        }
        int i = UNSHIFTED.indexOf(ch);
        return i >= 0 ? SHIFTED.charAt(i) : ch;
    }
}
