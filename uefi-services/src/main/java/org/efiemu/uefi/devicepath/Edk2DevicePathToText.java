package org.efiemu.uefi.devicepath;

import static org.efiemu.uefi.devicepath.Edk2Text.guid;
import static org.efiemu.uefi.devicepath.Edk2Text.x;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Pure: EFI_DEVICE_PATH_TO_TEXT_PROTOCOL (UEFI 2.10 §10.6) as OVMF's DevicePathDxe answers it, with the text forms of
 * EDK2's {@code MdePkg/Library/UefiDevicePathLib/DevicePathToText.c} (edk2-stable202211): PrintLib's upper-case hex,
 * {@code DisplayOnly} short forms (Ata, CDROM, BBS), {@code AllowShortcuts} forms of messaging vendor nodes (VenPcAnsi,
 * VenVt100, VenVt100Plus, VenUtf8, UartFlowCtrl, DebugPort), {@code ,} between instances followed by {@code /} (EDK2
 * tests the terminator, not the last character, so the next instance starts with a separator), and the generic
 * {@code HardwarePath(n,hex)}/{@code AcpiPath}/{@code Msg}/{@code MediaPath}/{@code BbsPath}/{@code Path(t,s,hex)} form
 * for nodes it has no printer for.
 *
 * <p>Each conversion also gives the pool steps EDK2 makes ({@link PoolTrace}): the string grows by ReallocatePool as
 * {@code UefiDevicePathLibCatPrint} grows it (capacity {@code (Count + (Need + 1) * 2) * 2} bytes), and
 * ConvertDevicePathToText copies each node into a pool buffer of its own length while printing it.
 *
 * <p>Not printed as EDK2 prints them (the generic form is printed and {@link Result#notes()} names the node): the
 * messaging nodes SAS, SasEx, FibreEx, UsbWwid, MAC, IPv4, IPv6, InfiniBand, iSCSI, Vlan, DNS, URI, Bluetooth,
 * BluetoothLE, Wi-Fi, UFS, SD, eMMC, 1394, AcpiEx and RAM disk nodes.
 */
public final class Edk2DevicePathToText {

    /**
     * A conversion: the text, the pool steps, the buffer returned (an id of {@code pool}) and its byte capacity,
     * and notes on nodes printed in a form EDK2 would not use.
     */
    public record Result(String text, PoolTrace pool, int buffer, long capacity, List<String> notes) {}

    static final String PC_ANSI = "E0C14753-F9BE-11D2-9A0C-0090273FC14D";
    static final String VT100 = "DFA66065-B419-11D3-9A2D-0090273FC14D";
    static final String VT100_PLUS = "7BAEC70B-57E0-4C76-8E87-2F9E28088343";
    static final String VT_UTF8 = "AD15A0D6-8BEC-4ACF-A073-D01DE77E2D88";
    static final String UART_FLOW = "37499A9D-542F-4C89-A026-35DA142094E4";
    static final String SAS = "D487DDB4-008B-11D9-AFDC-001083FFCA4D";
    static final String DEBUG_PORT = "EBA4E8D2-3858-41EC-A281-2647BA9660D0";

    /** EDK2's table entries this class does not print as EDK2 does: type << 8 | sub-type. */
    private static final Set<Integer> NOT_MODELLED = Set.of(0x0202, 0x0304, 0x0309, 0x030B, 0x030C, 0x030D,
            0x0310, 0x0313, 0x0314, 0x0315, 0x0316, 0x0319, 0x031A, 0x031B, 0x031C, 0x031D, 0x031E, 0x031F, 0x0320, 0x0321,
            0x0409);

    private Edk2DevicePathToText() {}

    /**
     * ConvertDevicePathToText. {@code path} holds whole nodes up to and including the End-Entire node (each Length
     * at least 4).
     */
    public static Result path(byte[] path, boolean displayOnly, boolean allowShortcuts) {
        Printer p = new Printer();
        List<String> notes = new ArrayList<>();
        int off = 0;
        while (!(path[off] == 0x7F && (path[off + 1] & 0xFF) == 0xFF)) {
            int len = Edk2Text.u16(path, off + 2);
            boolean endInstance = path[off] == 0x7F && path[off + 1] == 0x01;
            if (p.count != 0 && !endInstance) {
                p.print("/");
            }
            int aligned = p.pool.alloc(len); // AllocateCopyPool of the node
            for (String s : node(path, off, displayOnly, allowShortcuts, notes)) {
                p.print(s);
            }
            p.pool.free(aligned);
            off += len;
        }
        if (p.buffer < 0) {
            p.buffer = p.pool.allocZero(2);
            p.capacity = 2;
        }
        return new Result(p.text.toString(), p.pool, p.buffer, p.capacity, notes);
    }

    /** ConvertDeviceNodeToText: {@code node} holds one node (its Length bytes). */
    public static Result node(byte[] node, boolean displayOnly, boolean allowShortcuts) {
        Printer p = new Printer();
        List<String> notes = new ArrayList<>();
        for (String s : node(node, 0, displayOnly, allowShortcuts, notes)) {
            p.print(s);
        }
        return new Result(p.text.toString(), p.pool, p.buffer, p.capacity, notes);
    }

    /** POOL_PRINT: the growing string of UefiDevicePathLibCatPrint. */
    private static final class Printer {
        final StringBuilder text = new StringBuilder();
        final PoolTrace pool = new PoolTrace();
        int count;
        long capacity;
        int buffer = -1;

        void print(String s) {
            int need = s.length();
            if ((count + (need + 1L)) * 2 > capacity) {
                capacity = (count + (need + 1L) * 2) * 2;
                int grown = pool.allocZero(capacity); // ReallocatePool: new zeroed buffer, copy, free the old one
                if (buffer >= 0) {
                    pool.free(buffer);
                }
                buffer = grown;
            }
            text.append(s);
            count += need;
        }
    }

    private static int u8(byte[] b, int off) {
        return off < b.length ? b[off] & 0xFF : 0;
    }

    private static long u16(byte[] b, int off) {
        return u8(b, off) | u8(b, off + 1) << 8;
    }

    private static long u32(byte[] b, int off) {
        return u16(b, off) | u16(b, off + 2) << 16;
    }

    private static long u64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }

    private static String g(byte[] b, int off) {
        byte[] bytes = new byte[16];
        for (int i = 0; i < 16; i++) {
            bytes[i] = (byte) u8(b, off + i);
        }
        return guid(bytes, 0);
    }

    /** The CatPrint calls EDK2 makes for one node, in order (one string each). */
    static List<String> node(byte[] b, int o, boolean displayOnly, boolean shortcuts, List<String> notes) {
        int type = u8(b, o);
        int sub = u8(b, o + 1);
        int len = (int) u16(b, o + 2);
        List<String> out = new ArrayList<>();
        int d = o + 4;
        switch (type << 8 | sub) {
            case 0x0101 -> out.add("Pci(0x" + x(u8(b, d + 1)) + ",0x" + x(u8(b, d)) + ")");
            case 0x0102 -> out.add("PcCard(0x" + x(u8(b, d)) + ")");
            case 0x0103 -> out.add("MemoryMapped(0x" + x(u32(b, d)) + ",0x" + x(u64(b, d + 4)) + ",0x" + x(u64(b, d + 12))
                    + ")");
            case 0x0104, 0x030A, 0x0403 -> vendor(b, o, len, type, shortcuts, out, notes);
            case 0x0105 -> out.add("Ctrl(0x" + x(u32(b, d)) + ")");
            case 0x0106 -> out.add("BMC(0x" + x(u8(b, d)) + ",0x" + x(u64(b, d + 1)) + ")");
            case 0x0201 -> out.add(acpi(u32(b, d), u32(b, d + 4)));
            case 0x0203 -> {
                out.add("AcpiAdr(0x" + x(u32(b, d)));
                int extra = (len - 8) / 4;
                for (int i = 0; i < extra; i++) {
                    out.add(",0x" + x(u32(b, o + 8 + i * 4)));
                }
                out.add(")");
            }
            case 0x0301 -> out.add(displayOnly ? "Ata(0x" + x(u16(b, d + 2)) + ")"
                    : "Ata(" + (u8(b, d) == 1 ? "Secondary" : "Primary") + "," + (u8(b, d + 1) == 1 ? "Slave" : "Master")
                            + ",0x" + x(u16(b, d + 2)) + ")");
            case 0x0302 -> out.add("Scsi(0x" + x(u16(b, d)) + ",0x" + x(u16(b, d + 2)) + ")");
            case 0x0303 -> out.add("Fibre(0x" + x(u64(b, d + 4)) + ",0x" + x(u64(b, d + 12)) + ")");
            case 0x0305 -> out.add("USB(0x" + x(u8(b, d)) + ",0x" + x(u8(b, d + 1)) + ")");
            case 0x0306 -> out.add("I2O(0x" + x(u32(b, d)) + ")");
            case 0x0311 -> out.add("Unit(0x" + x(u8(b, d)) + ")");
            case 0x0312 -> out.add("Sata(0x" + x(u16(b, d)) + ",0x" + x(u16(b, d + 2)) + ",0x" + x(u16(b, d + 4)) + ")");
            case 0x0317 -> {
                StringBuilder s = new StringBuilder("NVMe(0x" + x(u32(b, d)) + ",");
                for (int i = 7; i >= 0; i--) {
                    s.append(x(u8(b, d + 4 + i), 2)).append(i > 0 ? "-" : ")");
                }
                out.add(s.toString());
            }
            case 0x030E -> uart(b, d, out);
            case 0x030F -> usbClass(b, d, out);
            case 0x0401 -> {
                long number = u32(b, d);
                int sigType = u8(b, d + 37);
                switch (sigType) {
                    case 1 -> out.add("HD(" + (int) number + ",MBR,0x" + x(u32(b, d + 20), 8) + ",");
                    case 2 -> out.add("HD(" + (int) number + ",GPT," + g(b, d + 20) + ",");
                    default -> out.add("HD(" + (int) number + "," + sigType + ",0,");
                }
                out.add("0x" + x(u64(b, d + 4)) + ",0x" + x(u64(b, d + 12)) + ")");
            }
            case 0x0402 -> out.add(displayOnly ? "CDROM(0x" + x(u32(b, d)) + ")"
                    : "CDROM(0x" + x(u32(b, d)) + ",0x" + x(u64(b, d + 4)) + ",0x" + x(u64(b, d + 12)) + ")");
            case 0x0404 -> out.add(filePath(b, d, len - 4));
            case 0x0405 -> out.add("Media(" + g(b, d) + ")");
            case 0x0406 -> out.add("FvFile(" + g(b, d) + ")");
            case 0x0407 -> out.add("Fv(" + g(b, d) + ")");
            case 0x0408 -> out.add("Offset(0x" + x(u64(b, d + 4)) + ",0x" + x(u64(b, d + 12)) + ")");
            case 0x0501 -> {
                String[] names = {null, "Floppy", "HD", "CDROM", "PCMCIA", "USB", "Network"};
                int dt = (int) u16(b, d);
                String name = dt >= 1 && dt <= 6 ? names[dt] : null;
                String ascii = ascii(b, d + 4);
                out.add(name != null ? "BBS(" + name + "," + ascii : "BBS(0x" + x(dt) + "," + ascii);
                out.add(displayOnly ? ")" : ",0x" + x(u16(b, d + 2)) + ")");
            }
            case 0x7F01 -> out.add(",");
            default -> {
                if (NOT_MODELLED.contains(type << 8 | sub)) {
                    notes.add(String.format("node type 0x%02X sub-type 0x%02X printed generically (EDK2 prints a form"
                            + " of its own; not modelled by efiemu)", type, sub));
                }
                generic(b, o, len, type, sub, out);
            }
        }
        return out;
    }

    private static void generic(byte[] b, int o, int len, int type, int sub, List<String> out) {
        String name = switch (type) {
            case 1 -> "HardwarePath";
            case 2 -> "AcpiPath";
            case 3 -> "Msg";
            case 4 -> "MediaPath";
            case 5 -> "BbsPath";
            default -> null;
        };
        out.add(name == null ? "Path(" + type + "," + sub : name + "(" + sub);
        if (len > 4) {
            out.add(",");
            for (int i = 4; i < len; i++) {
                out.add(x(u8(b, o + i), 2));
            }
        }
        out.add(")");
    }

    private static String acpi(long hid, long uid) {
        if ((hid & 0xFFFF) == 0x41D0) {
            int num = (int) (hid >>> 16);
            return switch (num) {
                case 0x0A03 -> "PciRoot(0x" + x(uid) + ")";
                case 0x0A08 -> "PcieRoot(0x" + x(uid) + ")";
                case 0x0604 -> "Floppy(0x" + x(uid) + ")";
                case 0x0301 -> "Keyboard(0x" + x(uid) + ")";
                case 0x0501 -> "Serial(0x" + x(uid) + ")";
                case 0x0401 -> "ParallelPort(0x" + x(uid) + ")";
                default -> "Acpi(PNP" + x(num, 4) + ",0x" + x(uid) + ")";
            };
        }
        return "Acpi(0x" + x(hid, 8) + ",0x" + x(uid) + ")";
    }

    private static void vendor(byte[] b, int o, int len, int type, boolean shortcuts, List<String> out,
            List<String> notes) {
        int d = o + 4;
        String guid = g(b, d);
        if (type == 3 && shortcuts) {
            switch (guid) {
                case PC_ANSI -> {
                    out.add("VenPcAnsi()");
                    return;
                }
                case VT100 -> {
                    out.add("VenVt100()");
                    return;
                }
                case VT100_PLUS -> {
                    out.add("VenVt100Plus()");
                    return;
                }
                case VT_UTF8 -> {
                    out.add("VenUtf8()");
                    return;
                }
                case UART_FLOW -> {
                    switch ((int) (u32(b, d + 16) & 3)) {
                        case 0 -> out.add("UartFlowCtrl(None)");
                        case 1 -> out.add("UartFlowCtrl(Hardware)");
                        case 2 -> out.add("UartFlowCtrl(XonXoff)");
                        default -> { }
                    }
                    return;
                }
                case SAS -> notes.add("SAS vendor node printed as VenMsg (EDK2 prints SAS(...); not modelled by efiemu)");
                case DEBUG_PORT -> {
                    out.add("DebugPort()");
                    return;
                }
                default -> { }
            }
        }
        String kind = switch (type) {
            case 1 -> "Hw";
            case 3 -> "Msg";
            case 4 -> "Media";
            default -> "?";
        };
        out.add("Ven" + kind + "(" + guid);
        int data = len - 20;
        if (data > 0) {
            out.add(",");
            for (int i = 0; i < data; i++) {
                out.add(x(u8(b, d + 16 + i), 2));
            }
        }
        out.add(")");
    }

    private static final java.util.Map<Integer, String> USB_CLASSES = java.util.Map.ofEntries(
            java.util.Map.entry(0x01, "UsbAudio"), java.util.Map.entry(0x02, "UsbCDCControl"),
            java.util.Map.entry(0x03, "UsbHID"), java.util.Map.entry(0x06, "UsbImage"),
            java.util.Map.entry(0x07, "UsbPrinter"), java.util.Map.entry(0x08, "UsbMassStorage"),
            java.util.Map.entry(0x09, "UsbHub"), java.util.Map.entry(0x0A, "UsbCDCData"),
            java.util.Map.entry(0x0B, "UsbSmartCard"), java.util.Map.entry(0x0E, "UsbVideo"),
            java.util.Map.entry(0xDC, "UsbDiagnostic"), java.util.Map.entry(0xE0, "UsbWireless"));

    /** USB class node (UEFI 2.10 §10.3.4.12): the class's own name when EDK2 knows it. */
    private static void usbClass(byte[] b, int d, List<String> out) {
        long vid = u16(b, d);
        long pid = u16(b, d + 2);
        int cls = u8(b, d + 4);
        int subClass = u8(b, d + 5);
        int protocol = u8(b, d + 6);
        String name = USB_CLASSES.get(cls);
        if (name != null) {
            out.add(name);
            out.add("(0x" + x(vid) + ",0x" + x(pid) + ",0x" + x(subClass) + ",0x" + x(protocol) + ")");
            return;
        }
        String[] reserved = {null, "UsbDeviceFirmwareUpdate", "UsbIrdaBridge", "UsbTestAndMeasurement"};
        if (cls == 0xFE && subClass >= 1 && subClass <= 3) {
            out.add(reserved[subClass] + "(0x" + x(vid) + ",0x" + x(pid) + ",0x" + x(protocol) + ")");
            return;
        }
        out.add("UsbClass(0x" + x(vid) + ",0x" + x(pid) + ",0x" + x(cls) + ",0x" + x(subClass) + ",0x" + x(protocol)
                + ")");
    }

    private static void uart(byte[] b, int d, List<String> out) {
        int parity = u8(b, d + 13);
        char p = parity <= 5 ? "DNEOMS".charAt(parity) : 'x';
        long baud = u64(b, d + 4);
        out.add(baud == 0 ? "Uart(DEFAULT," : "Uart(" + Long.toUnsignedString(baud) + ",");
        int bits = u8(b, d + 12);
        out.add(bits == 0 ? "DEFAULT," : bits + ",");
        out.add(p + ",");
        int stop = u8(b, d + 14);
        out.add(switch (stop) {
            case 0 -> "D)";
            case 1 -> "1)";
            case 2 -> "1.5)";
            case 3 -> "2)";
            default -> "x)";
        });
    }

    /** {@code %s} of the PathName: UCS-2 up to its NUL (or the node's end). */
    private static String filePath(byte[] b, int d, int bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i + 1 < bytes; i += 2) {
            char c = (char) u16(b, d + i);
            if (c == 0) {
                break;
            }
            s.append(c);
        }
        return s.toString();
    }

    /** {@code %a}: ASCII up to NUL. */
    private static String ascii(byte[] b, int from) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < b.length; i++) {
            int c = b[i] & 0xFF;
            if (c == 0) {
                break;
            }
            s.append((char) c);
        }
        return s.toString();
    }
}
