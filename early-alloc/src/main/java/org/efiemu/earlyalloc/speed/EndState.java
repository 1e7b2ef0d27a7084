package org.efiemu.earlyalloc.speed;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Reg;

/**
 * The CPU registers and a checksum of guest RAM at the end of a stretch, read the same way from efiemu's engine and
 * from a raw one, so that the two can be compared: the general registers, RIP, RFLAGS, segment selectors and FS/GS
 * bases, CR0/CR2/CR3/CR4, MXCSR and XMM0-15, and one CRC-32C per RAM range (the ranges efiemu had mapped at the end:
 * all the RAM the guest can have touched).
 */
public record EndState(long[] registers, long[] xmm, List<long[]> ranges, long[] crcs) {
    /** The registers compared, in {@link #registers()} order. */
    public static final X86Reg[] REGISTERS = {X86Reg.RAX, X86Reg.RBX, X86Reg.RCX, X86Reg.RDX, X86Reg.RSI,
        X86Reg.RDI, X86Reg.RBP, X86Reg.RSP, X86Reg.R8, X86Reg.R9, X86Reg.R10, X86Reg.R11, X86Reg.R12, X86Reg.R13,
        X86Reg.R14, X86Reg.R15, X86Reg.RIP, X86Reg.RFLAGS, X86Reg.CS, X86Reg.DS, X86Reg.ES, X86Reg.FS, X86Reg.GS,
        X86Reg.SS, X86Reg.FS_BASE, X86Reg.GS_BASE, X86Reg.CR0, X86Reg.CR2, X86Reg.CR3, X86Reg.CR4, X86Reg.MXCSR};

    /** Reads {@code engine}'s state; {@code ranges} are {@code [base, size]} pairs of RAM it has mapped. */
    public static EndState read(Engine engine, List<long[]> ranges) {
        long[] regs = new long[REGISTERS.length];
        for (int i = 0; i < regs.length; i++) regs[i] = engine.reg(REGISTERS[i]);
        long[] xmm = new long[32];
        for (int n = 0; n < 16; n++) {
            long[] v = engine.xmm(n);
            xmm[2 * n] = v[0];
            xmm[2 * n + 1] = v[1];
        }
        List<long[]> copy = new ArrayList<>();
        long[] crcs = new long[ranges.size()];
        byte[] buffer = new byte[1 << 20];
        for (int i = 0; i < ranges.size(); i++) {
            long base = ranges.get(i)[0];
            long size = ranges.get(i)[1];
            copy.add(new long[] {base, size});
            CRC32C crc = new CRC32C();
            for (long at = 0; at < size; at += buffer.length) {
                int n = (int) Math.min(buffer.length, size - at);
                engine.read(base + at, buffer, 0, n);
                crc.update(buffer, 0, n);
            }
            crcs[i] = crc.getValue();
        }
        return new EndState(regs, xmm, List.copyOf(copy), crcs);
    }

    /** RIP at the end. */
    public long rip() {
        return registers[16];
    }

    /** The first difference from {@code other} (a register by name, XMMn, or a RAM range), or empty when equal. */
    public Optional<String> firstDifference(EndState other) {
        for (int i = 0; i < REGISTERS.length; i++) {
            if (registers[i] != other.registers[i]) {
                return Optional.of(String.format("%s 0x%X vs 0x%X", REGISTERS[i], registers[i], other.registers[i]));
            }
        }
        for (int i = 0; i < xmm.length; i++) {
            if (xmm[i] != other.xmm[i]) {
                return Optional.of(String.format("XMM%d %s 0x%X vs 0x%X", i / 2, i % 2 == 0 ? "low" : "high", xmm[i],
                        other.xmm[i]));
            }
        }
        if (ranges.size() != other.ranges.size()) {
            return Optional.of("RAM compared over " + ranges.size() + " vs " + other.ranges.size() + " ranges");
        }
        for (int i = 0; i < crcs.length; i++) {
            if (crcs[i] != other.crcs[i] || ranges.get(i)[0] != other.ranges.get(i)[0]) {
                return Optional.of(String.format("RAM [0x%X, +0x%X) CRC-32C 0x%08X vs 0x%08X", ranges.get(i)[0],
                        ranges.get(i)[1], crcs[i], other.crcs[i]));
            }
        }
        return Optional.empty();
    }

    /** Bytes of RAM the checksums cover. */
    public long ramBytes() {
        return ranges.stream().mapToLong(r -> r[1]).sum();
    }
}
