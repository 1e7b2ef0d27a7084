package org.efiemu.uefi.devicepath;

import java.util.Map;
import java.util.Set;

/**
 * Pure: EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL (UEFI 2.10 §10.6.3) as OVMF's DevicePathDxe answers it, following EDK2's
 * {@code MdePkg/Library/UefiDevicePathLib/DevicePathFromText.c} (edk2-stable202211): nodes split at {@code /} and
 * {@code ,} outside parentheses after skipping leading {@code / , ( )}; a node whose name is followed by {@code (} and
 * a {@code )} is converted by its parser, any other text becomes a file path node; parameters are split at commas,
 * missing ones read as empty; numbers are hex after {@code 0x} (leading zeros and blanks skipped) else decimal, cut to
 * the field's width; {@code ,} between nodes ends an instance; GUIDs that do not read leave zeros.
 *
 * <p>The pool steps EDK2 makes are recorded ({@link PoolTrace}): the copy of the text, per node the copy of the node
 * text and of its parameters, the node (AllocateZeroPool), AppendDevicePathNode's temporary node and the new path, the
 * frees.
 *
 * <p>Node names EDK2 parses that this class does not ({@link #NOT_MODELLED}) make the conversion fail with {@link
 * NotModelled} (the adapter returns NULL and records the call as unimplemented): AcpiEx, AcpiExp, FibreEx, I1394,
 * Infiniband, SAS, SasEx, NVMe, UFS, SD, eMMC, MAC, IPv4, IPv6, UsbWwid, iSCSI, Vlan, Dns, Uri,
 * Bluetooth, Wi-Fi, BluetoothLE, the RAM disk nodes and BBS.
 */
public final class Edk2DevicePathFromText {

    /** A conversion: the device path (or node) bytes, the pool steps and the buffer returned (-1: NULL). */
    public record Result(byte[] bytes, PoolTrace pool, int buffer) {}

    /** A node name EDK2 parses whose parser efiemu does not model. */
    public static final class NotModelled extends RuntimeException {
        NotModelled(String name) {
            super("text device node " + name + "(...) is not modelled by efiemu (EDK2 parses it)");
        }
    }

    static final Set<String> NOT_MODELLED = Set.of("AcpiEx", "AcpiExp", "FibreEx", "I1394", "Infiniband", "SAS",
            "SasEx", "NVMe", "UFS", "SD", "eMMC", "MAC", "IPv4", "IPv6", "UsbWwid", "iSCSI", "Vlan", "Dns", "Uri", "Bluetooth", "Wi-Fi", "BluetoothLE", "RamDisk", "VirtualDisk",
            "VirtualCD", "PersistentVirtualDisk", "PersistentVirtualCD", "BBS");

    private static final Set<String> MODELLED = Set.of("Path", "HardwarePath", "Pci", "PcCard", "MemoryMapped", "VenHw",
            "Ctrl", "BMC", "AcpiPath", "Acpi", "PciRoot", "PcieRoot", "Floppy", "Keyboard", "Serial", "ParallelPort",
            "AcpiAdr", "Msg", "Ata", "Scsi", "Fibre", "USB", "I2O", "VenMsg", "VenPcAnsi", "VenVt100", "VenVt100Plus",
            "VenUtf8", "UartFlowCtrl", "DebugPort", "Uart", "Unit", "MediaPath", "HD", "CDROM", "VenMedia", "Media",
            "Fv", "FvFile", "Offset", "BbsPath", "Sata", "UsbClass", "UsbAudio", "UsbCDCControl", "UsbHID", "UsbImage",
            "UsbPrinter", "UsbMassStorage", "UsbHub", "UsbCDCData", "UsbSmartCard", "UsbVideo", "UsbDiagnostic",
            "UsbWireless", "UsbDeviceFirmwareUpdate", "UsbIrdaBridge", "UsbTestAndMeasurement");

    /** The USB class text nodes: class (-1: a parameter) and sub-class (-1: a parameter). */
    private static final Map<String, int[]> USB_CLASS_NODES = Map.ofEntries(Map.entry("UsbClass", new int[] {-1, -1}),
            Map.entry("UsbAudio", new int[] {1, -1}), Map.entry("UsbCDCControl", new int[] {2, -1}),
            Map.entry("UsbHID", new int[] {3, -1}), Map.entry("UsbImage", new int[] {6, -1}),
            Map.entry("UsbPrinter", new int[] {7, -1}), Map.entry("UsbMassStorage", new int[] {8, -1}),
            Map.entry("UsbHub", new int[] {9, -1}), Map.entry("UsbCDCData", new int[] {0x0A, -1}),
            Map.entry("UsbSmartCard", new int[] {0x0B, -1}), Map.entry("UsbVideo", new int[] {0x0E, -1}),
            Map.entry("UsbDiagnostic", new int[] {0xDC, -1}), Map.entry("UsbWireless", new int[] {0xE0, -1}),
            Map.entry("UsbDeviceFirmwareUpdate", new int[] {0xFE, 1}), Map.entry("UsbIrdaBridge", new int[] {0xFE, 2}),
            Map.entry("UsbTestAndMeasurement", new int[] {0xFE, 3}));

    private static final Map<String, Integer> PNP = Map.of("PciRoot", 0x0A03, "PcieRoot", 0x0A08, "Floppy", 0x0604,
            "Keyboard", 0x0301, "Serial", 0x0501, "ParallelPort", 0x0401);

    private Edk2DevicePathFromText() {}

    /** ConvertTextToDevicePath; an empty text gives NULL (no pool step). */
    public static Result path(String text) {
        PoolTrace pool = new PoolTrace();
        if (text.isEmpty()) {
            return new Result(null, pool, -1);
        }
        byte[] path = {0x7F, (byte) 0xFF, 4, 0};
        int pathId = pool.alloc(4);
        int copy = pool.alloc((text.length() + 1L) * 2);
        int[] pos = {0};
        boolean[] instanceEnd = {false};
        String nodeText;
        while ((nodeText = nextNode(text, pos, instanceEnd)) != null) {
            int[] nodeId = {-1};
            byte[] node = node(nodeText, pool, nodeId);
            int grown = appendNode(pool, path, node);
            path = appended(path, node);
            pool.free(pathId);
            if (nodeId[0] >= 0) {
                pool.free(nodeId[0]);
            }
            pathId = grown;
            if (instanceEnd[0]) {
                int end = pool.alloc(4);
                byte[] endInstance = {0x7F, 0x01, 4, 0};
                grown = appendNode(pool, path, endInstance);
                path = appended(path, endInstance);
                pool.free(pathId);
                pool.free(end);
                pathId = grown;
            }
        }
        pool.free(copy);
        return new Result(path, pool, pathId);
    }

    /** ConvertTextToDeviceNode; an empty text gives NULL. */
    public static Result node(String text) {
        PoolTrace pool = new PoolTrace();
        int[] id = {-1};
        byte[] node = node(text, pool, id);
        return new Result(node, pool, id[0]);
    }

    /** AppendDevicePathNode's pool steps (temporary node + end, the new path); returns the new path's id. */
    private static int appendNode(PoolTrace pool, byte[] path, byte[] node) {
        if (node == null) {
            return pool.alloc(path.length); // DuplicateDevicePath
        }
        int temp = pool.alloc(node.length + 4L);
        int out = pool.alloc(path.length + node.length);
        pool.free(temp);
        return out;
    }

    private static byte[] appended(byte[] path, byte[] node) {
        if (node == null) {
            return path;
        }
        byte[] out = new byte[path.length + node.length];
        System.arraycopy(path, 0, out, 0, path.length - 4);
        System.arraycopy(node, 0, out, path.length - 4, node.length);
        System.arraycopy(path, path.length - 4, out, out.length - 4, 4);
        return out;
    }

    /** GetNextDeviceNodeStr. */
    static String nextNode(String s, int[] pos, boolean[] instanceEnd) {
        int p = pos[0];
        if (p >= s.length()) {
            return null;
        }
        while (p < s.length() && "/,()".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
        int start = p;
        long depth = 0;
        while (p < s.length()) {
            char c = s.charAt(p);
            if ((c == ',' || c == '/') && depth == 0) {
                break;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            p++;
        }
        if (depth != 0) {
            pos[0] = s.length();
            return null;
        }
        String node = s.substring(start, p);
        instanceEnd[0] = p < s.length() && s.charAt(p) == ',';
        if (p < s.length()) {
            p++;
        }
        pos[0] = p;
        return node;
    }

    /** UefiDevicePathLibConvertTextToDeviceNode with its pool steps; {@code id[0]} gets the node's buffer. */
    private static byte[] node(String text, PoolTrace pool, int[] id) {
        if (text.isEmpty()) {
            return null;
        }
        int copy = pool.alloc((text.length() + 1L) * 2);
        byte[] node = null;
        for (String name : parserNames(text)) {
            int open = name.length();
            int close = text.indexOf(')', open + 1);
            if (close < 0) {
                continue;
            }
            String params = text.substring(open + 1, close);
            if (NOT_MODELLED.contains(name)) {
                throw new NotModelled(name);
            }
            int paramCopy = pool.alloc((params.length() + 1L) * 2);
            node = parse(name, new Params(params), pool, id);
            pool.free(paramCopy);
            pool.free(copy);
            return node;
        }
        node = filePath(text);
        id[0] = pool.allocZero(node.length);
        pool.free(copy);
        return node;
    }

    /** The names of EDK2's table that the text starts with, followed by {@code (}. */
    private static java.util.List<String> parserNames(String text) {
        int open = text.indexOf('(');
        if (open <= 0) {
            return java.util.List.of();
        }
        String name = text.substring(0, open);
        return MODELLED.contains(name) || NOT_MODELLED.contains(name) ? java.util.List.of(name) : java.util.List.of();
    }

    static byte[] filePath(String text) {
        byte[] n = header(4, 4, 4 + 2 + text.length() * 2);
        for (int i = 0; i < text.length(); i++) {
            n[4 + 2 * i] = (byte) text.charAt(i);
            n[5 + 2 * i] = (byte) (text.charAt(i) >>> 8);
        }
        return n;
    }

    private static byte[] header(int type, int sub, int length) {
        byte[] n = new byte[length & 0xFFFF];
        n[0] = (byte) type;
        n[1] = (byte) sub;
        n[2] = (byte) length;
        n[3] = (byte) (length >>> 8);
        return n;
    }

    /** GetNextParamStr over a node's parameter text: comma-separated, then empty strings. */
    static final class Params {
        private final String s;
        private int pos;

        Params(String s) {
            this.s = s;
        }

        String next() {
            if (pos >= s.length()) {
                return "";
            }
            int comma = s.indexOf(',', pos);
            String out = comma < 0 ? s.substring(pos) : s.substring(pos, comma);
            pos = comma < 0 ? s.length() : comma + 1;
            return out;
        }
    }

    private static byte[] parse(String name, Params p, PoolTrace pool, int[] id) {
        byte[] n;
        switch (name) {
            case "Path" -> {
                int type = (int) strtoi(p.next());
                n = generic(type, p);
            }
            case "HardwarePath" -> n = generic(1, p);
            case "AcpiPath" -> n = generic(2, p);
            case "Msg" -> n = generic(3, p);
            case "MediaPath" -> n = generic(4, p);
            case "BbsPath" -> n = generic(5, p);
            case "Pci" -> {
                String dev = p.next();
                String fn = p.next();
                n = header(1, 1, 6);
                n[4] = (byte) strtoi(fn);
                n[5] = (byte) strtoi(dev);
            }
            case "PcCard" -> {
                n = header(1, 2, 5);
                n[4] = (byte) strtoi(p.next());
            }
            case "MemoryMapped" -> {
                String t = p.next();
                String s = p.next();
                String e = p.next();
                n = header(1, 3, 24);
                put(n, 4, strtoi(t), 4);
                put(n, 8, strtoi(s), 8);
                put(n, 16, strtoi(e), 8);
            }
            case "VenHw" -> n = vendor(1, 4, p);
            case "VenMsg" -> n = vendor(3, 10, p);
            case "VenMedia" -> n = vendor(4, 3, p);
            case "Ctrl" -> {
                n = header(1, 5, 8);
                put(n, 4, strtoi(p.next()), 4);
            }
            case "BMC" -> {
                String t = p.next();
                String a = p.next();
                n = header(1, 6, 13);
                n[4] = (byte) strtoi(t);
                put(n, 5, hex(a), 8);
            }
            case "Acpi" -> {
                String hid = p.next();
                String uid = p.next();
                n = header(2, 1, 12);
                put(n, 4, eisaId(hid), 4);
                put(n, 8, strtoi(uid), 4);
            }
            case "PciRoot", "PcieRoot", "Floppy", "Keyboard", "Serial", "ParallelPort" -> {
                String uid = p.next();
                n = header(2, 1, 12);
                put(n, 4, (long) PNP.get(name) << 16 | 0x41D0, 4);
                put(n, 8, strtoi(uid), 4);
            }
            case "AcpiAdr" -> {
                n = header(2, 3, 8);
                id[0] = pool.allocZero(8);
                for (int i = 0;; i++) {
                    String v = p.next();
                    if (v.isEmpty()) {
                        break;
                    }
                    if (i > 0) { // ReallocatePool to one more UINT32
                        byte[] grown = java.util.Arrays.copyOf(n, n.length + 4);
                        grown[2] = (byte) grown.length;
                        grown[3] = (byte) (grown.length >>> 8);
                        int g = pool.allocZero(grown.length);
                        pool.free(id[0]);
                        id[0] = g;
                        n = grown;
                    }
                    put(n, 4 + 4 * i, strtoi(v), 4);
                }
                return n;
            }
            case "Ata" -> {
                n = header(3, 1, 8);
                String ps = p.next();
                String sm = p.next();
                String lun = p.next();
                n[4] = (byte) (ps.equals("Primary") ? 0 : ps.equals("Secondary") ? 1 : strtoi(ps));
                n[5] = (byte) (sm.equals("Master") ? 0 : sm.equals("Slave") ? 1 : strtoi(sm));
                put(n, 6, strtoi(lun), 2);
            }
            case "Scsi" -> {
                String pun = p.next();
                String lun = p.next();
                n = header(3, 2, 8);
                put(n, 4, strtoi(pun), 2);
                put(n, 6, strtoi(lun), 2);
            }
            case "Fibre" -> {
                String wwn = p.next();
                String lun = p.next();
                n = header(3, 3, 24);
                put(n, 8, strtoi(wwn), 8);
                put(n, 16, strtoi(lun), 8);
            }
            case "USB" -> {
                String port = p.next();
                String iface = p.next();
                n = header(3, 5, 6);
                n[4] = (byte) strtoi(port);
                n[5] = (byte) strtoi(iface);
            }
            case "I2O" -> {
                String tid = p.next();
                n = header(3, 6, 8);
                put(n, 4, strtoi(tid), 4);
            }
            case "VenPcAnsi" -> n = fixedVendor(Edk2DevicePathToText.PC_ANSI);
            case "VenVt100" -> n = fixedVendor(Edk2DevicePathToText.VT100);
            case "VenVt100Plus" -> n = fixedVendor(Edk2DevicePathToText.VT100_PLUS);
            case "VenUtf8" -> n = fixedVendor(Edk2DevicePathToText.VT_UTF8);
            case "DebugPort" -> n = fixedVendor(Edk2DevicePathToText.DEBUG_PORT);
            case "UartFlowCtrl" -> {
                String v = p.next();
                n = java.util.Arrays.copyOf(fixedVendor(Edk2DevicePathToText.UART_FLOW), 24);
                n[2] = 24;
                put(n, 20, v.equals("XonXoff") ? 2 : v.equals("Hardware") ? 1 : 0, 4);
            }
            case "Uart" -> {
                String baud = p.next();
                String bits = p.next();
                String parity = p.next();
                String stop = p.next();
                n = header(3, 14, 19);
                put(n, 8, baud.equals("DEFAULT") ? 115200 : strtoi(baud), 8);
                n[16] = (byte) (bits.equals("DEFAULT") ? 8 : strtoi(bits));
                int k = parity.isEmpty() ? -1 : "DNEOMS".indexOf(parity.charAt(0));
                n[17] = (byte) (k >= 0 ? k : strtoi(parity));
                n[18] = (byte) switch (stop) {
                    case "D" -> 0;
                    case "1" -> 1;
                    case "1.5" -> 2;
                    case "2" -> 3;
                    default -> strtoi(stop);
                };
            }
            case "Unit" -> {
                n = header(3, 17, 5);
                n[4] = (byte) strtoi(p.next());
            }
            case "Sata" -> {
                String a = p.next();
                String b = p.next();
                String c = p.next();
                n = header(3, 18, 10);
                put(n, 4, strtoi(a), 2);
                put(n, 6, b.isEmpty() ? 0xFFFF : strtoi(b), 2);
                put(n, 8, strtoi(c), 2);
            }
            case "HD" -> {
                String part = p.next();
                String type = p.next();
                String sig = p.next();
                String start = p.next();
                String size = p.next();
                n = header(4, 1, 42);
                put(n, 4, strtoi(part), 4);
                if (type.equals("MBR")) {
                    n[41] = 1;
                    n[40] = 1;
                    put(n, 24, strtoi(sig), 4);
                } else if (type.equals("GPT")) {
                    n[41] = 2;
                    n[40] = 2;
                    guid(sig, n, 24);
                } else {
                    n[41] = (byte) strtoi(type);
                }
                put(n, 8, strtoi(start), 8);
                put(n, 16, strtoi(size), 8);
            }
            case "CDROM" -> {
                String entry = p.next();
                String start = p.next();
                String size = p.next();
                n = header(4, 2, 24);
                put(n, 4, strtoi(entry), 4);
                put(n, 8, strtoi(start), 8);
                put(n, 16, strtoi(size), 8);
            }
            case "Media", "Fv", "FvFile" -> {
                n = header(4, name.equals("Media") ? 5 : name.equals("Fv") ? 7 : 6, 20);
                guid(p.next(), n, 4);
            }
            case "Offset" -> {
                String s = p.next();
                String e = p.next();
                n = header(4, 8, 24);
                put(n, 8, strtoi(s), 8);
                put(n, 16, strtoi(e), 8);
            }
            default -> {
                int[] cls = USB_CLASS_NODES.get(name);
                if (cls == null) {
                    throw new NotModelled(name);
                }
                n = usbClass(cls, p);
            }
        }
        id[0] = pool.allocZero(n.length);
        return n;
    }

    /** ConvertFromTextUsbClass: VID, PID, [class], [sub-class], protocol; an empty one reads as all ones. */
    private static byte[] usbClass(int[] cls, Params p) {
        byte[] n = header(3, 15, 11);
        String vid = p.next();
        String pid = p.next();
        if (cls[0] < 0) {
            String c = p.next();
            n[8] = (byte) (c.isEmpty() ? 0xFF : strtoi(c));
        } else {
            n[8] = (byte) cls[0];
        }
        if (cls[1] < 0) {
            String c = p.next();
            n[9] = (byte) (c.isEmpty() ? 0xFF : strtoi(c));
        } else {
            n[9] = (byte) cls[1];
        }
        String protocol = p.next();
        put(n, 4, vid.isEmpty() ? 0xFFFF : strtoi(vid), 2);
        put(n, 6, pid.isEmpty() ? 0xFFFF : strtoi(pid), 2);
        n[10] = (byte) (protocol.isEmpty() ? 0xFF : strtoi(protocol));
        return n;
    }

    private static byte[] generic(int type, Params p) {
        String subtype = p.next();
        String data = p.next();
        int length = data.length() / 2;
        byte[] n = header(type, (int) strtoi(subtype), 4 + length);
        hexBytes(data, length, n, 4);
        return n;
    }

    private static byte[] vendor(int type, int sub, Params p) {
        String guid = p.next();
        String data = p.next();
        int length = (data.length() + 1) / 2;
        byte[] n = header(type, sub, 20 + length);
        guid(guid, n, 4);
        hexBytes(data, length, n, 20);
        return n;
    }

    private static byte[] fixedVendor(String guid) {
        byte[] n = header(3, 10, 20);
        guid(guid, n, 4);
        return n;
    }

    /** StrHexToBytes: exactly {@code length * 2} hex digits, else nothing is written. */
    private static void hexBytes(String s, int length, byte[] out, int at) {
        if (s.length() < length * 2) {
            return;
        }
        for (int i = 0; i < length * 2; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return;
            }
        }
        for (int i = 0; i < length; i++) {
            out[at + i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
    }

    /** StrToGuid: the registry form exactly, else the field stays zero. */
    private static void guid(String s, byte[] out, int at) {
        if (!s.matches("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")) {
            return;
        }
        put(out, at, Long.parseLong(s.substring(0, 8), 16), 4);
        put(out, at + 4, Long.parseLong(s.substring(9, 13), 16), 2);
        put(out, at + 6, Long.parseLong(s.substring(14, 18), 16), 2);
        String tail = s.substring(19, 23) + s.substring(24);
        for (int i = 0; i < 8; i++) {
            out[at + 8 + i] = (byte) Integer.parseInt(tail.substring(2 * i, 2 * i + 2), 16);
        }
    }

    private static void put(byte[] n, int at, long v, int width) {
        for (int i = 0; i < width; i++) {
            n[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** EisaIdFromText: three letters compressed, then the hex product number. */
    static long eisaId(String t) {
        long a = ((char0(t, 0) - 'A' + 1) & 0x1F) << 10;
        long b = ((char0(t, 1) - 'A' + 1) & 0x1F) << 5;
        long c = (char0(t, 2) - 'A' + 1) & 0x1F;
        return (a + b + c + (hex(t.length() > 3 ? t.substring(3) : "") << 16)) & 0xFFFF_FFFFL;
    }

    private static int char0(String t, int i) {
        return i < t.length() ? t.charAt(i) : 0;
    }

    /** Strtoi/Strtoi64: hex when an x follows the leading blanks and zeros, else decimal. */
    static long strtoi(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        while (i < s.length() && s.charAt(i) == '0') {
            i++;
        }
        boolean hex = i < s.length() && (s.charAt(i) == 'x' || s.charAt(i) == 'X');
        return hex ? hex(s) : decimal(s);
    }

    /** StrHexToUint64: blanks, zeros, an optional x after a zero, then hex digits; overflow gives all ones. */
    static long hex(String s) {
        int i = skipBlanksAndZeros(s);
        if (i < s.length() && (s.charAt(i) == 'x' || s.charAt(i) == 'X')) {
            if (i == 0 || s.charAt(i - 1) != '0') {
                return 0;
            }
            i++;
        }
        long v = 0;
        for (; i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80; i++) {
            if (Long.compareUnsigned(v, 0x0FFF_FFFF_FFFF_FFFFL) > 0) {
                return -1L;
            }
            v = v << 4 | Character.digit(s.charAt(i), 16);
        }
        return v;
    }

    /** StrDecimalToUint64. */
    static long decimal(String s) {
        int i = skipBlanksAndZeros(s);
        long v = 0;
        for (; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
            int d = s.charAt(i) - '0';
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return -1L;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int skipBlanksAndZeros(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        while (i < s.length() && s.charAt(i) == '0') {
            i++;
        }
        return i;
    }
}
