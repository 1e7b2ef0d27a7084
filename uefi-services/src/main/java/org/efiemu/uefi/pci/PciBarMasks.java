package org.efiemu.uefi.pci;

import java.util.List;
import java.util.Map;

/**
 * The size masks of a PCI function's base address registers (PCI Local Bus 3.0 §6.2.5.1, PCI-to-PCI Bridge 1.2
 * §3.2.5.1), pure: which bits of a BAR register software can change. An enumerator sizes a BAR by writing all ones to
 * it and reading back: the address bits below the BAR's size read as zero, the type bits (bit 0: I/O; bits 1-3 of a
 * memory BAR: 32/64-bit and prefetchable) keep their values, and every other address bit reads back as written. The
 * expansion ROM BAR (0x30, or 0x38 in a bridge's header) has its enable bit (bit 0) writable, bits 1-10 reserved.
 *
 * <p>What each register read back after all ones were written is captured from the real machine (the
 * firmware-probe's {@code pci: bar-masks} line, the profile's {@code pci-bar-masks}); the writable bits are that value
 * less the register's type bits as the firmware left them: a memory BAR's bits 0-3, an I/O BAR's bits 0-1; the upper
 * half of a 64-bit memory BAR and the ROM BAR have none. A write then changes only the writable bits, so sizing reads
 * back the real mask and restoring the base address restores the register.
 */
public final class PciBarMasks {
    private PciBarMasks() {}

    /** The BAR registers of a header: type 0 (a function) 0x10-0x24 and 0x30; type 1 (a bridge) 0x10, 0x14, 0x38. */
    public static List<Integer> registers(byte[] config) {
        return (config[0x0E] & 0x7F) == 1 ? List.of(0x10, 0x14, 0x38) : List.of(0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x30);
    }

    /** Whether {@code register} is a BAR register of the header {@code config} has. */
    public static boolean isBarRegister(byte[] config, int register) {
        return registers(config).contains(register);
    }

    /** Whether a BAR register is an expansion ROM BAR (no type bits). */
    static boolean romRegister(byte[] config, int register) {
        return register == ((config[0x0E] & 0x7F) == 1 ? 0x38 : 0x30);
    }

    static int u32(byte[] config, int at) {
        return (config[at] & 0xFF) | (config[at + 1] & 0xFF) << 8 | (config[at + 2] & 0xFF) << 16
                | (config[at + 3] & 0xFF) << 24;
    }

    /**
     * The type bits of a BAR register as the firmware left it ({@code config}): 0xF of a memory BAR, 0x3 of an I/O BAR,
     * none for the ROM BAR or the upper half of a 64-bit memory BAR (the register after one whose bits 2:1 are 10b).
     */
    public static int typeBits(byte[] config, int register) {
        if (romRegister(config, register) || upperHalves(config).contains(register)) {
            return 0;
        }
        return (u32(config, register) & 1) == 1 ? 0x3 : 0xF;
    }

    /** Registers that are the upper half of a 64-bit memory BAR, walking the header's BARs from 0x10. */
    static List<Integer> upperHalves(byte[] config) {
        List<Integer> upper = new java.util.ArrayList<>();
        for (int r : registers(config)) {
            if (romRegister(config, r) || upper.contains(r)) {
                continue;
            }
            int v = u32(config, r);
            if ((v & 1) == 0 && ((v >>> 1) & 3) == 2) {
                upper.add(r + 4);
            }
        }
        return upper;
    }

    /**
     * The writable bits of each captured BAR register: the captured read-back less the register's type bits. A register
     * the masks do not name is not restricted (the caller keeps plain bytes).
     */
    public static Map<Integer, Integer> writable(byte[] config, Map<Integer, Integer> masks) {
        Map<Integer, Integer> out = new java.util.TreeMap<>();
        for (Map.Entry<Integer, Integer> e : masks.entrySet()) {
            int register = e.getKey();
            int type = typeBits(config, register);
            out.put(register, e.getValue() & ~(u32(config, register) & type));
        }
        return out;
    }

    /** The byte a write of {@code value} leaves in a BAR register's byte {@code k} (0-3) with these writable bits. */
    public static byte apply(byte current, byte value, int writableBits, int k) {
        int w = (writableBits >>> (8 * k)) & 0xFF;
        return (byte) ((value & w) | (current & ~w));
    }
}
