package org.efiemu.core.engine;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongToIntFunction;

/**
 * The host memory behind an engine's {@code uc_mem_map_ptr} regions: anonymous private mappings ({@code mmap},
 * page aligned, zero filled, committed by the kernel page by page on first touch) owned by one {@link Engine}.
 *
 * <p>Why: Unicorn 2.0.1 changes the protection of part of a region ({@code uc_mem_protect}) or unmaps part of it by
 * splitting it ({@code split_region} in {@code uc.c}). For a region it allocated itself that copies the whole region
 * into a {@code malloc}ed buffer, unmaps it, maps up to three new regions and writes the bytes back; for a region
 * mapped over caller memory ({@code RAM_PREALLOC}) it maps the pieces over the same host bytes and copies nothing.
 * Unicorn never frees caller memory ({@code reclaim_ramblock} skips {@code RAM_PREALLOC} blocks), so the engine frees
 * it: the part of a block that {@link Engine#unmap} removed once {@code uc_mem_unmap} returned (the TLB entries of
 * an unmapped region are flushed by then), everything else after {@code uc_close}.
 *
 * <p>Host reads and writes copy straight from and to these bytes, which is what guest loads and stores use too (TCG
 * accesses RAM through the same host pointer). A host write behaves as {@code uc_mem_write} does on Unicorn 2.0.1:
 * it ignores page protections and leaves translated code alone (see {@link Engine#write}).
 */
final class HostMemory {
  private static final int PROT_READ_WRITE = 0x1 | 0x2;
  /** {@code MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE}: no swap reserved for RAM the guest may never touch. */
  private static final int MAP_FLAGS = 0x02 | 0x20 | 0x4000;
  private static final long MAP_FAILED = -1L;

  static {
    Native.register(HostMemory.class, NativeLibrary.getInstance("c"));
  }

  private static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

  private static native int munmap(long address, long length);

  /** One host-backed piece of guest physical memory: {@code [guest, guest+size)} lives at {@code host}. */
  private record Block(long guest, long size, long host) {
    long end() {
      return guest + size;
    }
  }

  /** Live blocks by guest address; blocks never overlap. */
  private final TreeMap<Long, Block> blocks = new TreeMap<>();

  /**
   * The block {@link #holding} found last (null after any change to {@link #blocks}): host reads and writes come in
   * runs at nearby addresses, and a tree lookup boxes its key and makes a map entry, which the first-tier JIT the
   * launcher runs hunts with does not optimise away.
   */
  private Block lastHeld;

  /**
   * Where host memory comes from and goes to on an engine a {@link ReusableEngine} lends (spare memory of an earlier
   * region instead of {@code mmap}, and back there instead of {@code munmap}); null: {@code mmap}/{@code munmap}.
   */
  RamPool pool;

  /**
   * Maps {@code size} zeroed bytes of host memory for guest {@code [guest, guest+size)} with {@code mapper} (given the
   * host address; returns a {@code uc_err}) and records them as a block when it succeeds; frees them when it fails.
   * Returns the mapper's result.
   */
  int map(long guest, long size, LongToIntFunction mapper) {
    long memory = pool != null ? pool.takeSpare(size) : 0;
    if (memory == 0) {
      memory = mmap(0, size, PROT_READ_WRITE, MAP_FLAGS, -1, 0);
      if (pool != null && memory != MAP_FAILED) pool.stats().fresh++;
    }
    if (memory == MAP_FAILED || memory == 0) {
      throw new EngineException(UcError.NOMEM.ordinal(), "host mmap failed",
          String.format("mem_map_ptr host memory for address=0x%X, size=0x%X", guest, size));
    }
    int err;
    try {
      err = mapper.applyAsInt(memory);
    } catch (RuntimeException | Error e) {
      free(memory, size);
      throw e;
    }
    if (err != 0) {
      free(memory, size);
    } else {
      lastHeld = null;
      blocks.put(guest, new Block(guest, size, memory));
    }
    return err;
  }

  /**
   * Frees the host memory of guest {@code [guest, guest+size)} (page aligned) in every block it overlaps, keeping
   * the rest of those blocks. Called only once Unicorn no longer maps that range.
   */
  void release(long guest, long size) {
    long end = guest + size;
    lastHeld = null;
    Map.Entry<Long, Block> first = blocks.floorEntry(guest);
    long from = first != null && first.getValue().end() > guest ? first.getKey() : guest;
    for (Block b : List.copyOf(blocks.subMap(from, true, end, false).values())) {
      long cut = Math.max(b.guest(), guest);
      long cutEnd = Math.min(b.end(), end);
      if (cut >= cutEnd) continue;
      free(b.host() + (cut - b.guest()), cutEnd - cut);
      blocks.remove(b.guest());
      if (cut > b.guest()) blocks.put(b.guest(), new Block(b.guest(), cut - b.guest(), b.host()));
      if (cutEnd < b.end()) {
        blocks.put(cutEnd, new Block(cutEnd, b.end() - cutEnd, b.host() + (cutEnd - b.guest())));
      }
    }
  }

  /** Host memory no longer mapped in Unicorn: to the pool's spare memory, or back to the kernel. */
  private void free(long memory, long size) {
    if (pool != null) pool.putSpare(memory, size);
    else munmap(memory, size);
  }

  /** Records a block over host memory that Unicorn maps already (a kept region the machine claimed). */
  void adopt(long guest, long size, long memory) {
    lastHeld = null;
    blocks.put(guest, new Block(guest, size, memory));
  }

  /** The host address of guest {@code guest} when one block holds all of {@code [guest, guest+length)}, else 0. */
  long hostOf(long guest, long length) {
    Block b = holding(guest, length);
    return b == null ? 0 : b.host() + (guest - b.guest());
  }

  /** Forgets every block without freeing its memory (its ownership has moved to the pool's kept regions). */
  void forgetAll() {
    lastHeld = null;
    blocks.clear();
  }

  /** Frees every block (after {@code uc_close}). */
  void releaseAll() {
    for (Block b : blocks.values()) munmap(b.host(), b.size());
    lastHeld = null;
    blocks.clear();
  }

  /**
   * Copies guest {@code [guest, guest+length)} into {@code buffer[offset..]} when host blocks cover all of it (one
   * block, or adjacent ones); returns false (nothing copied) otherwise.
   */
  boolean read(long guest, byte[] buffer, int offset, int length) {
    Block b = holding(guest, length);
    if (b != null) {
      new Pointer(b.host() + (guest - b.guest())).read(0, buffer, offset, length);
      return true;
    }
    if (length <= 0 || !covers(guest, length)) return false;
    for (int done = 0; done < length; ) {
      Block p = blocks.floorEntry(guest + done).getValue();
      int n = (int) Math.min(length - done, p.end() - (guest + done));
      new Pointer(p.host() + (guest + done - p.guest())).read(0, buffer, offset + done, n);
      done += n;
    }
    return true;
  }

  /**
   * Copies {@code bytes[offset, offset+length)} to guest {@code guest} when host blocks cover all of it; returns false
   * (nothing copied) otherwise.
   */
  boolean write(long guest, byte[] bytes, int offset, int length) {
    Block b = holding(guest, length);
    if (b != null) {
      new Pointer(b.host() + (guest - b.guest())).write(0, bytes, offset, length);
      return true;
    }
    if (length <= 0 || !covers(guest, length)) return false;
    for (int done = 0; done < length; ) {
      Block p = blocks.floorEntry(guest + done).getValue();
      int n = (int) Math.min(length - done, p.end() - (guest + done));
      new Pointer(p.host() + (guest + done - p.guest())).write(0, bytes, offset + done, n);
      done += n;
    }
    return true;
  }

  /** The little-endian 64-bit value at {@code guest} when one block holds all 8 bytes, else {@code null}. */
  Long readU64(long guest) {
    Block b = holding(guest, 8);
    return b == null ? null : new Pointer(b.host() + (guest - b.guest())).getLong(0);
  }

  /** True when guest {@code [guest, guest+length)} is host-backed (one block or several adjacent ones). */
  boolean covers(long guest, long length) {
    long a = guest;
    long end = guest + length;
    while (a < end) {
      Map.Entry<Long, Block> e = blocks.floorEntry(a);
      if (e == null || e.getValue().end() <= a) return false;
      a = e.getValue().end();
    }
    return true;
  }

  /** Host bytes currently reserved for guest memory. */
  long reservedBytes() {
    long n = 0;
    for (Block b : blocks.values()) n += b.size();
    return n;
  }

  private Block holding(long guest, long length) {
    Block b = lastHeld;
    // blocks never overlap: a block that holds guest is the floor entry of guest
    if (b == null || guest < b.guest() || guest >= b.end()) {
      Map.Entry<Long, Block> e = blocks.floorEntry(guest);
      if (e == null) return null;
      b = e.getValue();
      if (guest < b.end()) lastHeld = b;
    }
    return guest + length <= b.end() && length >= 0 ? b : null;
  }
}
