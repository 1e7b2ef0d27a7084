package org.efiemu.core.gate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.GateDispatch;
import org.efiemu.core.engine.GateFrame;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestMemory;

/**
 * Java functions callable from the guest. Each function owns a 16-byte slot of a trap region (guest RAM chosen by
 * the caller) holding {@code ret} ({@code C3}, padded with {@code int3}); the guest calls the slot's address like
 * any function pointer. One {@code UC_HOOK_CODE} hook bounded to the region runs the Java function when the slot's
 * {@code ret} is about to execute, writes RAX, and the native {@code ret} returns to the caller: RIP is never
 * rewritten on the normal path (about 3.7x faster than a hook that pops the return address itself).
 *
 * <p>Guest calls from host code ({@link CallContext#callGuest}) cannot nest {@code uc_emu_start} on Unicorn 2.0.x.
 * Functions registered with {@link #registerCallingGuest} therefore run on a continuation thread: when one calls
 * the guest, the hook points RIP at the guest function with its arguments and a return address in slot 1 (a return
 * trap) and lets emulation continue; when the guest returns into slot 1 the host function gets RAX and resumes;
 * when it finally returns, RSP is restored and RIP points at slot 0 (a bare {@code ret}) to return to the original
 * caller. Only one of the two threads runs at a time. Continuation threads are persistent workers owned by the gate
 * (a stack of them: a guest function called from one worker may call another calling-guest function, which takes
 * the next idle worker); {@link #close()} ends them.
 *
 * <p>A calling-guest function registered with a {@code mayCallGuest} predicate runs inline on the emulation thread,
 * like a plain function, whenever the predicate says this call cannot run guest code (e.g. SignalEvent when no event
 * has a notification function); a {@link CallContext#callGuest} from such an inline call throws an
 * {@link IllegalStateException} naming the function and its predicate (a predicate that is wrong must fail loudly).
 */
public final class CallGate implements AutoCloseable {
  /** Bytes per function slot. */
  public static final int SLOT = 16;
  /** Slots 0 (bare ret) and 1 (guest-call return trap) are the gate's own. */
  private static final int RESERVED = 2;
  private static final int RECENT = 32;

  /**
   * @param mayCallGuest null for a plain function; for a calling-guest function, whether this call may run guest
   *     code (a function that always may: {@code ctx -> true})
   */
  private record Entry(String label, int arity, HostFunction fn, Predicate<CallContext> mayCallGuest) {}

  private static final Predicate<CallContext> ALWAYS = ctx -> true;

  /**
   * Calls through this gate by path: plain functions (and calling-guest functions whose predicate said no) ran
   * inline on the emulation thread; the others ran on a continuation worker. {@code workers} is how many worker
   * threads the gate has started so far (the deepest nesting of calling-guest calls, plus any that retired).
   */
  public record Stats(long inlineCalls, long continuationCalls, int workers) {
    @Override
    public String toString() {
      return String.format("%d inline, %d on continuation workers, %d workers started", inlineCalls,
          continuationCalls, workers);
    }
  }

  private record Frame(Continuation continuation, long rsp0, GateCall call, long sequence) {}

  private final Engine engine;
  private final GuestMemory memory;
  private final long base;
  private final int capacity;
  private final List<Entry> entries = new ArrayList<>();
  private final List<GateListener> listeners = new CopyOnWriteArrayList<>();
  private final RecentCalls recent = new RecentCalls(RECENT);
  private final GateDispatch dispatch;
  private final Deque<Frame> parked = new ArrayDeque<>();
  /** Idle continuation workers, most recently used first; busy ones are referenced by {@link #parked} frames. */
  private final Deque<Continuation> idle = new ArrayDeque<>();
  private final List<Continuation> workers = new ArrayList<>();
  private long inlineCalls;
  private long continuationCalls;
  private int workersStarted;
  private final Consumer<String> stopHandler;
  private final LongConsumer onCall;
  private long sequence;
  private Hook hook;

  /**
   * Lays out the trap region {@code [base, base+size)} (RAM, written now) and hooks it.
   *
   * @param stopHandler receives {@link CallContext#stop} requests (the machine ends the run)
   * @param onCall runs once per call (the machine's clock counts host calls)
   */
  public CallGate(Engine engine, GuestMemory memory, long base, long size, Consumer<String> stopHandler,
      Runnable onCall) {
    this(engine, memory, base, size, stopHandler, (LongConsumer) cr3 -> onCall.run());
  }

  /**
   * As {@link #CallGate(Engine, GuestMemory, long, long, Consumer, Runnable)}, with {@code onCall} receiving the
   * CR3 value at the call (read in the same batch as the arguments, so a paging check costs no extra engine call).
   */
  public CallGate(Engine engine, GuestMemory memory, long base, long size, Consumer<String> stopHandler,
      LongConsumer onCall) {
    this(engine, memory, base, size, stopHandler, onCall, GateDispatch.AUTO);
  }

  /**
   * As {@link #CallGate(Engine, GuestMemory, long, long, Consumer, LongConsumer)}, choosing how the engine enters
   * Java: {@link GateDispatch#AUTO} (the default: the JNI shim when {@link NativeGate#status()} says it is
   * available, else JNA), or {@link GateDispatch#NATIVE} / {@link GateDispatch#JNA} explicitly.
   */
  public CallGate(Engine engine, GuestMemory memory, long base, long size, Consumer<String> stopHandler,
      LongConsumer onCall, GateDispatch dispatch) {
    if (size < SLOT * (RESERVED + 1) || size > (1 << 24)) {
      throw new IllegalArgumentException(String.format("trap region size 0x%X must be 0x30..0x1000000", size));
    }
    if (!memory.isRam(base, size)) { // the text only when it is needed: two gates per machine
      memory.require(base, size, String.format("trap region [0x%X, +0x%X)", base, size));
    }
    this.engine = engine;
    this.memory = memory;
    this.base = base;
    this.capacity = (int) (size / SLOT);
    this.stopHandler = stopHandler;
    this.onCall = onCall;
    memory.write(base, code(capacity));
    entries.add(new Entry("<gate ret>", 0, null, null));
    entries.add(new Entry("<guest call return>", 0, null, null));
    this.dispatch = dispatch.resolve();
    hook = engine.addGateHook(base, base + (long) capacity * SLOT - 1, SLOT, this.dispatch, this::onGate);
  }

  /** The trap region's code for {@code capacity} slots: each slot a RET then INT3s. */
  private static byte[] slotCode(int capacity) {
    byte[] code = new byte[capacity * SLOT];
    java.util.Arrays.fill(code, (byte) 0xCC);
    for (int i = 0; i < capacity; i++) code[i * SLOT] = (byte) 0xC3;
    return code;
  }

  /**
   * {@link #slotCode} by capacity, made once per size for the first few sizes (a machine's gates have one or two
   * sizes, the same in every machine): the arrays are only ever read (copied into guest memory).
   */
  private static final java.util.concurrent.ConcurrentHashMap<Integer, byte[]> CODE =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static byte[] code(int capacity) {
    byte[] code = CODE.get(capacity);
    if (code != null) return code;
    code = slotCode(capacity);
    if (CODE.size() < 8) CODE.putIfAbsent(capacity, code);
    return code;
  }

  /** Registers {@code fn}; returns its guest-callable address. Listeners see four arguments. */
  public long register(String label, HostFunction fn) {
    return register(label, 4, fn);
  }

  /** Registers {@code fn} taking {@code arity} arguments (shown in traces); returns its address. */
  public long register(String label, int arity, HostFunction fn) {
    return add(new Entry(label, arity, fn, null));
  }

  /**
   * Registers a function that may use {@link CallContext#callGuest} on every call (it always runs on a continuation
   * worker); returns its address.
   */
  public long registerCallingGuest(String label, int arity, HostFunction fn) {
    return add(new Entry(label, arity, fn, ALWAYS));
  }

  /**
   * Registers a function that may use {@link CallContext#callGuest} when {@code mayCallGuest} says so for the call
   * at hand (evaluated on the emulation thread at each call, before the function; it may read the arguments). When
   * it returns false the function runs inline like a plain one (about as cheap); a {@code callGuest} then throws an
   * {@link IllegalStateException}. The predicate must be conservative: true whenever guest code could run.
   */
  public long registerCallingGuest(String label, int arity, HostFunction fn, Predicate<CallContext> mayCallGuest) {
    if (mayCallGuest == null) throw new IllegalArgumentException("mayCallGuest of " + label + " is null");
    return add(new Entry(label, arity, fn, mayCallGuest));
  }

  private long add(Entry e) {
    if (e.arity() < 0) throw new IllegalArgumentException("arity of " + e.label() + " is negative");
    if (entries.size() >= capacity) {
      throw new IllegalStateException("trap region full: " + capacity + " slots of " + SLOT + " bytes at 0x"
          + Long.toHexString(base) + "; cannot register " + e.label());
    }
    entries.add(e);
    return base + (long) (entries.size() - 1) * SLOT;
  }

  /** The label of the function whose slot holds {@code address}, or null outside the region. */
  public String labelAt(long address) {
    long off = address - base;
    if (off < 0 || off >= (long) entries.size() * SLOT) return null;
    return entries.get((int) (off / SLOT)).label();
  }

  public long base() {
    return base;
  }

  public void addListener(GateListener l) {
    listeners.add(l);
  }

  public void removeListener(GateListener l) {
    listeners.remove(l);
  }

  /** The last calls (oldest first), results filled in for calls that returned. */
  public List<GateCall> recentCalls() {
    return recent.list(i -> entries.get(i).label(), base, SLOT);
  }

  void requestStop(String reason) {
    stopHandler.accept(reason);
  }

  /**
   * The hot path, entered at the first instruction of every slot but slot 0 with the entry registers (RSP, the four
   * argument registers and CR3) and the return address already read by the engine's gate hook (in C with the JNI
   * shim): the host function, then RAX through the frame. {@link GateCall} records are built only for listeners
   * (recent calls are kept as primitives and built on demand).
   */
  private void onGate(long address, GateFrame frame) throws Exception {
    int index = (int) ((address - base) / SLOT);
    if (index >= entries.size()) return;
    if (index == 1) {
      onGuestReturn();
      return;
    }
    Entry e = entries.get(index);
    long rsp = frame.rsp();
    long[] regArgs = {frame.registerArgument(0), frame.registerArgument(1), frame.registerArgument(2),
        frame.registerArgument(3)};
    long returnAddress = frame.returnAddress();
    CallContext ctx = new CallContext(this, engine, memory, e.label(), address, rsp, regArgs, returnAddress);
    long seq = ++sequence;
    long[] args = recent.begin(seq, index, returnAddress, e.arity());
    for (int i = 0; i < e.arity(); i++) args[i] = i < 4 ? regArgs[i] : stackArg(rsp, i);
    onCall.accept(frame.cr3());
    GateCall call = null;
    if (!listeners.isEmpty()) {
      call = new GateCall(seq, e.label(), address, returnAddress, java.util.Arrays.copyOf(args, e.arity()), null);
      for (GateListener l : listeners) l.before(call);
    }
    if (e.mayCallGuest() == null || (e.mayCallGuest() != ALWAYS && !e.mayCallGuest().test(ctx))) {
      inlineCalls++;
      long result = e.fn().invoke(ctx);
      // listeners (a debugger stopping after the call) see RAX already written and may change it
      if (call == null) frame.setRax(result);
      else engine.reg(X86Reg.RAX, result);
      finish(seq, call, result);
      return;
    }
    continuationCalls++;
    Continuation c = startWorker(e.fn(), ctx);
    handle(c, rsp, call, seq, c.awaitMessage(), false);
  }

  /** Hands the call to an idle worker (starting one when none is idle or the idle ones retired). */
  private Continuation startWorker(HostFunction fn, CallContext ctx) {
    while (true) {
      Continuation c = idle.poll();
      if (c == null) {
        c = new Continuation(String.format("efiemu-gate-0x%X-worker-%d", base, ++workersStarted));
        workers.add(c);
      }
      ctx.continuation = c;
      if (c.start(fn, ctx)) return c;
      workers.remove(c); // retired while idle
    }
  }

  private long stackArg(long rsp, int i) {
    long slot = rsp + 8 + 32 + 8L * (i - 4);
    return memory.isRam(slot, 8) ? memory.u64(slot) : 0;
  }

  private void finish(long seq, GateCall call, long result) {
    recent.end(seq, result);
    if (call == null) return;
    GateCall done = call.withResult(result);
    for (GateListener l : listeners) l.after(done);
  }

  private void handle(Continuation c, long rsp0, GateCall call, long seq, Object message, boolean resumed)
      throws Exception {
    if (message instanceof Continuation.Done d) {
      idle.push(c);
      engine.reg(X86Reg.RAX, d.result());
      if (resumed) {
        engine.reg(X86Reg.RSP, rsp0);
        engine.reg(X86Reg.RIP, base);
      }
      finish(seq, call, d.result());
    } else if (message instanceof Continuation.Failed f) {
      if (c.isAlive()) {
        idle.push(c);
      } else {
        workers.remove(c);
      }
      if (f.error() instanceof Exception ex) throw ex;
      throw (Error) f.error();
    } else {
      Continuation.GuestCall g = (Continuation.GuestCall) message;
      parked.push(new Frame(c, rsp0, call, seq));
      enterGuest(rsp0, g.fn(), g.args());
    }
  }

  /** Points the CPU at {@code fn} as if called with {@code args}, returning into slot 1, below {@code rsp0}. */
  private void enterGuest(long rsp0, long fn, long[] args) {
    int stackArgs = Math.max(0, args.length - 4);
    long top = (rsp0 - 0x40 - 8L * stackArgs - 0x20) & ~0xFL;
    for (int i = 4; i < args.length; i++) memory.putU64(top + 0x20 + 8L * (i - 4), args[i]);
    memory.putU64(top - 8, base + SLOT);
    X86Reg[] regs = {X86Reg.RCX, X86Reg.RDX, X86Reg.R8, X86Reg.R9};
    for (int i = 0; i < Math.min(4, args.length); i++) engine.reg(regs[i], args[i]);
    engine.reg(X86Reg.RSP, top - 8);
    engine.reg(X86Reg.RIP, fn);
  }

  private void onGuestReturn() throws Exception {
    Frame f = parked.poll();
    if (f == null) {
      requestStop("guest returned into the call gate's guest-call return trap with no host call waiting");
      return;
    }
    long result = engine.reg(X86Reg.RAX);
    f.continuation().resume(result);
    handle(f.continuation(), f.rsp0(), f.call(), f.sequence(), f.continuation().awaitMessage(), true);
  }

  long callGuest(CallContext ctx, long fn, long[] args) {
    Continuation c = ctx.continuation;
    if (c != null && c.runs(ctx)) return c.callGuest(fn, args);
    Entry e = entryAt(ctx.entry());
    if (e != null && e.mayCallGuest() != null && c == null) {
      throw new IllegalStateException("callGuest from " + ctx.label() + ": its mayCallGuest predicate said this call "
          + "could not run guest code, so it runs inline on the emulation thread; the predicate is wrong");
    }
    throw new IllegalStateException("callGuest from " + ctx.label()
        + ": only functions registered with registerCallingGuest may call the guest, from their own thread");
  }

  private Entry entryAt(long address) {
    long off = address - base;
    return off < 0 || off >= (long) entries.size() * SLOT ? null : entries.get((int) (off / SLOT));
  }

  /**
   * Ends host functions left waiting for guest calls when a run stopped early (innermost first): their guest calls
   * throw {@link GuestCallAbandonedException} and each function finishes before this returns. Returns how many.
   */
  public int abandonPending() {
    int n = parked.size();
    while (!parked.isEmpty()) {
      Continuation c = parked.pop().continuation();
      if (c.abandon()) {
        idle.push(c);
      } else {
        workers.remove(c);
        c.shutdown();
      }
    }
    return n;
  }

  /**
   * True when the calling thread is a continuation worker of some gate: it runs a host function while the emulating
   * thread waits inside that gate's hook, so it acts for the emulating thread.
   */
  public static boolean onWorkerThread() {
    return Continuation.isWorkerThread();
  }

  /** How calls went through this gate so far (inline or on a continuation worker). */
  public Stats stats() {
    return new Stats(inlineCalls, continuationCalls, workersStarted);
  }

  /** Calls waiting for a guest function to return (nesting depth). */
  public int pendingGuestCalls() {
    return parked.size();
  }

  /** How the engine enters this gate's Java code (never {@link GateDispatch#AUTO}). */
  public GateDispatch dispatch() {
    return dispatch;
  }

  /** Supplies the sequence number of the last call. */
  public LongSupplier sequence() {
    return () -> sequence;
  }

  @Override
  public void close() {
    abandonPending();
    workers.forEach(Continuation::shutdown);
    workers.clear();
    idle.clear();
    if (hook != null) hook.close();
    hook = null;
  }
}
