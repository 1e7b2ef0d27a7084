package org.efiemu.core.engine;

/**
 * One Unicorn engine that outlives the machines built on it: a worker thread creates one, lends it to each machine it
 * builds ({@code MachineBuilder.engine(...)}) and closes it when done. Creating, initialising and closing a Unicorn
 * engine per machine costs about 1 ms of CPU (docs/performance.md, "Hunt speed"); a lent engine skips that.
 *
 * <p>A machine built on a lent engine must see exactly what a fresh {@link Engine#open()} gives: when the machine
 * gives the engine back ({@link #giveBack}) every hook is removed, every translated block dropped, all memory
 * unmapped and the CPU context set back to the one saved right after {@code uc_open}; the machine's {@link Engine}
 * object is closed and the next machine gets a new one over the same native engine (so nothing the old machine
 * still holds reaches the next).
 *
 * <p>RAM kept ({@link RamPool}; on unless {@code -Defiemu.engine.keepRam=false} or {@link #ReusableEngine(boolean)}
 * false): at give-back the guest RAM regions are left mapped in Unicorn over their host memory; the next machine
 * claims a region with the same base, size and permissions as it is (no {@code uc_mem_map_ptr}), after its pages were
 * made to read as zeros again; the regions it does not claim are unmapped before anything can reach them (its first
 * run, any other map or unmap, a region list, a Unicorn memory access), so a guest access there faults or maps lazily
 * exactly as on a new engine; their host memory, and that of regions unmapped during a machine, is reused for later
 * regions of the same size instead of a new {@code mmap} (and returned to the kernel when unused for two
 * give-backs). {@link #keptRam()} counts what it did. The differential test over the built-in matrix and hunt-generated machines
 * ({@code EngineReuseDifferentialTest} in early-alloc) checks that traces and reports are byte for byte the same.
 *
 * <p>No global state: each instance is owned by one thread at a time and lent to one machine at a time; many run in
 * parallel threads.
 */
public final class ReusableEngine implements AutoCloseable {
  private Engine current;
  private byte[] pristine;
  private boolean lent;
  private boolean closed;
  private long lends;
  /** Machines given the current native engine; after {@link #MAX_LENDS} it is closed and a new one opened. */
  private long lendsOfCurrent;

  /**
   * Machines one native engine serves before it is replaced: its translated code is dropped at each give-back but
   * the space it took in Unicorn's 1 GiB code buffer is not reclaimed (reclaiming it, {@code UC_CTL_TB_FLUSH}, clears
   * the whole buffer: about 40 ms), so the buffer's touched memory grows by a few hundred KiB per machine; a new
   * engine every 256 machines bounds it at about 100 MiB per worker, for one engine opening per 256 machines.
   */
  public static final int MAX_LENDS = 256;

  /** An engine to lend; the native engine is opened on the first {@link #lend()}. */
  public ReusableEngine() {
    this(!"false".equals(System.getProperty("efiemu.engine.keepRam")));
  }

  /**
   * An engine to lend; {@code keepRam} false unmaps all guest RAM at each give-back and maps it again for the next
   * machine (as before kept RAM existed: for comparisons; the guest sees no difference).
   */
  public ReusableEngine(boolean keepRam) {
    this(keepRam, keepRam && !"false".equals(System.getProperty(KEEP_TRANSLATIONS)));
  }

  /**
   * An engine to lend; {@code keepTranslations} (only with {@code keepRam}) keeps translated code from one machine
   * to the next where a new engine would translate the same ({@link KeptTranslations}; docs/performance.md,
   * "Kept translations on a reused engine").
   */
  public ReusableEngine(boolean keepRam, boolean keepTranslations) {
    this.keepRam = keepRam;
    this.keepTranslations = keepRam && keepTranslations;
  }

  /** System property; {@code false} drops all translated code at every give-back (as before it was kept). */
  public static final String KEEP_TRANSLATIONS = "efiemu.engine.keepTranslations";

  private final boolean keepTranslations;
  private final KeptTranslations.Stats keptCode = new KeptTranslations.Stats();

  /**
   * What keeping translated code did so far (statistics; nothing guest-visible): give-backs that kept code, machines
   * that started with kept code, pages of kept code those machines started with (summed), pages whose bytes had
   * changed (their code removed before the first run), pages of kept regions no machine claimed (removed before
   * unmapping), pages removed during a run (a host write changed them or a hook was added over them), and
   * give-backs that kept nothing because a condition did not hold, and give-backs that kept only the code translated
   * before a hook read at translation time (a hook over all code, a block hook) was added; blocks kept that were
   * translated while a memory hook existed, machines that started with such blocks (they had the same memory-hook
   * kinds before their first run), and kept blocks removed because a machine's memory-hook kinds differed.
   */
  public record KeptCode(long machinesKept, long machinesWithKeptCode, long pagesKept, long pagesRewritten,
      long pagesDropped, long lateDrops, long refused, long foreignKeeps, long hookedBlocksKept,
      long machinesWithHookedCode, long blocksModeDropped) {}

  /** See {@link KeptCode}; all zeros when translations are not kept. */
  public synchronized KeptCode keptTranslations() {
    KeptTranslations.Stats s = keptCode;
    return new KeptCode(s.machinesKept, s.machinesWithKeptCode, s.pagesKept, s.pagesRewritten, s.pagesDropped,
        s.lateDrops, s.refused, s.foreignKeeps, s.hookedBlocksKept, s.machinesWithHookedCode, s.blocksModeDropped);
  }

  /** Why the last give-back that kept no translated code kept none ("" when none was refused): diagnostics. */
  public synchronized String lastTranslationRefusal() {
    return keptCode.lastRefusal;
  }

  /** True when this engine keeps translated code between machines. */
  public boolean keepsTranslations() {
    return keepTranslations;
  }

  private final boolean keepRam;
  /** Counters of the kept RAM over every native engine this one opened. */
  private final RamPool.Stats keptRam = new RamPool.Stats();

  /**
   * What keeping guest RAM between machines did so far (statistics for the bench and tests; nothing guest-visible):
   * kept regions a machine claimed as they were (and their bytes), kept regions unmapped because the next layout did
   * not claim them, host memory reused for a new region instead of a new {@code mmap}, new {@code mmap}s, and pages
   * cleaned on reuse: cleared (in memory and not all zeros) and given back to the kernel (not in memory).
   */
  public record KeptRam(long claimed, long claimedBytes, long dropped, long spareReused, long freshMaps,
      long pagesCleared, long pagesDiscarded) {}

  /** See {@link KeptRam}; all zeros when RAM is not kept. */
  public synchronized KeptRam keptRam() {
    RamPool.Stats s = keptRam;
    return new KeptRam(s.claimed, s.claimedBytes, s.dropped, s.spareTaken, s.fresh, s.pagesCleared, s.pagesDiscarded);
  }

  /**
   * The engine for a new machine, as a fresh {@link Engine#open()} would give it.
   *
   * @throws IllegalStateException when it is lent already (one machine at a time) or closed
   */
  public synchronized Engine lend() {
    if (closed) throw new IllegalStateException("reusable engine is closed");
    if (lent) throw new IllegalStateException("reusable engine is lent to a machine already: one machine at a time");
    if (current == null) {
      Engine e = Engine.open();
      try {
        pristine = e.saveContext();
      } catch (RuntimeException | Error x) {
        e.close();
        throw x;
      }
      current = e;
      lendsOfCurrent = 0;
    }
    current.reusable = true;
    if (keepRam) current.keepRam(keptRam);
    if (keepTranslations) current.keepTranslations(keptCode);
    lent = true;
    lends++;
    lendsOfCurrent++;
    return current;
  }

  /**
   * Takes back the engine {@link #lend()} gave (the machine is closing): empties it for the next machine (see the
   * class comment) and closes the {@code engine} object. If emptying fails the native engine is closed and the next
   * {@link #lend()} opens a new one.
   */
  public synchronized void giveBack(Engine engine) {
    giveBack(engine, false);
  }

  /**
   * {@link #giveBack(Engine)}, told whether the CPU's page tables are identity tables covering all RAM now (the
   * machine set its own back): then only the RAM regions' translated code is dropped, which is cheap; otherwise all
   * of it ({@code UC_CTL_TB_FLUSH}, tens of milliseconds).
   */
  public synchronized void giveBack(Engine engine, boolean identityMapped) {
    if (!lent || engine != current) {
      throw new IllegalArgumentException("this engine was not lent by this reusable engine (or was given back)");
    }
    lent = false;
    try {
      current = closed || lendsOfCurrent >= MAX_LENDS ? null : engine.handOver(pristine, identityMapped);
    } catch (RuntimeException | Error e) {
      current = null;
      engine.close();
      throw e;
    } finally {
      if (closed || current == null) engine.close();
    }
  }

  /** How many machines were given this engine so far. */
  public synchronized long lends() {
    return lends;
  }

  /** True while a machine holds the engine. */
  public synchronized boolean isLent() {
    return lent;
  }

  /** Closes the native engine (a machine still holding it keeps it until it gives it back, which then closes it). */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (!lent && current != null) current.close();
    if (!lent) current = null;
  }
}
