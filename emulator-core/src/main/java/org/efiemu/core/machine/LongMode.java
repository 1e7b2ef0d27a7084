package org.efiemu.core.machine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Mmr;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestMemory;

/**
 * Puts the CPU in the state UEFI 2.10 §2.3.4 (x64 platforms) specifies at an application's entry: long mode
 * (EFER.LME/LMA, CR0.PG/PE), identity-mapped 4-level paging with CR3 pointing at real tables in guest memory,
 * flat 64-bit segments from a real GDT, an IDT, interrupts disabled (IF=0), SSE enabled (CR0.MP, CR4.OSFXSR,
 * CR4.OSXMMEXCPT). EFER.NXE is requested, but Unicorn 2.0.1 offers no CPU model with NX (CPUID 0x80000001
 * EDX[20] is clear for all of them, measured) and drops the bit.
 *
 * <p>Layout of the structures block at {@code base}: page 0 holds the GDT (OVMF's selectors: 0x38 64-bit code,
 * 0x30 data) and at offset 0x800 the common exception stub ({@code hlt; jmp $-1}); page 1 holds the IDT
 * (256 interrupt gates to that stub; the machine's interrupt hook sees exceptions first and stops the run);
 * the page tables follow from page 2.
 */
public final class LongMode {
  /** Code selector (OVMF's SYS_CODE64_SEL). */
  public static final int CODE_SELECTOR = 0x38;
  /** Data selector (OVMF's SYS_DATA64_SEL). */
  public static final int DATA_SELECTOR = 0x30;
  public static final long CR0 = 0x8001_0033L; // PG | WP | NE | ET | MP | PE
  public static final long CR4 = 0x0620L; // OSXMMEXCPT | OSFXSR | PAE
  public static final long EFER = 0x0D00L; // NXE | LMA | LME
  public static final int MSR_EFER = 0xC000_0080;
  private static final long[] GDT = {
      0, 0x00CF_9200_0000_FFFFL, 0x00CF_9A00_0000_FFFFL, 0x00CF_9200_0000_FFFFL, 0x00CF_9A00_0000_FFFFL, 0,
      0x00CF_9200_0000_FFFFL, 0x00AF_9A00_0000_FFFFL, 0};
  private static final int STUB_OFFSET = 0x800;
  /** Offset of the firmware's IDT in the structures block. */
  public static final int IDT_OFFSET = 4096;
  /**
   * The engine's physical address limit: Unicorn 2.0.1's TCG CPU reports 40 physical address bits (CPUID
   * 0x80000008 EAX[7:0] = 40) for its default model and for every 64-bit model {@code uc_ctl(UC_CTL_CPU_MODEL)}
   * offers (qemu64 ... EPYC-Rome, all measured), and with CR0.PG set a page-table entry whose address has bits at or
   * above bit 40 has reserved bits set (Intel SDM vol. 3A §4.5.4), so a guest access at or above 1 TiB raises #PF.
   * Paging stays on anyway (UEFI 2.10 §2.3.4 requires it); {@link Machine} turns such a #PF into
   * {@link StopReason#ABOVE_PHYSICAL_LIMIT}. Host accesses (through {@code uc_mem_read/write}) are physical and work
   * at any address.
   */
  public static final long PHYSICAL_LIMIT = 1L << 40;

  private LongMode() {}

  /** Bytes needed at {@code base} for GDT, IDT and page tables covering {@code [0, top)}. */
  public static long structuresSize(long top) {
    return 2 * 4096 + PageTables.identitySize(top);
  }

  /** Writes the structures at {@code base} and loads the CPU state; returns the CR3 value. */
  public static long enter(Engine engine, GuestMemory memory, long base, long top, long stackTop) {
    enterWithTables(engine, memory, base, top, stackTop);
    return base + 2 * 4096;
  }

  /**
   * As {@link #enter}, returning the page tables' bytes as written at {@code base + 2 * 4096} (a fresh array, what the
   * guest's memory holds there right after; the CR3 value is that address).
   */
  static byte[] enterWithTables(Engine engine, GuestMemory memory, long base, long top, long stackTop) {
    memory.write(base, GDT_PAGE);
    long stub = base + STUB_OFFSET;
    // 256 identical 64-bit interrupt gates (Intel SDM vol. 3A §6.14.1): one made, then doubled into the page
    byte[] idt = new byte[4096];
    long low = (stub & 0xFFFF) | ((long) CODE_SELECTOR << 16) | (0x8EL << 40) | (((stub >> 16) & 0xFFFF) << 48);
    LE_LONG.set(idt, 0, low);
    LE_LONG.set(idt, 8, stub >>> 32);
    for (int filled = 16; filled < idt.length; filled *= 2) {
      System.arraycopy(idt, 0, idt, filled, filled);
    }
    memory.write(base + 4096, idt);
    long cr3 = base + 2 * 4096;
    byte[] tables = PageTables.identityTables(cr3, top);
    memory.write(cr3, tables);

    engine.mmr(X86Mmr.GDTR, X86Mmr.Value.table(base, GDT.length * 8 - 1));
    engine.mmr(X86Mmr.IDTR, X86Mmr.Value.table(base + 4096, 256 * 16 - 1));
    engine.reg(X86Reg.CR3, cr3);
    engine.reg(X86Reg.CR4, CR4);
    engine.writeMsr(MSR_EFER, EFER);
    engine.reg(X86Reg.CR0, CR0);
    engine.reg(X86Reg.CS, CODE_SELECTOR);
    for (X86Reg s : new X86Reg[] {X86Reg.DS, X86Reg.ES, X86Reg.SS, X86Reg.FS, X86Reg.GS}) {
      engine.reg(s, DATA_SELECTOR);
    }
    engine.reg(X86Reg.RFLAGS, 0x2);
    engine.reg(X86Reg.RSP, stackTop);
    return tables;
  }

  private static final java.lang.invoke.VarHandle LE_LONG =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * Page 0 of the structures block: the GDT and, at {@link #STUB_OFFSET}, the exception stub; the same for every
   * machine (nothing in it depends on where it lies). Only ever read.
   */
  private static final byte[] GDT_PAGE = gdtPage();

  private static byte[] gdtPage() {
    ByteBuffer page = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < GDT.length; i++) page.putLong(8 * i, GDT[i]);
    page.put(STUB_OFFSET, (byte) 0xF4).put(STUB_OFFSET + 1, (byte) 0xEB).put(STUB_OFFSET + 2, (byte) 0xFD);
    return page.array();
  }
}
