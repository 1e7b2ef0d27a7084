package org.efiemu.platform;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.platform.PlatformProfile.GraphicsMode;
import org.efiemu.platform.PlatformProfile.Screens;
import org.efiemu.platform.PlatformProfile.TextMode;
import org.efiemu.uefi.platform.PlatformDescription.Console;
import org.efiemu.uefi.protocol.GraphicsOutput;

/**
 * One key set for what a profile's screen looks like: {@code console} (the ConOut mode set at entry) and
 * {@code display} (the adapter the GOP drives), the keys the firmware model uses. The older capture keys
 * {@code gop-mode}, {@code gop-current}, {@code text-mode} and {@code text-current} (deprecated) are still read and
 * converted here; {@link Screens} is the QueryMode view of the two keys (UEFI 2.10 §12.9 GOP QueryMode, §12.4 text
 * QueryMode), derived, never stored on its own.
 */
public final class ScreenKeys {
    /** The only pixel format efiemu's GOP model presents (32-bit BGRR, as QEMU stdvga under OVMF). */
    public static final String BGRR = "PixelBlueGreenRedReserved8BitPerColor";
    /** Framebuffer base assumed for converted {@code gop-mode} lines: QEMU stdvga's BAR under OVMF on q35. */
    static final long DEFAULT_FRAMEBUFFER = 0xC0000000L;

    private ScreenKeys() {}

    /** Result of a conversion of deprecated keys: the console and display to use and what the conversion assumed. */
    record Converted(Console console, GraphicsOutput.Display display, String note) {}

    /**
     * The QueryMode view of {@code console} and {@code display}: the display's modes in order (BGRR) with its current
     * mode; the text modes the console model offers (EDK2's console splitter on OVMF: 80x25 as mode 0, 80x50 as mode
     * 1 only when it is the console's size, otherwise the console's size as mode 2), the console's mode current.
     */
    public static Screens derive(Console console, GraphicsOutput.Display display) {
        List<GraphicsMode> gm = new ArrayList<>();
        int gc = -1;
        if (display != null) {
            for (int i = 0; i < display.modes().size(); i++) {
                GraphicsOutput.Mode m = display.modes().get(i);
                gm.add(new GraphicsMode(i, m.width(), m.height(), BGRR));
            }
            gc = display.initialMode();
        }
        List<TextMode> tm = new ArrayList<>();
        tm.add(new TextMode(0, 80, 25));
        int tc;
        if (console.columns() == 80 && console.rows() == 25) {
            tc = 0;
        } else if (console.columns() == 80 && console.rows() == 50) {
            tm.add(new TextMode(1, 80, 50));
            tc = 1;
        } else {
            tm.add(new TextMode(2, console.columns(), console.rows()));
            tc = 2;
        }
        return new Screens(gm, gc, tm, tc);
    }

    /**
     * Converts deprecated {@code gop-mode}/{@code gop-current}/{@code text-mode}/{@code text-current} values into
     * {@code display} and {@code console}.
     *
     * @param legacy the deprecated lines' values
     * @param console the {@code console} value
     * @param consoleGiven whether {@code console} was given (else its default 80x25 yields to {@code text-current})
     * @param display the {@code display} value or null
     * @throws IllegalArgumentException naming the key and what was expected when the lines disagree with
     *     {@code console}/{@code display} or describe what the model cannot present
     */
    static Converted fromLegacy(Screens legacy, Console console, boolean consoleGiven, GraphicsOutput.Display display) {
        List<String> did = new ArrayList<>();
        Console c = console;
        if (legacy.textCurrent() >= 0) {
            TextMode cur = legacy.textModes().stream().filter(t -> t.mode() == legacy.textCurrent()).findFirst().orElseThrow();
            if (consoleGiven && (cur.columns() != console.columns() || cur.rows() != console.rows())) {
                throw new IllegalArgumentException(String.format("text-current %d (%dx%d) disagrees with console %dx%d: "
                        + "expected the same size (text-mode/text-current are deprecated, console is enough)",
                        cur.mode(), cur.columns(), cur.rows(), console.columns(), console.rows()));
            }
            c = new Console(cur.columns(), cur.rows());
            did.add("text-mode/text-current -> console " + c.columns() + "x" + c.rows());
        }
        if (!legacy.textModes().isEmpty()) {
            List<TextMode> offered = derive(c, null).textModes();
            if (!legacy.textModes().equals(offered)) {
                throw new IllegalArgumentException("text-mode lines " + describe(legacy.textModes()) + ": expected the modes "
                        + "efiemu's console offers for console " + c.columns() + "x" + c.rows() + ", " + describe(offered));
            }
        }
        GraphicsOutput.Display d = display;
        if (!legacy.graphicsModes().isEmpty()) {
            List<GraphicsOutput.Mode> modes = new ArrayList<>();
            for (int i = 0; i < legacy.graphicsModes().size(); i++) {
                GraphicsMode g = legacy.graphicsModes().get(i);
                if (g.mode() != i) {
                    throw new IllegalArgumentException("gop-mode " + g.mode() + ": expected mode numbers 0, 1, 2, ... "
                            + "without gaps (QueryMode numbers every mode below MaxMode)");
                }
                if (!BGRR.equals(g.pixelFormat())) {
                    throw new IllegalArgumentException("gop-mode " + g.mode() + " " + g.pixelFormat() + ": efiemu's GOP "
                            + "model presents " + BGRR + " modes only");
                }
                modes.add(new GraphicsOutput.Mode(g.width(), g.height()));
            }
            int current = Math.max(legacy.graphicsCurrent(), 0);
            if (d != null) {
                if (!d.modes().equals(modes) || d.initialMode() != current) {
                    throw new IllegalArgumentException("gop-mode/gop-current lines disagree with display (modes "
                            + d.modes().size() + ", mode " + d.initialMode() + "): expected the same modes and current mode "
                            + "(gop-mode/gop-current are deprecated, display is enough)");
                }
            } else {
                long largest = modes.stream().mapToLong(m -> 4L * m.width() * m.height()).max().orElse(4096);
                long memory = Long.highestOneBit(Math.max(largest - 1, 1)) << 1;
                d = new GraphicsOutput.Display(modes, current, DEFAULT_FRAMEBUFFER, memory);
                did.add(String.format("gop-mode/gop-current -> display (framebuffer 0x%X assumed, QEMU stdvga's on q35; "
                        + "adapter memory 0x%X = the largest mode rounded up to a power of two)", DEFAULT_FRAMEBUFFER, memory));
            }
        }
        String note = did.isEmpty() ? null : "converted deprecated keys: " + String.join("; ", did);
        return new Converted(c, d, note);
    }

    private static String describe(List<TextMode> modes) {
        return modes.stream().map(t -> t.mode() + " " + t.columns() + "x" + t.rows()).toList().toString();
    }
}
