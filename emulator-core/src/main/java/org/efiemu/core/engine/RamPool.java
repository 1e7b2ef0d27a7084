package org.efiemu.core.engine;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Guest RAM that a {@link ReusableEngine}'s native engine keeps from one machine to the next (see {@link
 * ReusableEngine}, "RAM kept"): the Unicorn regions of the machine that gave the engine back, still mapped over their
 * host memory ({@code uc_mem_map_ptr}), until the next machine's layout claims one with the same base and size; and
 * host memory no longer mapped in Unicorn, kept for the next region of the same size instead of a new {@code mmap}.
 *
 * <p>What keeps a reused engine equal to a new one:
 * <ul>
 *   <li>Every kept byte reads as zero again before a machine can see it: memory is cleaned when it is taken (a kept
 *       region claimed, spare memory mapped), not when it is put aside, so memory that is not taken again costs
 *       nothing but its {@code munmap}. Cleaning ({@link #clean}) asks the kernel which pages are in memory
 *       ({@code mincore}); the others are given back ({@code madvise(MADV_DONTNEED)}: never-touched pages cost a
 *       page-table walk, a swapped-out page is dropped and reads as zeros again); a page in memory is compared with
 *       zero and cleared only when it is not (a page the guest only read maps the kernel's shared zero page and
 *       stays so). So the result never depends on which pages the guest wrote.</li>
 *   <li>A kept region the next layout does not claim is unreachable: before any operation that could reach it (a
 *       guest run, a region list, a map of anything overlapping it, a Unicorn memory read or write, protection
 *       changes, unmapping) the engine unmaps every unclaimed kept region ({@link Engine#dropKept}), so a guest access
 *       there takes the unmapped path and faults exactly as on a new engine. A claimed region has the same base,
 *       size and permissions as the region the machine asked for, over host memory that reads as zeros.</li>
 *   <li>The previous machine's translated code of every RAM region was dropped at give-back (as before); the machine
 *       emptied the TLB before giving the engine back (it writes its identity CR3 back), and the next machine's
 *       long-mode set-up empties it again (CR0.PG set); unmapping an unclaimed region flushes its pages.</li>
 * </ul>
 *
 * <p>Owned by one engine; one thread at a time.
 */
final class RamPool {
  private static final int MADV_DONTNEED = 4;
  private static final long PAGE = 4096;

  static {
    Native.register(RamPool.class, NativeLibrary.getInstance("c"));
  }

  private static native int mincore(long address, long length, byte[] vector);

  private static native int madvise(long address, long length, int advice);

  static native int munmap(long address, long length);

  private static native int memcmp(long a, long b, long length);

  /** Pages compared with zero in one {@code memcmp} before they are compared one by one. */
  private static final int ZERO_SPAN_PAGES = 16;

  /** {@link #ZERO_SPAN_PAGES} pages of zeros (never written) to compare kept memory with. */
  private static final Pointer ZEROS = zeros();

  private static Pointer zeros() {
    com.sun.jna.Memory m = new com.sun.jna.Memory(ZERO_SPAN_PAGES * PAGE);
    m.clear();
    return m;
  }

  /** A region still mapped in Unicorn over {@code host}, left by the previous machine. */
  record Kept(long guest, long size, int perms, long host) {}

  /** Host memory not mapped in Unicorn: {@code size} bytes at {@code host}, put aside at give-back {@code round}. */
  private record Spare(long host, long size, long round) {}

  /** Unclaimed kept regions by guest address. */
  private final TreeMap<Long, Kept> kept = new TreeMap<>();
  /** Spare host memory by size, oldest first. */
  private final Map<Long, ArrayDeque<Spare>> spare = new HashMap<>();
  private long spareBytes;
  /** Give-backs so far (ages spare memory). */
  private long round;
  private final Stats stats;

  /** A pool counting into {@code stats} (shared by the pools of one {@link ReusableEngine}). */
  RamPool(Stats stats) {
    this.stats = stats;
  }

  /** Spare memory older than this many give-backs is unmapped. */
  static final int SPARE_ROUNDS = 2;
  /** Spare memory beyond this is unmapped at once. */
  static final long SPARE_LIMIT = 512L << 20;

  /** Counters (for the bench and tests; not guest-visible). */
  static final class Stats {
    long claimed;
    long claimedBytes;
    long dropped;
    long spareTaken;
    long fresh;
    long pagesCleared;
    long pagesDiscarded;
  }

  Stats stats() {
    return stats;
  }

  /** Puts a region still mapped in Unicorn aside for the next machine. */
  void keep(long guest, long size, int perms, long host) {
    kept.put(guest, new Kept(guest, size, perms, host));
  }

  boolean hasKept() {
    return !kept.isEmpty();
  }

  /**
   * The kept region with exactly this base, size and permissions, removed from the pool and cleaned (reads as
   * zeros); null when there is none.
   */
  Kept claim(long guest, long size, int perms) {
    Kept k = kept.get(guest);
    if (k == null || k.size() != size || k.perms() != perms) return null;
    kept.remove(guest);
    clean(k.host(), size);
    stats.claimed++;
    stats.claimedBytes += size;
    return k;
  }

  /** The kept regions overlapping {@code [guest, guest+size)} (all of them when size is -1), removed from the pool. */
  List<Kept> takeOverlapping(long guest, long size) {
    List<Kept> out = new ArrayList<>();
    if (kept.isEmpty()) return out;
    if (size < 0) {
      out.addAll(kept.values());
      kept.clear();
    } else {
      long end = guest + size;
      Map.Entry<Long, Kept> below = kept.floorEntry(guest);
      long from = below != null && below.getValue().guest() + below.getValue().size() > guest ? below.getKey() : guest;
      for (Iterator<Kept> it = kept.subMap(from, true, end, false).values().iterator(); it.hasNext(); ) {
        out.add(it.next());
        it.remove();
      }
    }
    stats.dropped += out.size();
    return out;
  }

  /** Host memory no longer mapped in Unicorn, kept for a later region of the same size. */
  void putSpare(long host, long size) {
    spare.computeIfAbsent(size, s -> new ArrayDeque<>()).addLast(new Spare(host, size, round));
    spareBytes += size;
    while (spareBytes > SPARE_LIMIT) {
      if (!evictOldest()) break;
    }
  }

  /** Spare host memory of exactly {@code size} bytes, cleaned, or 0 when there is none. */
  long takeSpare(long size) {
    ArrayDeque<Spare> q = spare.get(size);
    if (q == null || q.isEmpty()) return 0;
    Spare s = q.pollLast();
    spareBytes -= size;
    clean(s.host(), size);
    stats.spareTaken++;
    return s.host();
  }

  /** A machine gave the engine back: spare memory not used for {@link #SPARE_ROUNDS} give-backs is unmapped. */
  void nextRound() {
    round++;
    for (Iterator<ArrayDeque<Spare>> it = spare.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Spare> q = it.next();
      while (!q.isEmpty() && round - q.peekFirst().round() > SPARE_ROUNDS) {
        Spare s = q.pollFirst();
        munmap(s.host(), s.size());
        spareBytes -= s.size();
      }
      if (q.isEmpty()) it.remove();
    }
  }

  private boolean evictOldest() {
    Spare oldest = null;
    for (ArrayDeque<Spare> q : spare.values()) {
      Spare s = q.peekFirst();
      if (s != null && (oldest == null || s.round() < oldest.round())) oldest = s;
    }
    if (oldest == null) return false;
    spare.get(oldest.size()).pollFirst();
    munmap(oldest.host(), oldest.size());
    spareBytes -= oldest.size();
    return true;
  }

  /** Unmaps all spare memory; forgets kept regions (their host memory is freed by the caller after uc_close). */
  List<Kept> releaseAll() {
    for (ArrayDeque<Spare> q : spare.values()) {
      for (Spare s : q) munmap(s.host(), s.size());
    }
    spare.clear();
    spareBytes = 0;
    List<Kept> out = new ArrayList<>(kept.values());
    kept.clear();
    return out;
  }

  /** Host bytes held (kept regions and spare memory). */
  long heldBytes() {
    long n = spareBytes;
    for (Kept k : kept.values()) n += k.size();
    return n;
  }

  /** How kept memory is made to read as zeros: see the class comment; "discard" gives every page back instead. */
  static final boolean DISCARD = "discard".equals(System.getProperty("efiemu.engine.ramClean"));

  private byte[] vector = new byte[16];

  /**
   * Makes {@code [host, host+size)} (page aligned) read as zeros: pages not in memory are given back to the kernel,
   * pages in memory that are not all zeros are cleared.
   */
  void clean(long host, long size) {
    if (DISCARD) {
      madviseOrFail(host, size);
      return;
    }
    int pages = (int) (size / PAGE);
    if (vector.length < pages) vector = new byte[Math.max(pages, vector.length * 2)];
    if (mincore(host, size, vector) != 0) {
      madviseOrFail(host, size);
      return;
    }
    long zeros = Pointer.nativeValue(ZEROS);
    int run = -1;
    for (int i = 0; i <= pages; i++) {
      boolean resident = i < pages && (vector[i] & 1) != 0;
      if (i < pages && !resident) {
        if (run < 0) run = i;
        continue;
      }
      if (run >= 0) {
        madviseOrFail(host + run * PAGE, (i - run) * PAGE);
        stats.pagesDiscarded += i - run;
        run = -1;
      }
      if (i == pages) break;
      // resident pages from i on: up to ZERO_SPAN_PAGES of them proved zero by one comparison (a page cleared before
      // and not written since stays resident and zero), else page by page; a page that is not zero is cleared
      int span = 1;
      while (span < ZERO_SPAN_PAGES && i + span < pages && (vector[i + span] & 1) != 0) span++;
      if (memcmp(host + i * PAGE, zeros, span * PAGE) != 0) {
        for (int p = i; p < i + span; p++) {
          if (memcmp(host + p * PAGE, zeros, PAGE) != 0) {
            new Pointer(host + p * PAGE).setMemory(0, PAGE, (byte) 0);
            stats.pagesCleared++;
          }
        }
      }
      i += span - 1;
    }
  }

  private static void madviseOrFail(long host, long size) {
    if (madvise(host, size, MADV_DONTNEED) != 0) {
      // cannot happen for private anonymous memory this engine mapped; never hand out bytes not known to be zero
      new Pointer(host).setMemory(0, size, (byte) 0);
    }
  }
}
