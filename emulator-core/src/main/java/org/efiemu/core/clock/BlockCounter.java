package org.efiemu.core.clock;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.core.debug.disasm.Disassembler;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UnicornLoader;
import org.efiemu.core.engine.X86Reg;

/**
 * Counts the instructions the guest begins as {@link NativeCounter} does, with one native call per translated block
 * instead of one per instruction ({@link InstructionCounting#BLOCKS}). Facts below are Unicorn 2.0.1's (Debian
 * {@code libunicorn2}), checked by {@code InstructionCountingDifferentialTest} in emulator-core and early-alloc.
 *
 * <p><b>Where the numbers come from.</b> A {@code UC_HOOK_BLOCK} callback written in C (the JNI shim
 * {@code efiemu_gate.c}, {@code block_hook}) runs before each translated block; it asks Unicorn for the block's
 * instruction count ({@code uc_ctl(UC_CTL_TB_REQUEST_CACHE)}: the {@code uc_tb} of the block Unicorn finds for that
 * address, i.e. the one about to run) and adds it. To spare that lookup on every block, the counts of blocks Unicorn
 * translates are also kept by start address in the native state (filled by {@link RdtscDiscovery}'s
 * {@code UC_HOOK_EDGE_GENERATED} callback, which Unicorn calls for every new translation, so rewritten code that is
 * translated again replaces its entry); an entry is used only when its start and size are the block's and the
 * lookup has found that very block once since it was translated, otherwise the lookup answers (so a block it does
 * not return still ends the run, see below). The callback checks the
 * {@code uc_tb}'s address and size against the hook's and otherwise stops the run ({@link BlockCountingException}).
 * Unicorn calls block hooks before the exit check at a block's start, so a stop requested there ends the run before
 * the block's first instruction; it does not write RIP back then (between chained blocks RIP still holds an older
 * jump target), so after such a stop RIP is set to the block's start here.
 *
 * <p><b>Without the call.</b> With Debian's libunicorn2 the call is replaced by a few operations in each translated
 * block that add the translation's count (read from Unicorn's own record of the translation, which holds it before the
 * block first runs; in the few translations where that record cannot be used, kept in a slot filled by the first run
 * through the C hook) without leaving the generated code, as long as no stop, budget, interrupt point or RFLAGS.IF watch is due ({@link InlineBlockCounting},
 * {@link #inline()}); everything below holds for both.
 *
 * <p><b>Inside a block.</b> The count includes the current block whole. Readings during a run subtract the
 * instructions of the current block not yet begun, found from RIP: the instruction at RIP has begun (gate, RDTSC,
 * breakpoint and stop-flag hooks run before the instruction at RIP, Unicorn writing RIP back for them; a CPU
 * exception leaves RIP on the faulting instruction); a RIP outside the block (or at its end) means the block ran to
 * its end (INT3 and HLT end their block and leave RIP after it). A one-instruction block (every call-gate slot) needs
 * no RIP. Instruction lengths come from Capstone over the block's bytes, checked against Unicorn's size and count.
 * A hook that moves RIP (RDTSC emulation) makes Unicorn leave the block there: the rest of it is uncounted
 * ({@link Engine#ripWriteListener}).
 *
 * <p><b>Inside an {@code IN} hook.</b> Unicorn 2.0.1 writes RIP back neither before an {@code IN} (its
 * {@code gen_check_io} returns at once) nor at a chained jump, so RIP there is the last address written back (the
 * block's start, a CPUID or RDTSC site before the {@code IN}, or an older jump target): up to a block's instructions
 * away. The hook that answers {@code IN} marks the read ({@link #inBegin}, or {@code clock_ports.c} for the native
 * hook) and counts the {@code IN} callbacks since the block was entered: a translated block runs straight through
 * from its first instruction, so the k-th callback is the block's k-th {@code IN}/{@code INS} instruction, and
 * {@link #count()} places the read there, as per-instruction counting does.
 *
 * <p><b>Memory hooks.</b> Unicorn writes RIP back before every instruction only while an all-code hook runs.
 * Without one, RIP inside a memory, invalid-memory or MMIO hook, and at a data read or write fault that ends the
 * run, is where it was last written back (often the block's start). For writes the counter tells the engine the
 * writing instruction when it is certain ({@link Engine#accessSite}: the block's only instruction that may write
 * there, see {@link #writerOf}); RIP read in the hook is then that instruction and a count read there counts it as
 * begun, as per instruction. Otherwise (reads, a write two instructions of the block may have done, data-access
 * faults that end the run) a count read there, that stop's count and RIP, and RIPs read by such hooks may differ
 * from the per-instruction counter's, and {@link org.efiemu.core.machine.Machine#positionsExact()} turns false; a
 * caller that needs those values reruns per instruction (deterministic, so the guest does the same).
 *
 * <p><b>Code that rewrites its own block.</b> A guest store into the very block it is running makes Unicorn leave
 * that block and run the store again as a one-instruction block, which the lookup does not return: the run ends
 * with {@link BlockCountingException} instead of a wrong count; the per-instruction counter runs such code
 * correctly, and {@code ScenarioRunner} falls back to it. (An instruction that stores into its own bytes is a
 * different matter: Unicorn 2.0.1 crashes on it, SIGSEGV in {@code page_collection_lock}, with either counter or
 * none; efiemu cannot intercept that.) Code rewritten elsewhere is retranslated and counted exactly.
 *
 * <p><b>Budget.</b> A block whose instructions would take the count past the limit is not entered: when its first
 * instruction is the one past the limit, that instruction is counted and not run (as {@link NativeCounter} does);
 * otherwise {@link #finishBudget} runs the block's first {@code limit - count} instructions with the instruction
 * after them as {@code uc_emu_start}'s {@code until} address (Unicorn stops before an {@code until} instruction
 * without running its hooks, also inside a block), translating that block afresh before and after.
 *
 * <p><b>Other stops.</b> A stop asked for from another thread ({@link #requestStopBeforeNextBlock}) and the run's
 * wall-clock limit (a deadline the C callback compares every 64 blocks) also end the run before a block, so RIP and
 * the count are exact there too.
 *
 * <p>Native state lives in one {@code malloc}'ed block owned by this counter's hook, freed when the hook is removed
 * (at {@link #close()} or when the engine closes); nothing is shared between machines. Needs the JNI shim
 * ({@link NativeGate#status()}) and Capstone ({@link #available()}).
 */
public final class BlockCounter implements AutoCloseable {
  private static final int TOTAL = 0;
  private static final int LIMIT = 8;
  private static final int CUR_ADDR = 16;
  private static final int CUR_SIZE = 24;
  private static final int CUR_ICOUNT = 32;
  private static final int STATE = 40;
  private static final int COUNTING = 48;
  private static final int BLOCKS = 56;
  private static final int STOP_FLAG = 64;
  private static final int DEADLINE = 72;
  private static final int TICK_AT = 96;
  private static final int IF_WINDOW = 104;
  private static final int IN_BLOCKS = 128;
  private static final int IN_K = 136;
  private static final int IN_ACTIVE = 144;
  /**
   * The TranslationBlock of the block the inline ops counted last ({@link InlineBlockCounting}): while it is not 0,
   * {@code CUR_ADDR}, {@code CUR_SIZE} and {@code CUR_ICOUNT} are its pc, size and count, which {@link #syncCur()}
   * stores (the ops store only this pointer).
   */
  private static final int CUR_TB = 152;
  /** {@code stop_flag} value the C hook sets when the count reached {@link #TICK_AT}. */
  private static final long TICK_FLAG = 2;

  static final int RUNNING = 0;
  static final int BUDGET_AT_BLOCK = 1;
  static final int BUDGET_IN_BLOCK = 2;
  static final int LOOKUP_FAILED = 3;
  static final int STOP_AT_BLOCK = 4;

  /** System property; {@code false} makes {@link ClockMode#COUNTED} use the per-instruction {@link NativeCounter}. */
  public static final String PROPERTY = "efiemu.clock.blocks";

  private static final class Holder {
    static final String UNAVAILABLE = probe();
  }

  private final Engine engine;
  private final ByteBuffer state;
  private final Hook hook;
  /** The native state ({@code blockcount_t*}), for {@link RdtscDiscovery}'s stop flag. */
  final long nativeHandle;
  private boolean running;
  /** Set when the native state was freed (hook removed or engine closed); {@link #count()} then is finalCount. */
  private volatile boolean released;
  private long finalCount;
  /** True when the last run ended before a block because the count reached the interrupt point ({@link #tickAt}). */
  private boolean stoppedForTick;
  /** Inline counting on ({@link InlineBlockCounting}). */
  private boolean inline;

  /**
   * The native state and the hook's release, which may outlive this counter (kept by a reused engine for the next
   * machine's counter, see {@link Engine#keepBlockHook}).
   */
  private static final class Shared implements Engine.KeptCounter {
    final long handle;
    final ByteBuffer state;
    /** The counter using the state now (null between machines). */
    BlockCounter owner;
    /** A run started with inline counting on. */
    boolean inlineRan;

    Shared(long handle) {
      this.handle = handle;
      this.state = state(handle).order(ByteOrder.nativeOrder());
    }

    void release() {
      BlockCounter o = owner;
      owner = null;
      if (o != null && !o.released) {
        o.finalCount = state.getLong(TOTAL);
        o.released = true;
      }
      destroy(handle);
    }

    @Override
    public boolean inline() {
      return inlineRan || state.getLong(INLINE_ON) != 0;
    }

    @Override
    public void forget(long from, long to) {
      forgetCache0(handle, from, to);
    }
  }

  private static final int INLINE_ON = 120;
  private final Shared shared;

  /** Null when the block counter can be used, else why not. */
  public static String unavailableReason() {
    return Holder.UNAVAILABLE;
  }

  /** True when the JNI shim and Capstone are there and {@code -Defiemu.clock.blocks=false} is not set. */
  public static boolean available() {
    return Holder.UNAVAILABLE == null;
  }

  private static String probe() {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) return "disabled by -D" + PROPERTY + "=false";
    NativeGate.Status s = NativeGate.status();
    if (!s.available()) return s.toString();
    try (Disassembler d = new Disassembler()) {
      if (d.disassemble(new byte[] {(byte) 0x90, (byte) 0xC3}, 0, 2).size() != 2) return "Capstone decodes wrongly";
      return null;
    } catch (RuntimeException | LinkageError e) {
      return "Capstone unavailable: " + e;
    }
  }

  /** Installs the counter on {@code engine}, starting at zero with no limit. */
  public BlockCounter(Engine engine) {
    if (!available()) throw new IllegalStateException("block counter unavailable: " + unavailableReason());
    this.engine = engine;
    NativeLibrary lib = UnicornLoader.load();
    // a reused engine that keeps translated code keeps the counter's native state and hook too (their addresses are
    // compiled into the code): this counter takes them over, set back to a new counter's state but for its cache
    Engine.AdoptedBlockHook adopted = engine.adoptBlockHook();
    long handle;
    if (adopted != null) {
      shared = (Shared) adopted.counter();
      handle = shared.handle;
      recycle0(handle, true);
    } else {
      handle = create(Pointer.nativeValue(lib.getFunction("uc_ctl")),
          Pointer.nativeValue(lib.getFunction("uc_emu_stop")));
      if (handle == 0) throw new IllegalStateException("libefiemu_gate.so could not allocate a block counter");
      shared = new Shared(handle);
    }
    shared.owner = this;
    shared.inlineRan = false;
    state = state(handle).order(ByteOrder.nativeOrder());
    nativeHandle = handle;
    watchInterruptFlag(handle, Pointer.nativeValue(lib.getFunction("uc_reg_read")));
    watchInterruptFlagBytes(handle, Pointer.nativeValue(lib.getFunction("uc_mem_read")));
    // the hook owns the native state from here: it is freed when the hook goes (or could not be added), after its
    // count is kept in Java for readings after close
    Shared s = shared;
    hook = adopted != null ? adopted.hook()
        : engine.addNativeBlockHook(hookFunction(), handle, "block instruction counter", s::release);
    engine.ripWriteListener(this::beforeRipWrite);
    engine.accessSite(this::writerOf);
    inline = InlineBlockCounting.attach(engine.handle());
    if (inline) inline0(handle, true);
  }

  /** True when blocks translated for this counter count without a call ({@link InlineBlockCounting}). */
  public boolean inline() {
    return inline && !released;
  }

  /**
   * Turns inline counting off (or on again, when {@link InlineBlockCounting} is available) for blocks translated from
   * now on; blocks translated before keep their way. Call before the guest runs (tests compare the two ways).
   */
  public void inline(boolean on) {
    if (released) return;
    if (on && !InlineBlockCounting.attach(engine.handle())) return;
    inline = on;
    inline0(nativeHandle, on);
  }

  /** A block's instructions that may write memory: addresses and destinations (null: anywhere). */
  private record Writers(long size, int icount, byte[] code, long[] addresses, MemoryWriters.Destination[] places) {}

  /**
   * Blocks' writers by block start, shared by every counter of the process: a hunt runs the same payload's blocks on
   * machine after machine, and decoding a block with Capstone and classifying its instructions cost more than the
   * write hook that asks. An entry is used only for a block of the same size, instruction count and bytes (read
   * from guest memory at every lookup), so code at the same address that differs from one machine to the next, or
   * that was rewritten, is decoded again; entries are immutable, so threads share them freely.
   */
  private static final java.util.concurrent.ConcurrentHashMap<Long, Writers> WRITERS =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Blocks remembered at most; the cache is emptied beyond that. */
  private static final int WRITERS_KEPT = 4096;
  /** The block {@link #writerOf} asked about last (its start, its writers), checked against the bytes as any entry. */
  private long lastWritersStart;
  private Writers lastWriters;
  /** {@link #writerOf}'s buffer for the current block's bytes. */
  private byte[] codeScratch = new byte[256];

  /**
   * The instruction doing a memory write inside a memory hook during a run, or {@link Engine.AccessSite#UNKNOWN}.
   * Hooks run only inside the current block's instructions (the block hook set it before its first instruction; a
   * stop or budget at a block leaves no block running), so a write there comes from one of the block's instructions
   * that may write memory ({@link MemoryWriters#mayWrite}), whichever instructions Unicorn has run before it. A
   * candidate whose destination is known ({@link MemoryWriters#destination}) and does not hold the written address is
   * ruled out; when exactly one candidate is left it is the writer. Reads, MMIO (offsets only) and blocks with no
   * candidate left or several give {@code UNKNOWN}.
   */
  private long writerOf(org.efiemu.core.engine.MemAccess access, long address, int size) {
    if (!access.isWrite() || !running || released || state.getLong(STATE) != RUNNING) {
      return Engine.AccessSite.UNKNOWN;
    }
    syncCur();
    int icount = (int) state.getLong(CUR_ICOUNT);
    if (icount <= 0) return Engine.AccessSite.UNKNOWN;
    long start = state.getLong(CUR_ADDR);
    long blockSize = state.getLong(CUR_SIZE);
    // the block's bytes into a buffer kept by this counter, and the last block asked about first: a copy loop's
    // stores ask about the same block again and again (no array or map lookup per watched write)
    int n = (int) blockSize;
    if (codeScratch.length < n) codeScratch = new byte[Math.max(n, 2 * codeScratch.length)];
    engine.read(start, codeScratch, 0, n);
    Writers w = lastWriters != null && lastWritersStart == start ? lastWriters : WRITERS.get(start);
    if (w == null || w.size != blockSize || w.icount != icount
        || !java.util.Arrays.equals(w.code, 0, w.code.length, codeScratch, 0, n)) {
      w = findWriters(start, blockSize, icount, java.util.Arrays.copyOf(codeScratch, n));
      if (WRITERS.size() > WRITERS_KEPT) WRITERS.clear();
      WRITERS.put(start, w);
    }
    lastWritersStart = start;
    lastWriters = w;
    long found = Engine.AccessSite.UNKNOWN;
    for (int i = 0; i < w.addresses.length; i++) {
      MemoryWriters.Destination d = w.places[i];
      if (d != null && size >= 0 && !d.covers(engine, address)) continue;
      if (d != null && size < 0 && w.addresses.length > 1) return Engine.AccessSite.UNKNOWN;
      if (found != Engine.AccessSite.UNKNOWN) return Engine.AccessSite.UNKNOWN; // two candidates
      found = w.addresses[i];
    }
    return found;
  }

  private Writers findWriters(long start, long size, int icount, byte[] code) {
    List<Instruction> ins = decode(start, size, icount, code);
    long[] starts = startsOf(ins, start, icount);
    java.util.List<Long> addresses = new java.util.ArrayList<>();
    java.util.List<MemoryWriters.Destination> places = new java.util.ArrayList<>();
    for (int i = 0; i < icount; i++) {
      Instruction in = i < ins.size() ? ins.get(i) : null;
      if (!MemoryWriters.mayWrite(in)) continue;
      addresses.add(starts[i]);
      places.add(MemoryWriters.destination(in));
    }
    return new Writers(size, icount, code, addresses.stream().mapToLong(Long::longValue).toArray(),
        places.toArray(new MemoryWriters.Destination[0]));
  }

  /**
   * A hook moves RIP to {@code target} during a run: Unicorn leaves the current block there and goes on with a new
   * block at {@code target}, so the block's instructions after the one at RIP will not run and must not count.
   * During {@link #finishBudget} only a move to the next instruction of the block (RDTSC emulation) is possible.
   */
  private void beforeRipWrite(long target) {
    if (!running || state.getLong(STATE) != RUNNING) return;
    syncCur();
    long icount = state.getLong(CUR_ICOUNT);
    if (icount <= 1) return;
    long rip = engine.reg(X86Reg.RIP);
    if (state.getLong(COUNTING) == 0) {
      long start = state.getLong(CUR_ADDR);
      long[] starts = starts(start, state.getLong(CUR_SIZE), (int) icount);
      for (int i = 0; i + 1 < starts.length; i++) {
        if (starts[i] == rip && starts[i + 1] == target) return; // the partial block goes on at the next instruction
      }
      throw new BlockCountingException(String.format("a hook moved RIP from 0x%X to 0x%X inside the partial block at "
          + "0x%X that ends an instruction budget; only a move to the next instruction is supported there", rip,
          target, start));
    }
    state.putLong(TOTAL, state.getLong(TOTAL) - icount + begun(rip));
    state.putLong(CUR_ICOUNT, 0);
  }

  /** Instructions begun (exact during a run too: see the class comment). */
  public long count() {
    if (released) return finalCount;
    long total = state.getLong(TOTAL);
    if (!running) return total;
    syncCur();
    long icount = state.getLong(CUR_ICOUNT);
    if (icount <= 1) return total;
    if (state.getLong(IN_ACTIVE) != 0) return total - icount + inBegun(state.getLong(IN_K));
    return total - icount + begun(engine.reg(X86Reg.RIP));
  }

  /**
   * An {@code IN} instruction's hook begins (the engine's {@code IN} hook, when it is written in Java, calls this
   * before it answers; {@link NativeClockPorts}'s native hook does the same in C): counts it as the next {@code IN}
   * of the block running (the first since the block was entered when {@link #blocks()} moved) and, until
   * {@link #inEnd}, places {@link #count()} at that {@code IN} instruction. Returns false (and marks nothing) when a
   * read is marked already (the native hook handed it to Java) or the counter is closed.
   */
  public boolean inBegin() {
    if (released || state.getLong(IN_ACTIVE) != 0) return false;
    long blocks = state.getLong(BLOCKS);
    if (state.getLong(IN_BLOCKS) != blocks) {
      state.putLong(IN_BLOCKS, blocks);
      state.putLong(IN_K, 1);
    } else {
      state.putLong(IN_K, state.getLong(IN_K) + 1);
    }
    state.putLong(IN_ACTIVE, 1);
    return true;
  }

  /** The {@code IN} hook marked by {@link #inBegin} returned true has answered. */
  public void inEnd() {
    if (!released) state.putLong(IN_ACTIVE, 0);
  }

  /**
   * Makes {@code CUR_ADDR}, {@code CUR_SIZE} and {@code CUR_ICOUNT} hold the current block's start, size and count
   * when the inline ops counted it (they store only its TranslationBlock, {@code CUR_TB}). Every reading of those
   * fields comes after this.
   */
  private void syncCur() {
    if (!released && state.getLong(CUR_TB) != 0) syncCur0(nativeHandle);
  }

  /** No {@code IN} counted in the block running (a run starts, or a budget's partial block is not a counted one). */
  private void forgetIns() {
    state.putLong(IN_BLOCKS, -1);
    state.putLong(IN_K, 0);
    state.putLong(IN_ACTIVE, 0);
  }

  /** A block's {@code IN}/{@code INS} instructions: their indexes in the block (0 = its first instruction). */
  private record InSites(long size, int icount, byte[] code, int[] indexes) {}

  private final java.util.HashMap<Long, InSites> inSites = new java.util.HashMap<>();

  /** Instructions of the current block begun at its k-th {@code IN}/{@code INS} instruction. */
  private long inBegun(long k) {
    syncCur();
    long start = state.getLong(CUR_ADDR);
    long size = state.getLong(CUR_SIZE);
    int icount = (int) state.getLong(CUR_ICOUNT);
    byte[] code = engine.read(start, (int) size);
    InSites s = inSites.get(start);
    if (s == null || s.size != size || s.icount != icount || !java.util.Arrays.equals(s.code, code)) {
      List<Instruction> ins = decode(start, size, icount, code);
      int[] found = new int[ins.size()];
      int n = 0;
      for (int i = 0; i < ins.size(); i++) {
        if (isIn(ins.get(i).bytes())) found[n++] = i;
      }
      s = new InSites(size, icount, code, java.util.Arrays.copyOf(found, n));
      if (inSites.size() > 4096) inSites.clear();
      inSites.put(start, s);
    }
    if (k < 1 || k > s.indexes.length) {
      throw new BlockCountingException(String.format("IN callback %d since the block at 0x%X (%d bytes, %d "
          + "instructions) was entered, but the block holds %d IN/INS instructions", k, start, size, icount,
          s.indexes.length));
    }
    return s.indexes[(int) k - 1] + 1;
  }

  /**
   * True for {@code IN} (E4, E5, EC, ED) and {@code INS} (6C, 6D) after any legacy prefixes and a REX prefix (64-bit
   * code, as the block is decoded): the instructions that call Unicorn's {@code IN} hook.
   */
  static boolean isIn(byte[] b) {
    int i = 0;
    while (i < b.length) {
      int x = b[i] & 0xFF;
      boolean legacy = x == 0xF0 || x == 0xF2 || x == 0xF3 || x == 0x2E || x == 0x36 || x == 0x3E || x == 0x26
          || x == 0x64 || x == 0x65 || x == 0x66 || x == 0x67;
      if (!legacy) break;
      i++;
    }
    if (i < b.length && (b[i] & 0xF0) == 0x40) i++;
    if (i >= b.length) return false;
    int op = b[i] & 0xFF;
    return op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED || op == 0x6C || op == 0x6D;
  }

  /** Sets the count (between runs). */
  public void set(long count) {
    if (released) {
      finalCount = count;
      return;
    }
    state.putLong(TOTAL, count);
    state.putLong(CUR_TB, 0);
    state.putLong(CUR_ICOUNT, 0);
  }

  /** Stops before the instruction that would make the count pass {@code limit} (unsigned); -1 for no limit. */
  public void limit(long limit) {
    if (released) return;
    state.putLong(LIMIT, limit);
    fastUpdate(nativeHandle);
  }

  /**
   * Asks for a stop before the first block that begins once the count has reached {@code count} (unsigned; -1 for
   * none): an asynchronous interrupt falls due there on virtual time. The C hook compares once per counted block (no
   * cost per instruction); the stop lands before the next block, where RIP and the count are exact, and
   * {@link #stoppedForTick()} then tells it apart from other stops. May be called during a run (from a hook).
   */
  public void tickAt(long count) {
    if (released) return;
    state.putLong(TICK_AT, count);
    fastUpdate(nativeHandle);
  }

  /**
   * While an interrupt that RFLAGS.IF masked is pending: the C hook reads RFLAGS at each block start and stops the run
   * before the block that follows the first one to begin with IF set (after STI that is STI's one-instruction shadow
   * block, as the CPU takes a pending interrupt after the instruction following STI); {@link #stoppedForTick()} then
   * tells it. Costs one {@code uc_reg_read} per block while on; nothing while off. Turns itself off when it stops.
   */
  public void interruptWhenEnabled(boolean on) {
    if (released) return;
    state.putLong(IF_WINDOW, on ? 1 : 0);
    fastUpdate(nativeHandle);
  }

  /** True when the last run ended because the count reached {@link #tickAt} (and for no other reason before it). */
  public boolean stoppedForTick() {
    return stoppedForTick;
  }

  /**
   * Translations that got inline counting so far (statistics; 0 when every block calls the hook: inline counting off
   * or unavailable, or another block hook on the engine).
   */
  public long inlineTranslations() {
    if (released) return 0;
    return slots(nativeHandle) + tbTranslations(nativeHandle);
  }

  /**
   * Of {@link #inlineTranslations()}, those whose inline ops read the count from the translation's own
   * {@code TranslationBlock} (Unicorn writes it when the block is translated), so that their first run counts without
   * the call too (statistics; the others wait for their first run through the C hook).
   */
  public long inlineFromTheirFirstRun() {
    if (released) return 0;
    return tbTranslations(nativeHandle);
  }

  /** Calls of the C block hook so far, whichever way they came (statistics). */
  public long hookCalls() {
    if (released) return 0;
    return hookCalls(nativeHandle);
  }

  /** Blocks whose count came from the counter's cache instead of a lookup (statistics). */
  public long cachedBlocks() {
    if (released) return 0;
    return state.getLong(CACHED);
  }

  private static final int CACHED = 88;

  /** Blocks counted so far (statistics). */
  public long blocks() {
    if (released) return 0;
    return state.getLong(BLOCKS);
  }

  /**
   * A run starts: readings use RIP from now on. The counter enforces {@code timeoutMicros} (0: none) itself, before
   * a block, so that RIP is exact when it ends the run (Unicorn's own timeout stops between chained blocks, where
   * Unicorn 2.0.1 has not written RIP back).
   */
  void beginRun(long timeoutMicros) {
    if (state.getLong(INLINE_ON) != 0) shared.inlineRan = true;
    state.putLong(STATE, RUNNING);
    state.putLong(CUR_TB, 0);
    state.putLong(CUR_ICOUNT, 0);
    state.putLong(STOP_FLAG, 0);
    state.putLong(DEADLINE, timeoutMicros > 0 ? Math.max(1, System.nanoTime() + timeoutMicros * 1000) : 0);
    forgetIns();
    fastUpdate(nativeHandle);
    running = true;
  }

  /**
   * Stops the run before the next block (from any thread; a request while no run is in progress is dropped when
   * the next run starts, as {@code uc_emu_stop} outside a run is).
   */
  void requestStopBeforeNextBlock() {
    if (released) return;
    requestStop(nativeHandle); // stop_flag, then fast_max = 0 (blocks counted inline check fast_max only)
  }

  /**
   * An interrupt became deliverable during a host call (the firmware set RFLAGS.IF while one was pending): the run
   * stops before the next block, the caller's code after the return, and {@link #stoppedForTick()} tells it.
   */
  void interruptBeforeNextBlock() {
    if (released) return;
    state.putLong(STOP_FLAG, TICK_FLAG);
  }

  /** True when the run stopped before a block that the budget lets run only in part ({@link #finishBudget}). */
  boolean stoppedInsideBlock() {
    return state.getLong(STATE) == BUDGET_IN_BLOCK;
  }

  /**
   * Runs the first {@code limit - total} instructions of the block the budget stopped before; returns the
   * engine's result. Afterwards the count is as {@link NativeCounter} leaves it: when the partial block ran
   * through, the instruction past the limit is counted (not run).
   *
   * @param timeoutMicros the wall-clock limit for this part
   */
  org.efiemu.core.engine.UcError finishBudget(long timeoutMicros) {
    syncCur(); // block_hook stopped before the block and stored its values: nothing to do, unless that changes
    long start = state.getLong(CUR_ADDR);
    long size = state.getLong(CUR_SIZE);
    int icount = (int) state.getLong(CUR_ICOUNT);
    // Unicorn 2.0.1 writes RIP back when a code hook runs, not when a block hook stops (between chained blocks RIP
    // still holds an older jump target): the run stopped before the block, so RIP is its start
    engine.reg(X86Reg.RIP, start);
    long total = state.getLong(TOTAL);
    long limit = state.getLong(LIMIT);
    int run = Math.toIntExact(limit - total); // 1 .. icount-1
    long until = starts(start, size, icount)[run];
    // the block counts whole from here on; RIP places readings inside it, as in any block
    state.putLong(TOTAL, total + icount);
    state.putLong(STATE, RUNNING);
    state.putLong(COUNTING, 0);
    forgetIns(); // the partial block does not move blocks(): its INs count from here
    fastUpdate(nativeHandle);
    engine.removeTranslations(start, start + size);
    org.efiemu.core.engine.UcError err;
    try {
      err = engine.emuStart(start, until, timeoutMicros, 0);
    } finally {
      state.putLong(COUNTING, 1);
      fastUpdate(nativeHandle);
      engine.removeTranslations(start, start + size);
    }
    syncCur();
    if (engine.reg(X86Reg.RIP) == until && state.getLong(STATE) == RUNNING) {
      state.putLong(TOTAL, limit + 1); // the instruction at until: begun (counted) but not run, as per instruction
      state.putLong(CUR_ICOUNT, 0);
      state.putLong(CUR_ADDR, until); // where RIP stays
      state.putLong(STATE, BUDGET_AT_BLOCK);
    }
    return err;
  }

  /** The run is over: RIP and the count become final, and readings stop using RIP. */
  void endRun() {
    syncCur(); // the block entered last: its TranslationBlock is Unicorn's until the next translation
    running = false;
    state.putLong(DEADLINE, 0);
    long st = state.getLong(STATE);
    stoppedForTick = st == STOP_AT_BLOCK && state.getLong(STOP_FLAG) == TICK_FLAG;
    state.putLong(STOP_FLAG, 0);
    state.putLong(STATE, RUNNING);
    fastUpdate(nativeHandle);
    if (st == LOOKUP_FAILED) {
      state.putLong(CUR_ICOUNT, 0);
      throw new BlockCountingException(String.format("Unicorn gave no translated block matching the block hook at "
          + "0x%X (size %d); the instruction count would be wrong", state.getLong(CUR_ADDR), state.getLong(CUR_SIZE)));
    }
    if (st == BUDGET_AT_BLOCK || st == STOP_AT_BLOCK) {
      engine.reg(X86Reg.RIP, state.getLong(CUR_ADDR)); // stopped before the block: see finishBudget
    } else {
      long icount = state.getLong(CUR_ICOUNT);
      if (icount > 0) state.putLong(TOTAL, state.getLong(TOTAL) - icount + begun(engine.reg(X86Reg.RIP)));
    }
    state.putLong(CUR_ICOUNT, 0);
  }

  /** Instructions of the current block begun when RIP is {@code rip}. */
  private long begun(long rip) {
    syncCur();
    long start = state.getLong(CUR_ADDR);
    long size = state.getLong(CUR_SIZE);
    int icount = (int) state.getLong(CUR_ICOUNT);
    if (icount <= 1 || rip == start) return Math.min(icount, 1);
    long offset = rip - start;
    if (offset < 0 || offset >= size) return icount;
    long[] starts = starts(start, size, icount);
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] == rip) return i + 1;
    }
    throw new BlockCountingException(String.format("RIP 0x%X is not an instruction start of the block at 0x%X (%d "
        + "bytes, %d instructions)", rip, start, size, icount));
  }

  /**
   * The addresses of the instructions of a translated block, checked against Unicorn's size and count. Capstone
   * may fail on the block's last instruction only (an invalid opcode ends a block with a #UD).
   */
  long[] starts(long start, long size, int icount) {
    return startsOf(decode(start, size, icount, engine.read(start, (int) size)), start, icount);
  }

  /** The block's instructions as Capstone decodes {@code code}, checked against Unicorn's size and count. */
  private List<Instruction> decode(long start, long size, int icount, byte[] code) {
    List<Instruction> ins = Disassembler.forThread().disassemble(code, start, icount);
    long end = ins.isEmpty() ? start : ins.get(ins.size() - 1).next();
    boolean whole = ins.size() == icount && end == start + size;
    boolean lastUndecodable = ins.size() == icount - 1 && end < start + size;
    if (!whole && !lastUndecodable) {
      throw new BlockCountingException(String.format("the block at 0x%X decodes to %d instructions over %d bytes; "
          + "Unicorn translated %d over %d", start, ins.size(), end - start, icount, size));
    }
    return ins;
  }

  /** The addresses of {@link #decode}'s instructions; an undecodable last one starts where the others end. */
  private static long[] startsOf(List<Instruction> ins, long start, int icount) {
    long[] starts = new long[icount];
    for (int i = 0; i < ins.size(); i++) starts[i] = ins.get(i).address();
    if (ins.size() < icount) starts[icount - 1] = ins.isEmpty() ? start : ins.get(ins.size() - 1).next();
    return starts;
  }

  @Override
  public void close() {
    engine.ripWriteListener(null);
    engine.accessSite(null);
    // on a reused engine that keeps translated code the hook stays for the next machine (which may adopt it)
    if (!released && hook.isActive()) {
      long total = state.getLong(TOTAL);
      if (engine.keepBlockHook(hook, shared)) {
        finalCount = total;
        released = true;
        shared.owner = null;
      } else {
        hook.close();
      }
    } else {
      hook.close();
    }
  }

  private static native long create(long ucCtl, long ucEmuStop);

  private static native void watchInterruptFlag(long counter, long ucRegRead);

  /** Gives the block hook uc_mem_read: after POPF/IRETQ (no shadow) a pending interrupt comes before the next block. */
  private static native void watchInterruptFlagBytes(long counter, long ucMemRead);

  private static native ByteBuffer state(long counter);

  private static native long hookFunction();

  private static native void destroy(long counter);

  private static native void fastUpdate(long counter);

  private static native void requestStop(long counter);

  private static native void inline0(long counter, boolean on);

  private static native long slots(long counter);

  private static native long tbTranslations(long counter);

  private static native long hookCalls(long counter);

  private static native void recycle0(long counter, boolean keepCache);

  private static native void forgetCache0(long counter, long from, long to);

  private static native void syncCur0(long counter);
}
