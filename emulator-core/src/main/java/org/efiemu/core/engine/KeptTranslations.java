package org.efiemu.core.engine;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Translated code a {@link ReusableEngine} keeps from one machine to the next (on unless {@code
 * -Defiemu.engine.keepTranslations=false}; needs kept RAM). A kept translation must behave exactly as the one a new
 * engine would make from the same bytes with the same hooks (Unicorn 2.0.1.post1; docs/performance.md, "Translated
 * code kept between hunt machines"), so translations are kept only in the situation where that is checked here:
 * <ol>
 *   <li>The block counter's native state and hook belong to the engine: its {@code UC_HOOK_BLOCK} hook stays
 *       registered across the give-back (its user data, the counter's native state, is compiled into every block that
 *       calls it; deleting it would drop every translation, {@code uc_hook_del} -> {@code hooked_regions}) and the
 *       next machine's counter adopts it ({@link Engine#adoptBlockHook}) instead of adding one, set back to a new
 *       counter's state but for its instruction-count cache. Only code counted with the call is kept (no inline
 *       slots compiled in). A machine whose counter does not adopt it, or counts inline, runs with nothing kept.</li>
 *   <li>Hooks read when code is translated are the same: code translated after a machine added a code hook over all
 *       code or a second block hook is not kept; the gates' and other bounded code hooks' ranges (old and new
 *       machine's) hold no kept code; the next machine's such hooks remove the kept code in their ranges (all of it
 *       for a hook over all code). Memory hooks change every load and store translated while one exists, whatever
 *       its range ({@link Engine#memoryTranslationMode}): each kept block carries the memory-hook kinds it was
 *       translated with, and is kept for a machine only while that machine has the same kinds (checked before its
 *       first run and whenever they change). Hooks deleted are cleared from Unicorn's lists at the give-back, as a
 *       run's end does, so that the next machine translates with its own hooks only.</li>
 *   <li>A machine whose RDTSC discovery stopped a run, or that hooked an RDTSC or privileged-instruction site (a
 *       code hook, 2.), keeps nothing: so no kept translation holds such bytes, and the next machine's discovery,
 *       which never sees kept code, would have found nothing in it either.</li>
 *   <li>Translations are keyed by the RAM block of their code, which unmapping frees for later regions: kept code
 *       lives only in RAM regions kept by the {@link RamPool}; a kept region the next machine does not claim has its
 *       translations removed before it is unmapped; regions unmapped at the give-back have theirs removed first.</li>
 *   <li>Host writes do not drop translations: the bytes of every page holding translated code (the {@link
 *       TranslationLog}) are saved at the give-back; before the next machine's first run every page whose bytes
 *       differ has its translations removed; after the first run a host write that changes such a page removes its
 *       translations at once.</li>
 * </ol>
 * Removals ({@code UC_CTL_TB_REMOVE_CACHE}) resolve addresses through the CPU's current paging, which may not cover
 * the kept region: they run with the CPU context {@code uc_open} gave (no paging: every address is itself) and the
 * machine's context is put back afterwards (with a CR3 write that empties the TLB).
 *
 * <p>Owned by one native engine; one thread at a time.
 */
final class KeptTranslations {
  /** Counters (for the bench and tests). */
  static final class Stats {
    long machinesKept;
    long machinesWithKeptCode;
    long pagesKept;
    long pagesRewritten;
    long pagesDropped;
    long lateDrops;
    long refused;
    /** Why the last refused give-back kept nothing (diagnostics). */
    String lastRefusal = "";
    /** Give-backs that kept only the code translated before a hook read at translation time was added. */
    long foreignKeeps;
    /** Blocks kept that were translated while a memory hook existed (every load and store through the helper). */
    long hookedBlocksKept;
    /** Machines that started with such blocks (the same memory-hook kinds before their first run). */
    long machinesWithHookedCode;
    /** Kept blocks removed because the memory hooks of the machine differ from those they were translated with. */
    long blocksModeDropped;
  }

  final TranslationLog log;
  private final Stats stats;
  /** Saved bytes of the pages holding kept code, by page number. */
  private final TreeMap<Long, byte[]> pages = new TreeMap<>();

  /** The counter's hook kept from the previous machine (or offered by this one at close), and its counter. */
  Hook counterHook;
  Engine.KeptCounter counter;
  boolean adopted;
  /** This machine's counter offered its hook for keeping. */
  boolean offered;
  boolean offeredInline;
  /** This machine added a hook read at translation (other than the counter's and the gates'). */
  String foreign;
  /** The log's length when {@link #foreign} was added: pages logged from there on hold code translated with it. */
  int foreignFrom;
  /** The block log's length when {@link #foreign} was added. */
  int foreignBlockFrom;
  int foreignStarts;
  /** This machine's RDTSC discovery stopped a run. */
  boolean sideEffects;
  boolean settled;
  /** Ranges of this machine's gate hooks and other translation-time hooks: {begin, end inclusive}. */
  final List<long[]> hookRanges = new ArrayList<>();
  /** Start pages of this machine's runs (the very first block of a native engine is not logged) and until addresses. */
  final List<Long> starts = new ArrayList<>();
  final List<Long> untils = new ArrayList<>();
  private final byte[] page = new byte[4096];
  /**
   * Kept blocks, by start address: {size in bytes, memory-hook kinds when translated ({@link
   * Engine#memoryTranslationMode})}. A run start that no block of the log covers (a native engine's very first block)
   * is entered with size 1: removing {@code [pc, pc+1)} removes the block that starts there.
   */
  private final TreeMap<Long, long[]> blocks = new TreeMap<>();
  /** This machine's memory-hook kinds over the log: {first block index, kinds}, in order; the first at index 0. */
  private final List<long[]> modeMarks = new ArrayList<>();
  /** Log block index and memory-hook kinds at each run start of this machine (parallel to {@link #starts}). */
  private final List<long[]> startModes = new ArrayList<>();

  KeptTranslations(TranslationLog log, Stats stats) {
    this.log = log;
    this.stats = stats;
    modeMarks.add(new long[] {0, 0});
  }

  /** The memory-hook kinds the next machine starts with (none once the deleted hooks are cleared). */
  void startMode(int kinds) {
    modeMarks.get(0)[1] = kinds;
  }

  private int mode() {
    return (int) modeMarks.get(modeMarks.size() - 1)[1];
  }

  /** A run starts at {@code begin} (after {@link #settle}). */
  void runStarts(long begin, long until) {
    starts.add(begin);
    startModes.add(new long[] {log != null ? log.blockCount() : 0, mode()});
    if (until != 0) untils.add(until);
  }

  /**
   * The memory-hook kinds Unicorn reads at translation changed to {@code kinds} (a memory hook added, or deleted ones
   * gone at a run's end): code translated from here on is tagged with them; during a machine's runs, kept blocks
   * translated with other kinds are removed (a new engine would translate them with these when they first run).
   */
  void memoryModeChanged(Engine e, int kinds) {
    long at = log != null ? log.blockCount() : 0;
    long[] last = modeMarks.get(modeMarks.size() - 1);
    if (last[0] == at) last[1] = kinds;
    else modeMarks.add(new long[] {at, kinds});
    if (settled) {
      List<long[]> drop = otherMode(kinds);
      stats.lateDrops += drop.size();
      remove(e, drop);
    }
  }

  /** Kept blocks translated with memory-hook kinds other than {@code kinds}, removed from the set: {begin, end}. */
  private List<long[]> otherMode(int kinds) {
    List<long[]> out = new ArrayList<>();
    for (Iterator<Map.Entry<Long, long[]>> it = blocks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, long[]> en = it.next();
      if (en.getValue()[1] == kinds) continue;
      out.add(new long[] {en.getKey(), en.getKey() + Math.max(1, en.getValue()[0]), 0});
      it.remove();
      stats.blocksModeDropped++;
    }
    return out;
  }

  private int modeAt(int blockIndex) {
    int kinds = 0;
    for (long[] m : modeMarks) {
      if (m[0] > blockIndex) break;
      kinds = (int) m[1];
    }
    return kinds;
  }

  boolean hasPages() {
    return !pages.isEmpty();
  }

  int pageCount() {
    return pages.size();
  }

  /** Whether this machine's code may be kept for the next (checked at give-back). */
  boolean mayKeep(boolean identityMapped, boolean ran) {
    String why = !ran ? "no run" : !identityMapped ? "page tables changed" : !offered ? "no block counter offered its hook"
        : offeredInline ? "counted inline" : sideEffects ? "RDTSC discovery stopped a run" : log == null ? "no translation log (no native shim)"
        : log.overflowed() ? "translation log overflowed" : counterHook == null || !counterHook.isActive()
        ? "counter hook gone" : null;
    if (why != null) {
      stats.refused++;
      stats.lastRefusal = why;
    }
    return why == null;
  }

  /** A hook read at translation time was added over {@code [begin, end]} (begin &gt; end: all code). */
  void translationHookAdded(Engine e, long begin, long end, String what) {
    if (what != null && foreign == null) {
      foreign = String.format("%s [0x%X, 0x%X]", what, begin, end);
      foreignFrom = log != null ? log.count() : 0; // code translated from here on is not kept (see save)
      foreignBlockFrom = log != null ? log.blockCount() : 0;
      foreignStarts = starts.size();
    }
    hookRanges.add(new long[] {begin, end});
    if (settled && !pages.isEmpty()) {
      List<long[]> drop = overlapping(begin, end);
      stats.lateDrops += drop.size();
      remove(e, drop);
    }
  }

  /** Pages of kept code overlapping {@code [begin, end]} (begin &gt; end: all), removed from the set. */
  private List<long[]> overlapping(long begin, long end) {
    List<long[]> out = new ArrayList<>();
    boolean all = Long.compareUnsigned(begin, end) > 0;
    Map<Long, byte[]> view = all ? pages : pages.subMap(begin >>> 12, true, end >>> 12, true);
    for (Iterator<Long> it = view.keySet().iterator(); it.hasNext(); ) {
      long p = it.next();
      out.add(new long[] {p << 12, (p + 1) << 12});
      it.remove();
      blocks.subMap(p << 12, true, ((p + 1) << 12) - 1, true).clear();
    }
    return out;
  }

  /** A kept RAM region not claimed is about to be unmapped: its code goes first. */
  void regionDropped(Engine e, long guest, long size) {
    if (pages.isEmpty()) return;
    List<long[]> drop = overlapping(guest, guest + size - 1);
    stats.pagesDropped += drop.size();
    remove(e, drop);
  }

  /** Translations of {@code [guest, guest+size)} were removed by the engine itself (unmap, protect). */
  void forgetRange(long guest, long size) {
    if (pages.isEmpty()) return;
    List<long[]> gone = size < 0 ? overlapping(1, 0) : overlapping(guest, guest + size - 1);
    if (counter != null) for (long[] r : gone) counter.forget(r[0] - 4096, r[1]);
  }

  /**
   * The machine's first run is about to start: the kept code that is not what a new engine would translate now is
   * removed (see the class comment). Returns the pages kept.
   */
  void settle(Engine e) {
    if (settled) return;
    settled = true;
    if (counterHook != null && !adopted) {
      // no counter took the hook over: a new engine has neither it nor any translation; deleting it drops them all
      Hook h = counterHook;
      counterHook = null;
      counter = null;
      pages.clear();
      e.unpaged(h::close); // drops all: found without paging, whatever this machine's page tables cover
      return;
    }
    if (pages.isEmpty()) return;
    List<long[]> drop = new ArrayList<>();
    if (counter == null || counter.inline()) {
      drop.addAll(overlapping(1, 0));
    } else {
      for (long[] r : hookRanges) drop.addAll(overlapping(r[0], r[1]));
      for (Iterator<Map.Entry<Long, byte[]>> it = pages.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, byte[]> en = it.next();
        long address = en.getKey() << 12;
        if (!e.hostBytes(address, page) || !java.util.Arrays.equals(page, en.getValue())) {
          drop.add(new long[] {address, address + 4096});
          it.remove();
          stats.pagesRewritten++;
        }
      }
    }
    // blocks translated with other memory-hook kinds than this machine has before its first run (Unicorn reads
    // them when translating, Engine#memoryTranslationMode): a new engine would translate them with this machine's
    drop.addAll(otherMode(e.memoryTranslationMode()));
    remove(e, drop);
    if (!pages.isEmpty()) {
      stats.machinesWithKeptCode++;
      stats.pagesKept += pages.size();
      if (e.memoryTranslationMode() != 0 && !blocks.isEmpty()) stats.machinesWithHookedCode++;
    }
  }

  /** A host write to {@code [address, address+length)} after the first run: pages of kept code it changed lose it. */
  void hostWritten(Engine e, long address, int length) {
    if (!settled || pages.isEmpty() || length <= 0) return;
    long first = address >>> 12;
    long last = (address + length - 1) >>> 12;
    Long p = pages.ceilingKey(first);
    if (p == null || p > last) return;
    List<long[]> drop = new ArrayList<>();
    for (Iterator<Map.Entry<Long, byte[]>> it = pages.subMap(first, true, last, true).entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, byte[]> en = it.next();
      long a = en.getKey() << 12;
      if (!e.hostBytes(a, page) || !java.util.Arrays.equals(page, en.getValue())) {
        drop.add(new long[] {a, a + 4096});
        it.remove();
      }
    }
    stats.lateDrops += drop.size();
    remove(e, drop);
  }

  /**
   * At give-back, when {@link #mayKeep}: the pages holding translated code now (the log, the run starts and the
   * pages kept before) that lie in regions {@code keptRegions} ({begin, end inclusive}) have their bytes saved;
   * others are forgotten (their regions were unmapped and their code removed).
   */
  List<long[]> save(Engine e, List<long[]> keptRegions) {
    java.util.TreeSet<Long> code = new java.util.TreeSet<>(pages.keySet());
    long[] logged = log.pages();
    java.util.TreeSet<Long> withForeign = new java.util.TreeSet<>();
    for (int i = 0; i < logged.length; i++) {
      if (foreign != null && i >= foreignFrom) withForeign.add(logged[i]);
      else code.add(logged[i]);
    }
    for (int i = 0; i < starts.size(); i++) {
      long s = starts.get(i);
      java.util.Set<Long> into = foreign != null && i >= foreignStarts ? withForeign : code;
      into.add(s >>> 12);
      into.add((s >>> 12) + 1);
    }
    pages.clear();
    List<long[]> remove = new ArrayList<>();
    if (foreign != null) {
      // a hook read at translation time was added during this machine: the code translated since (pages logged
      // since) is not what the next machine's new engine would translate; what was translated before it is
      for (long p : withForeign) {
        code.remove(p);
        remove.add(new long[] {p << 12, (p + 1) << 12});
      }
      stats.foreignKeeps++;
    }
    for (long p : code) {
      long a = p << 12;
      if (!inRegions(keptRegions, a)) continue; // unmapped at the give-back, its code removed first
      if (inHookRanges(a)) {
        // the hook's range was emptied already; the page's other code goes too, as it is not kept track of
        remove.add(new long[] {a, a + 4096});
        continue;
      }
      byte[] b = new byte[4096];
      if (e.hostBytes(a, b)) pages.put(p, b);
    }
    // the blocks translated here, with the memory-hook kinds they were translated with (run starts first: a logged
    // block at the same address describes it better)
    int foreignBlocks = foreign != null ? foreignBlockFrom : Integer.MAX_VALUE;
    for (int i = 0; i < starts.size(); i++) {
      if (foreign != null && i >= foreignStarts) break;
      blocks.putIfAbsent(starts.get(i), new long[] {1, startModes.get(i)[1]});
    }
    int n = log.blockCount();
    for (int i = 0; i < n && i < foreignBlocks; i++) {
      long pc = log.blockPc(i);
      blocks.put(pc, new long[] {log.blockSize(i), modeAt(i)});
    }
    // only blocks on pages kept: the others' code is gone or goes now
    for (Iterator<Map.Entry<Long, long[]>> it = blocks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, long[]> en = it.next();
      if (!pages.containsKey(en.getKey() >>> 12)) it.remove();
      else if (en.getValue()[1] != 0) stats.hookedBlocksKept++;
    }
    stats.machinesKept++;
    return remove;
  }

  private boolean inHookRanges(long a) {
    for (long[] r : hookRanges) {
      if (Long.compareUnsigned(r[0], r[1]) > 0) continue; // a hook over all code: handled by foreignFrom
      if (Long.compareUnsigned(a + 4095, r[0]) >= 0 && Long.compareUnsigned(a, r[1]) <= 0) return true;
    }
    return false;
  }

  private static boolean inRegions(List<long[]> regions, long a) {
    for (long[] r : regions) {
      if (Long.compareUnsigned(a, r[0]) >= 0 && Long.compareUnsigned(a + 4095, r[1]) <= 0) return true;
    }
    return false;
  }

  /** Nothing is kept (all translations are dropped by other means). */
  void clear() {
    pages.clear();
    blocks.clear();
  }

  /** Per-machine state back to a new machine's, for the next one. */
  void nextMachine() {
    if (log != null) log.clear();
    adopted = false;
    offered = false;
    offeredInline = false;
    foreign = null;
    foreignFrom = 0;
    foreignBlockFrom = 0;
    foreignStarts = 0;
    modeMarks.clear();
    modeMarks.add(new long[] {0, 0});
    startModes.clear();
    sideEffects = false;
    settled = false;
    hookRanges.clear();
    starts.clear();
    untils.clear();
  }

  /** Removes the translations of {@code ranges} ({begin, end exclusive}) with the CPU's paging off. */
  private void remove(Engine e, List<long[]> ranges) {
    if (ranges.isEmpty()) return;
    e.removeTranslationsUnpaged(ranges);
    // a block removed for its memory-hook kinds ({begin, end, 0}) has the same bytes: only the counts of blocks
    // starting in it go; otherwise also those of blocks starting up to a page before, which may reach into it
    if (counter != null) for (long[] r : ranges) counter.forget(r.length == 3 ? r[0] : r[0] - 4096, r[1]);
  }
}
