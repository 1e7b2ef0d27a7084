package org.efiemu.uefi.devicepath;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.HexText;

/**
 * Device path text conversion (UEFI 2.10 §10.6 "Text Device Node Reference"), with the formats of EDK2's
 * {@code MdePkg/Library/UefiDevicePathLib/DevicePathToText.c} (hex digits in upper case) for the nodes this model
 * builds; other nodes print as {@code Path(type,subtype,hex)}.
 */
final class DevicePathText {

    private DevicePathText() {
    }

    static String toText(DevicePath path) {
        StringBuilder sb = new StringBuilder();
        boolean startOfInstance = true;
        for (DevicePathNode n : path.nodes()) {
            if (n.isEndEntire()) {
                break;
            }
            if (n.isEnd()) {
                sb.append(',');
                startOfInstance = true;
                continue;
            }
            if (!startOfInstance) {
                sb.append('/');
            }
            sb.append(nodeToText(n));
            startOfInstance = false;
        }
        return sb.toString();
    }

    static String nodeToText(DevicePathNode n) {
        ByteBuffer b = n.buffer();
        int len = n.data().length;
        int key = n.type() << 8 | n.subType();
        switch (key) {
            case DevicePathNode.END << 8 | DevicePathNode.SUB_END_ENTIRE:
                return "End";
            case DevicePathNode.END << 8 | DevicePathNode.SUB_END_INSTANCE:
                return ",";
            case DevicePathNode.ACPI << 8 | DevicePathNode.SUB_ACPI:
                if (len == 8) {
                    return acpiText(b.getInt(), Integer.toUnsignedLong(b.getInt()));
                }
                break;
            case DevicePathNode.HARDWARE << 8 | DevicePathNode.SUB_HW_PCI:
                if (len == 2) {
                    int function = b.get() & 0xFF;
                    return "Pci(0x" + HexText.upper(b.get() & 0xFF) + ",0x" + HexText.upper(function) + ")";
                }
                break;
            case DevicePathNode.MESSAGING << 8 | DevicePathNode.SUB_MSG_SATA:
                if (len == 6) {
                    int port = b.getShort() & 0xFFFF;
                    int multiplier = b.getShort() & 0xFFFF;
                    return "Sata(0x" + HexText.upper(port) + ",0x" + HexText.upper(multiplier) + ",0x"
                            + HexText.upper(b.getShort() & 0xFFFF) + ")";
                }
                break;
            case DevicePathNode.MESSAGING << 8 | DevicePathNode.SUB_MSG_ATAPI:
                if (len == 4) {
                    int channel = b.get() & 0xFF;
                    int device = b.get() & 0xFF;
                    if (channel <= 1 && device <= 1) {
                        return "Ata(" + (channel == 0 ? "Primary" : "Secondary") + "," + (device == 0 ? "Master"
                                : "Slave") + ",0x" + HexText.upper(b.getShort() & 0xFFFF) + ")";
                    }
                }
                break;
            case DevicePathNode.HARDWARE << 8 | DevicePathNode.SUB_HW_VENDOR:
                return vendorText("VenHw", n);
            case DevicePathNode.MESSAGING << 8 | DevicePathNode.SUB_MSG_VENDOR:
                return vendorText("VenMsg", n);
            case DevicePathNode.MEDIA << 8 | DevicePathNode.SUB_MEDIA_VENDOR:
                return vendorText("VenMedia", n);
            case DevicePathNode.MEDIA << 8 | DevicePathNode.SUB_MEDIA_HARDDRIVE:
                if (len == 38) {
                    return hardDriveText(n.data());
                }
                break;
            case DevicePathNode.MEDIA << 8 | DevicePathNode.SUB_MEDIA_FILEPATH:
                return n.pathName();
            default:
                break;
        }
        return n.genericText();
    }

    private static String acpiText(int hid, long uid) {
        if ((hid & 0xFFFF) == 0x41D0) {
            int pnp = hid >>> 16;
            switch (pnp) {
                case 0x0A03:
                    return "PciRoot(0x" + HexText.upper(uid) + ")";
                case 0x0A08:
                    return "PcieRoot(0x" + HexText.upper(uid) + ")";
                default:
                    return String.format("Acpi(PNP%04X,0x%X)", pnp, uid);
            }
        }
        return String.format("Acpi(0x%08X,0x%X)", hid, uid);
    }

    private static String vendorText(String name, DevicePathNode n) {
        byte[] d = n.data();
        if (d.length < Guid.SIZE) {
            return n.genericText();
        }
        String guid = Guid.fromBytes(d).registryForm();
        if (d.length == Guid.SIZE) {
            return name + "(" + guid + ")";
        }
        return name + "(" + guid + "," + HexFormat.of().withUpperCase().formatHex(d, Guid.SIZE, d.length) + ")";
    }

    private static String hardDriveText(byte[] d) {
        ByteBuffer b = ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long number = Integer.toUnsignedLong(b.getInt());
        long start = b.getLong();
        long size = b.getLong();
        byte[] sig = new byte[16];
        b.get(sig);
        int mbrType = b.get() & 0xFF;
        int sigType = b.get() & 0xFF;
        String signature = switch (sigType) {
            case 1 -> String.format("MBR,0x%08X", ByteBuffer.wrap(sig).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
            case 2 -> "GPT," + Guid.fromBytes(sig).registryForm();
            default -> String.format("%d,0", sigType);
        };
        if (mbrType != 1 && mbrType != 2 && sigType != 0) {
            signature = String.format("%d,%s", sigType, HexFormat.of().withUpperCase().formatHex(sig));
        }
        return "HD(" + number + "," + signature + ",0x" + HexText.upper(start) + ",0x" + HexText.upper(size) + ")";
    }

    /**
     * Parses the text form this class prints for {@code PciRoot}, {@code PcieRoot}, {@code Acpi(PNPxxxx,uid)},
     * {@code Pci}, {@code Sata}, {@code VenHw}/{@code VenMsg}/{@code VenMedia}, {@code HD} (GPT and MBR) and
     * file paths (any other node text, e.g. {@code \EFI\BOOT\BOOTX64.EFI}); nodes separated by {@code /}.
     *
     * @throws IllegalArgumentException naming the node text and what was expected
     */
    static DevicePath parse(String text) {
        List<DevicePathNode> nodes = new ArrayList<>();
        for (String token : splitTopLevel(text)) {
            nodes.add(parseNode(token));
        }
        return DevicePath.of(nodes.toArray(DevicePathNode[]::new));
    }

    private static List<String> splitTopLevel(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '/' && depth == 0) {
                out.add(text.substring(start, i));
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        out.removeIf(String::isEmpty);
        return out;
    }

    private static DevicePathNode parseNode(String token) {
        int open = token.indexOf('(');
        if (open <= 0 || !token.endsWith(")") || !token.substring(0, open).matches("[A-Za-z]+")) {
            return DevicePath.filePath(token);
        }
        String name = token.substring(0, open);
        List<String> args = Arrays.stream(token.substring(open + 1, token.length() - 1).split(",", -1))
                .map(String::strip).toList();
        try {
            return switch (name) {
                case "PciRoot" -> need(args, 1, () -> DevicePath.pciRoot((int) num(args.get(0))));
                case "PcieRoot" -> need(args, 1, () -> DevicePath.acpi(DevicePath.PNP0A08, (int) num(args.get(0))));
                case "Acpi" -> need(args, 2, () -> DevicePath.acpi(acpiHid(args.get(0)), (int) num(args.get(1))));
                case "Pci" -> need(args, 2, () -> DevicePath.pci((int) num(args.get(0)), (int) num(args.get(1))));
                case "Sata" -> need(args, 3, () -> DevicePath.sata((int) num(args.get(0)), (int) num(args.get(1)),
                        (int) num(args.get(2))));
                case "Ata" -> need(args, 3, () -> DevicePath.ata(switch (args.get(0)) {
                    case "Primary" -> 0;
                    case "Secondary" -> 1;
                    default -> throw new IllegalArgumentException("expected Primary or Secondary");
                }, switch (args.get(1)) {
                    case "Master" -> 0;
                    case "Slave" -> 1;
                    default -> throw new IllegalArgumentException("expected Master or Slave");
                }, (int) num(args.get(2))));
                case "VenHw" -> vendor(DevicePathNode.HARDWARE, args);
                case "VenMsg" -> vendor(DevicePathNode.MESSAGING, args);
                case "VenMedia" -> vendor(DevicePathNode.MEDIA, args);
                case "HD" -> hardDrive(token, args);
                default -> throw new IllegalArgumentException("unknown node type " + name);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("device path node '" + token + "': " + e.getMessage(), e);
        }
    }

    private static DevicePathNode need(List<String> args, int count, Supplier<DevicePathNode> node) {
        if (args.size() != count) {
            throw new IllegalArgumentException("expected " + count + " arguments");
        }
        return node.get();
    }

    private static int acpiHid(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        if (u.startsWith("PNP") && u.length() == 7) {
            return Integer.parseInt(u.substring(3), 16) << 16 | 0x41D0;
        }
        return (int) num(s);
    }

    private static DevicePathNode vendor(int type, List<String> args) {
        byte[] data = args.size() > 1 ? HexFormat.of().parseHex(args.get(1)) : new byte[0];
        return DevicePath.vendor(type, Guid.parse(args.get(0)), data);
    }

    private static DevicePathNode hardDrive(String token, List<String> args) {
        if (args.size() != 5) {
            throw new IllegalArgumentException("expected HD(partition,GPT|MBR,signature,start,size)");
        }
        int number = (int) num(args.get(0));
        long start = num(args.get(3));
        long size = num(args.get(4));
        return switch (args.get(1).toUpperCase(Locale.ROOT)) {
            case "GPT" -> DevicePath.hardDriveGpt(number, start, size, Guid.parse(args.get(2)));
            case "MBR" -> DevicePath.hardDriveMbr(number, start, size, (int) num(args.get(2)));
            default -> throw new IllegalArgumentException("expected GPT or MBR as the second argument");
        };
    }

    /** A number in {@code 0x} hex or decimal. */
    private static long num(String s) {
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        return Long.parseLong(t);
    }
}
