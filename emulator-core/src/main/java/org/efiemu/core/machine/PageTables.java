package org.efiemu.core.machine;

import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;

/**
 * x86-64 4-level page tables (Intel SDM vol. 3A §4.5): building the identity map the machine starts with, and
 * walking a guest's tables to find a mapping whose virtual address differs from its physical one (which Unicorn
 * 2.0.x in 64-bit mode does not translate, so the machine must stop and say so).
 */
public final class PageTables {
  static final long PRESENT = 1;
  static final long WRITABLE = 2;
  static final long LARGE = 0x80;
  private static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
  private static final long GIB = 1L << 30;
  private static final long PML4_SPAN = 512 * GIB;
  private static final int WALK_LIMIT = 1 << 20;

  private PageTables() {}

  /** Bytes of tables {@link #buildIdentity} writes to cover {@code [0, top)} with 1 GiB pages. */
  public static long identitySize(long top) {
    long pdpts = Math.max(1, (top + PML4_SPAN - 1) / PML4_SPAN);
    return 4096 * (1 + pdpts);
  }

  /**
   * Writes a PML4 at {@code at} followed by PDPTs whose 1 GiB pages map {@code [0, top)} to itself, read/write,
   * executable; returns the CR3 value ({@code at}).
   */
  public static long buildIdentity(GuestMemory memory, long at, long top) {
    memory.write(at, identityTables(at, top));
    return at;
  }

  /**
   * The bytes {@link #buildIdentity} writes at {@code at} for {@code [0, top)}: a PML4 page, then the PDPTs. A fresh
   * array the caller may keep (it equals what the guest's memory holds right after the write).
   */
  public static byte[] identityTables(long at, long top) {
    long pdpts = identitySize(top) / 4096 - 1;
    if (pdpts > 512) throw new IllegalArgumentException(String.format("0x%X exceeds 256 TiB", top));
    int n = (int) pdpts;
    byte[] tables = new byte[4096 * (1 + n)];
    System.arraycopy(pdptPages(n), 0, tables, 4096, 4096 * n);
    for (int i = 0; i < n; i++) {
      LE_LONG.set(tables, 8 * i, (at + 4096L * (1 + i)) | PRESENT | WRITABLE);
    }
    return tables;
  }

  private static final java.lang.invoke.VarHandle LE_LONG =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /** The PDPT pages by count (index {@code pdpts}; built on first use, only ever read). */
  private static final java.util.concurrent.atomic.AtomicReferenceArray<byte[]> PDPTS =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(513);

  /**
   * The {@code pdpts} PDPT pages of the identity map: PDPT {@code i}'s entry {@code j} maps the 1 GiB page at
   * {@code i * 512 GiB + j GiB} to itself (Intel SDM vol. 3A §4.5.4, table 4-16: PS = 1). They do not depend on where
   * the tables lie (only the PML4's entries point at them), so every machine of a hunt, wherever its firmware's
   * structures are, copies the same pages: built once per count for the process.
   */
  private static byte[] pdptPages(int pdpts) {
    byte[] pages = PDPTS.get(pdpts);
    if (pages != null) return pages;
    pages = new byte[4096 * pdpts];
    for (int i = 0; i < pdpts; i++) {
      for (int j = 0; j < 512; j++) {
        long phys = i * PML4_SPAN + j * GIB;
        LE_LONG.set(pages, 4096 * i + 8 * j, phys | PRESENT | WRITABLE | LARGE);
      }
    }
    PDPTS.compareAndSet(pdpts, null, pages);
    return PDPTS.get(pdpts);
  }

  /**
   * The first present mapping in the tables at {@code cr3} whose virtual address differs from its physical one,
   * described as {@code "virtual 0x... -> physical 0x... (2 MiB page)"}; empty when everything walked is identity.
   * Tables outside RAM are reported as such.
   */
  public static Optional<String> firstNonIdentity(GuestMemory memory, long cr3) {
    int[] budget = {WALK_LIMIT};
    return walk(memory, cr3 & ADDR_MASK, 4, 0, budget);
  }

  private static Optional<String> walk(GuestMemory memory, long table, int level, long virtBase, int[] budget) {
    if (!memory.isRam(table, 4096)) {
      return Optional.of(String.format("level-%d table at 0x%X is not in RAM", level, table));
    }
    byte[] raw = memory.read(table, 4096);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int shift = 12 + 9 * (level - 1);
    for (int i = 0; i < 512; i++) {
      if (--budget[0] < 0) return Optional.empty();
      long e = b.getLong(8 * i);
      if ((e & PRESENT) == 0) continue;
      long virt = virtBase | ((long) i << shift);
      if (level == 4 && i >= 256) virt |= 0xFFFF_0000_0000_0000L;
      if (level == 1 || (level <= 3 && (e & LARGE) != 0)) {
        long phys = e & ADDR_MASK & ~((1L << shift) - 1);
        if (phys != virt) {
          String size = level == 3 ? "1 GiB" : level == 2 ? "2 MiB" : "4 KiB";
          return Optional.of(String.format("virtual 0x%X -> physical 0x%X (%s page)", virt, phys, size));
        }
        continue;
      }
      Optional<String> r = walk(memory, e & ADDR_MASK, level - 1, virt, budget);
      if (r.isPresent()) return r;
    }
    return Optional.empty();
  }
}
