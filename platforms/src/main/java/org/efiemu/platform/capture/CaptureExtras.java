package org.efiemu.platform.capture;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.capture.CaptureLog.GopMode;
import org.efiemu.platform.capture.CaptureLog.TextMode;
import org.efiemu.platform.capture.CaptureLog.VariableLine;
import org.efiemu.uefi.spec.Guid;

/** Reads the capture lines for variables, graphics modes and text modes (format in docs/profiles.md, "Capture files"). */
final class CaptureExtras {

    private static final Pattern VAR = Pattern.compile("^var: name=(\\S+) guid=(\\S+) attr=0x([0-9a-f]+) size=(\\d+) "
            + "data=([0-9a-f]*)$");
    private static final Pattern GOP_MODE = Pattern.compile("^gop: mode=(\\d+) (\\d+)x(\\d+) format=(\\w+)$");
    private static final Pattern TEXT_MODE = Pattern.compile("^text: mode=(\\d+) (?:(\\d+)x(\\d+)|unsupported)$");
    private static final Pattern NAME_ESCAPE = Pattern.compile("\\\\u([0-9A-F]{4})");

    private CaptureExtras() {}

    static VariableLine variable(CaptureLog c, String l, int no) {
        Matcher m = VAR.matcher(l);
        if (!m.matches()) {
            throw c.errorAt(no, "field 'var': '" + abbreviate(l) + "': expected 'var: name=NAME guid=GUID attr=0xA size=N "
                    + "data=HEX' (truncated or corrupt capture)");
        }
        String guid;
        try {
            guid = Guid.parse(m.group(2)).registryForm();
        } catch (IllegalArgumentException e) {
            throw c.errorAt(no, "field 'guid': " + e.getMessage());
        }
        int size = Integer.parseInt(m.group(4));
        if (m.group(5).length() != 2 * size) {
            throw c.errorAt(no, "field 'data': " + m.group(5).length() / 2 + " bytes of data but size=" + size
                    + " (truncated or corrupt line)");
        }
        StringBuilder name = new StringBuilder();
        Matcher e = NAME_ESCAPE.matcher(m.group(1));
        int at = 0;
        while (e.find()) {
            name.append(m.group(1), at, e.start()).append((char) Integer.parseInt(e.group(1), 16));
            at = e.end();
        }
        name.append(m.group(1).substring(at));
        return new VariableLine(name.toString(), guid, c.hex(m.group(3), "attr", no), m.group(5), no);
    }

    static int count(CaptureLog c, String l, String prefix, int no) {
        try {
            if (l.startsWith(prefix)) {
                return Integer.parseInt(l.substring(prefix.length()));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw c.errorAt(no, "field '" + prefix.strip() + "': '" + l + "': expected '" + prefix + "N'");
    }

    static GopMode gopMode(CaptureLog c, String l, int no) {
        Matcher m = GOP_MODE.matcher(l);
        if (!m.matches()) {
            throw c.errorAt(no, "field 'gop: mode': '" + l + "': expected 'gop: mode=N WIDTHxHEIGHT format=NAME'");
        }
        return new GopMode(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                m.group(4), no);
    }

    static TextMode textMode(CaptureLog c, String l, int no) {
        Matcher m = TEXT_MODE.matcher(l);
        if (!m.matches()) {
            throw c.errorAt(no, "field 'text: mode': '" + l + "': expected 'text: mode=N COLUMNSxROWS' or "
                    + "'text: mode=N unsupported'");
        }
        return m.group(2) == null ? new TextMode(Integer.parseInt(m.group(1)), 0, 0, no)
                : new TextMode(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), no);
    }

    private static String abbreviate(String l) {
        return l.length() <= 120 ? l : l.substring(0, 117) + "...";
    }
}
