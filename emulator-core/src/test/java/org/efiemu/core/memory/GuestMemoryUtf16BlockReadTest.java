package org.efiemu.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.efiemu.core.machine.Machine;
import org.junit.jupiter.api.Test;

/**
 * {@link GuestMemory#utf16z} reads a string block by block and gives exactly what reading it one CHAR16 at a time gives:
 * the same text, the same {@link GuestMemoryException} (address, length, message) where RAM ends or no NUL comes within
 * the limit, and the same host-work count ({@link PhysicalMemory#hostBytesMoved()}: the characters consumed, never
 * the block read ahead), so run budgets stop at the same service call.
 */
class GuestMemoryUtf16BlockReadTest {
    private static final PhysicalLayout LAYOUT = PhysicalLayout.builder()
            .ram(0x1000, 0x9F000)      // ends at 640 KiB: strings running into the hole
            .ram(0x100000, 0x300000)
            .build();

    @Test
    void blockReadGivesTheTextExceptionAndHostWorkOfTheCharacterByCharacterRead() {
        Random random = new Random(16);
        try (Machine m = Machine.builder(LAYOUT).cpuStructuresAt(0x10000).stackTop(0x80000)
                .trapRegion(0x90000, 0x1000).build()) {
            GuestMemory memory = m.memory();
            PhysicalMemory physical = memory.physical();
            for (int round = 0; round < 400; round++) {
                int chars = random.nextInt(300);
                boolean nearHole = random.nextInt(4) == 0;
                long address = nearHole ? 0xA0000 - 2L * random.nextInt(400) : 0x100000 + 2L * random.nextInt(0x80000);
                for (int i = 0; i < chars && memory.isRam(address + 2L * i, 2); i++) {
                    memory.putU16(address + 2L * i, 1 + random.nextInt(0xFFFE)); // never NUL
                }
                if (random.nextBoolean() && memory.isRam(address + 2L * chars, 2)) {
                    memory.putU16(address + 2L * chars, 0);
                }
                int max = random.nextInt(4) == 0 ? random.nextInt(200) + 1 : 4096;
                long before = physical.hostBytesMoved();
                Object fast = outcome(() -> memory.utf16z(address, max));
                long fastBytes = physical.hostBytesMoved() - before;
                before = physical.hostBytesMoved();
                Object slow = outcome(() -> charByChar(memory, address, max));
                long slowBytes = physical.hostBytesMoved() - before;
                assertThat(fast).as("string at 0x%X, limit %d", address, max).isEqualTo(slow);
                assertThat(fastBytes).as("host bytes charged for 0x%X", address).isEqualTo(slowBytes);
            }
        }
    }

    @Test
    void aStringEndingExactlyAtABlockBoundaryAndOneRunningToTheEndOfRamAreReadAsBefore() {
        try (Machine m = Machine.builder(LAYOUT).cpuStructuresAt(0x10000).stackTop(0x80000)
                .trapRegion(0x90000, 0x1000).build()) {
            GuestMemory memory = m.memory();
            long at = 0x200000;
            for (int i = 0; i < 64; i++) {
                memory.putU16(at + 2L * i, 'A' + i % 26);
            }
            memory.putU16(at + 128, 0);
            assertThat(memory.utf16z(at, 4096)).hasSize(64).isEqualTo(charByChar(memory, at, 4096));
            assertThat(outcome(() -> memory.utf16z(at, 64))).isEqualTo(outcome(() -> charByChar(memory, at, 64)))
                    .asString().contains("no NUL within 64");
            long end = 0xA0000 - 6;
            for (int i = 0; i < 3; i++) {
                memory.putU16(end + 2L * i, 'x');
            }
            assertThat(outcome(() -> memory.utf16z(end, 4096))).isEqualTo(outcome(() -> charByChar(memory, end, 4096)))
                    .asString().contains("runs out of RAM");
        }
    }

    /** The read as it was before block reads: one RAM check and one 2-byte read per character. */
    private static String charByChar(GuestMemory memory, long address, int maxChars) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < maxChars; i++) {
            long a = address + 2L * i;
            if (!memory.isRam(a, 2)) {
                throw new GuestMemoryException(address, 2L * i + 2, "CHAR16 string runs out of RAM");
            }
            int c = memory.u16(a);
            if (c == 0) {
                return sb.toString();
            }
            sb.append((char) c);
        }
        throw new GuestMemoryException(address, 2L * maxChars, "no NUL within " + maxChars + " CHAR16s");
    }

    private static Object outcome(java.util.function.Supplier<String> read) {
        try {
            return "text:" + read.get();
        } catch (GuestMemoryException e) {
            return "exception:" + e.getMessage();
        }
    }
}
