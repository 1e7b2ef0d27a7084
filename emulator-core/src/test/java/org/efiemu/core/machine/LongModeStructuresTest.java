package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Mmr;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * The long-mode structures a machine starts with (UEFI 2.10 §2.3.4; Intel SDM vol. 3A §4.5 and §6.14.1) are made from
 * parts that do not depend on where they lie (the GDT page, the PDPT pages) and parts that do (the IDT's gate
 * addresses, the PML4's pointers to the PDPTs): wherever the firmware puts them, and whatever the RAM top, the bytes
 * equal the ones built entry by entry from the architecture's definition.
 */
class LongModeStructuresTest {

  private static final long GIB = 1L << 30;

  /** The identity tables at {@code at} for {@code [0, top)}, entry by entry: a PML4 page, then the PDPT pages. */
  private static byte[] referenceTables(long at, long top) {
    long pdpts = Math.max(1, (top + 512 * GIB - 1) / (512 * GIB));
    ByteBuffer b = ByteBuffer.allocate((int) (4096 * (1 + pdpts))).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < pdpts; i++) {
      b.putLong(8 * i, (at + 4096L * (1 + i)) | 1 | 2);
      for (int j = 0; j < 512; j++) {
        b.putLong(4096 * (1 + i) + 8 * j, (i * 512L + j) * GIB | 1 | 2 | 0x80);
      }
    }
    return b.array();
  }

  @Test
  void identityTablesAtAnyAddressAndTopAreTheTablesBuiltEntryByEntry() {
    Random rnd = new Random(23);
    for (int round = 0; round < 400; round++) {
      long at = (rnd.nextLong() >>> 24) & ~0xFFFL;
      long top = round < 20 ? (round + 1) * 512 * GIB - rnd.nextInt(2) : 1 + (rnd.nextLong() >>> 21); // up to 4 PiB
      byte[] tables = PageTables.identityTables(at, top);
      assertThat(tables).as("round %d at 0x%X top 0x%X", round, at, top).isEqualTo(referenceTables(at, top));
      assertThat(tables.length).isEqualTo(PageTables.identitySize(top));
    }
  }

  @Test
  void identityTablesAreAFreshArrayEachTimeSoACallerChangingOneLeavesTheNextIntact() {
    byte[] first = PageTables.identityTables(0x10000, 6 * 1024 * GIB);
    java.util.Arrays.fill(first, (byte) 0x5A);
    assertThat(PageTables.identityTables(0x20000, 6 * 1024 * GIB))
        .isEqualTo(referenceTables(0x20000, 6 * 1024 * GIB));
  }

  @Test
  void gdtIdtAndPageTablesWrittenAtAnyBaseAreTheArchitecturesEntriesPointingThere() {
    Random rnd = new Random(5);
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x4000_0000L).ram(0x1_0000_0000L, 3 * 512 * GIB).build();
    try (Engine engine = Engine.open()) {
      PhysicalMemory physical = new PhysicalMemory(engine, layout, 1 << 20);
      GuestMemory memory = new GuestMemory(physical);
      for (int round = 0; round < 40; round++) {
        long base = (long) rnd.nextInt(0x3F00_0000 >>> 12) << 12;
        byte[] tables = LongMode.enterWithTables(engine, memory, base, layout.top(), 0x8000);
        ByteBuffer gdt = ByteBuffer.wrap(memory.read(base, 4096)).order(ByteOrder.LITTLE_ENDIAN);
        // (the CPU sets a descriptor's Accessed bit, type bit 0 = bit 40, when a selector is loaded: SDM vol. 3A §3.4.5.1)
        long accessed = 1L << 40;
        assertThat(gdt.getLong(0x38) & ~accessed).as("64-bit code descriptor").isEqualTo(0x00AF_9A00_0000_FFFFL);
        assertThat(gdt.getLong(0x30) & ~accessed).as("data descriptor").isEqualTo(0x00CF_9200_0000_FFFFL);
        assertThat(memory.read(base + 0x800, 3)).as("hlt; jmp $-1").containsExactly(0xF4, 0xEB, 0xFD);
        ByteBuffer idt = ByteBuffer.wrap(memory.read(base + 4096, 4096)).order(ByteOrder.LITTLE_ENDIAN);
        long stub = base + 0x800;
        for (int v = 0; v < 256; v++) {
          long low = idt.getLong(16 * v);
          long target = (low & 0xFFFF) | ((low >>> 48) << 16) | (idt.getLong(16 * v + 8) << 32);
          assertThat(target).as("round %d vector %d handler", round, v).isEqualTo(stub);
          assertThat((low >>> 16) & 0xFFFF).as("selector").isEqualTo(LongMode.CODE_SELECTOR);
          assertThat((low >>> 40) & 0xFF).as("present 64-bit interrupt gate").isEqualTo(0x8E);
        }
        long cr3 = base + 2 * 4096;
        assertThat(tables).isEqualTo(referenceTables(cr3, layout.top()));
        // what the engine holds: the same but for the Accessed bits the CPU sets as it walks them (loading the
        // segment registers above already does), which the give-back's comparison ignores (Machine.sameTables)
        assertThat(Machine.sameTables(memory.read(cr3, tables.length), tables)).isTrue();
        assertThat(engine.reg(X86Reg.CR3)).isEqualTo(cr3);
        assertThat(engine.mmr(X86Mmr.IDTR).base()).isEqualTo(base + 4096);
        assertThat(PageTables.firstNonIdentity(memory, cr3)).isEmpty();
      }
    }
  }
}
