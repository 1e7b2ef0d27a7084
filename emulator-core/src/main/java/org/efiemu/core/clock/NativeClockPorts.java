package org.efiemu.core.clock;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.Hooks.InHook;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UnicornLoader;

/**
 * I/O ports whose value is a counter of the machine's virtual time, answered in C without entering Java (native side
 * {@code clock_ports.c}): the ACPI PM timer (ACPI 6.5 §4.8.3.3: a 24-bit counter at 3.579545 MHz), which boot loaders
 * poll to calibrate the TSC (GRUB: ~180 000 reads, each about a microsecond through a JNA callback).
 *
 * <p>The native hook is the engine's one {@code IN} hook; it answers a read wholly inside the counter's ports with
 * {@link #value} of {@link VirtualClock#nanos()} at the {@code IN} instruction, computed in C from the block
 * counter's state and the clock's other cycles (which {@link VirtualClock} mirrors into this object's state), and
 * hands every other read to the Java {@link InHook} it was given (the machine's devices, unchanged).
 *
 * <p><b>At which instruction.</b> Unicorn 2.0.1 writes RIP back neither before an {@code IN} nor at a chained jump,
 * so RIP in an {@code IN} hook does not say which instruction of the block runs. A translated block runs straight
 * through from its first instruction, so the k-th {@code IN} callback since the block was entered is the block's k-th
 * {@code IN}/{@code INS} instruction: the native hook counts k in the block counter's state for every {@code IN} and
 * marks the read as in progress, so that {@link BlockCounter#count()} (also for a read handed to Java) is the count at
 * that very instruction, as per-instruction counting gives it. The k-th {@code IN}'s position inside a block is found
 * by Java (Capstone) the first time and handed to C ({@link #learn}); C keeps it with the block's start, size,
 * instruction count, k and bytes, and uses it only while they are the same: the bytes are read again and compared,
 * unless Unicorn has made, invalidated and flushed no translation since they last were (Debian's libunicorn2
 * 2.0.1.post1, checked: {@link #translationStateKnown()}). So every value is the one Java gives: the device behind
 * the ports must compute {@link #value}.
 *
 * <p>Used only when instructions are counted by block ({@link InstructionCounting#BLOCKS}) and the JNI shim is
 * loaded; {@code -Defiemu.io.nativeClockPorts=false} (or {@code MachineBuilder.nativeClockPorts(false)}) keeps every
 * read in Java.
 */
public final class NativeClockPorts {
  /** System property; {@code false} keeps every port read in Java. */
  public static final String PROPERTY = "efiemu.io.nativeClockPorts";

  private static final int BASE = 0;
  private static final int RUNNING = 8;
  private static final int SERVED = 16;
  private static final int HANDED = 24;
  private static final int RECORDING = 32;
  private static final int LEARNT = 48;
  private static final int CPI = 56;
  private static final int NS_PER_CYCLE = 64;
  private static final int COMPARED = 80;

  private final long handle;
  private final ByteBuffer state;
  private int first;
  private int count;
  private Hook hook;

  private NativeClockPorts(long handle) {
    this.handle = handle;
    this.state = state(handle).order(ByteOrder.nativeOrder());
  }

  /** True unless {@code -Defiemu.io.nativeClockPorts=false}. */
  public static boolean enabledByDefault() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
  }

  /**
   * The value a {@code size}-byte read at {@code port} gives of a {@code bits}-bit counter at {@code hz} Hz of virtual
   * time whose ports start at {@code first}: {@code nanos / 1000 * hz / 1_000_000} (whole microseconds, as long
   * arithmetic), its low {@code bits} bits, shifted down by the port's byte offset, masked to {@code size} bytes.
   */
  public static int value(long nanos, long hz, int bits, int first, int port, int size) {
    long ticks = nanos / 1000 * hz / 1_000_000;
    long v = (bits >= 64 ? ticks : ticks & ((1L << bits) - 1)) >>> (8 * (port - first));
    return (int) (size >= 4 ? v : v & ((1L << (8 * size)) - 1));
  }

  /**
   * Installs the native {@code IN} hook on {@code engine}; {@code java} answers every read it does not (until
   * {@link #serve} names the counter's ports: all of them). Returns null (nothing installed: the caller installs
   * {@code java} as the engine's {@code IN} hook) when {@code clock} does not count by block or the shim is not loaded.
   */
  public static NativeClockPorts install(Engine engine, VirtualClock clock, InHook java) {
    if (clock.blockCounter() == null || !NativeGate.status().available()) return null;
    NativeLibrary lib = UnicornLoader.load();
    long memRead = Pointer.nativeValue(lib.getFunction("uc_mem_read"));
    NativeClockPorts[] made = new NativeClockPorts[1];
    Hook h = engine.addNativeInHook(hookFunction(), java, fallback -> {
      long handle = create(clock.blockCounterHandle(), fallback, memRead);
      if (handle == 0) throw new IllegalStateException("libefiemu_gate.so could not allocate the clock ports' state");
      made[0] = new NativeClockPorts(handle);
      return handle;
    }, "insn IN (virtual-time counter ports in C)", () -> {
      if (made[0] != null) destroy(made[0].handle);
    });
    NativeClockPorts p = made[0];
    p.hook = h;
    clock.mirrorTo(p);
    return p;
  }

  /**
   * From now on the ports {@code [first, first + count)} read a {@code bits}-bit counter at {@code hz} Hz of the
   * clock's virtual time ({@link #value}), answered in C; once per machine.
   *
   * @throws IllegalArgumentException for a range outside 0..0xFFFF or longer than 8 ports, bits outside 1..64 or a
   *     frequency that is not positive
   * @throws IllegalStateException when ports were named already
   */
  public void serve(int first, int count, int bits, long hz) {
    if (count < 1 || count > 8 || first < 0 || first + count > 0x10000 || bits < 1 || bits > 64 || hz <= 0) {
      throw new IllegalArgumentException(String.format("counter ports 0x%X+%d (%d bits, %d Hz): expected 1..8 ports "
          + "within 0..0xFFFF, 1..64 bits and a positive frequency", first, count, bits, hz));
    }
    if (this.count != 0) {
      throw new IllegalStateException(String.format("counter ports 0x%X+%d: ports 0x%X+%d are served already", first,
          count, this.first, this.count));
    }
    this.first = first;
    this.count = count;
    if (hook.isActive()) configure(handle, first, count, bits, hz);
  }

  /** True when a {@code size}-byte read at {@code port} lies wholly inside the counter's ports. */
  public boolean serves(int port, int size) {
    return count != 0 && port >= first && port + size <= first + count;
  }

  /**
   * Java answered a read of the counter's ports at {@code instructions} (the block counter's count): C remembers the
   * position inside the block, if it asked. Call from the Java {@code IN} hook, for reads {@link #serves} accepts.
   */
  public void learn(long instructions) {
    if (hook.isActive()) learn(handle, instructions);
  }

  /** Reads answered in C so far. */
  public long served() {
    return hook.isActive() ? state.getLong(SERVED) : 0;
  }

  /** Reads of the counter's ports handed to Java (positions not known yet) so far. */
  public long handedToJava() {
    return hook.isActive() ? state.getLong(HANDED) : 0;
  }

  /**
   * Reads answered in C that read the block's bytes again to compare them with those its position was learnt from
   * (statistics; the others relied on Unicorn's unchanged translation state, see {@link #translationStateKnown()}).
   */
  public long bytesCompared() {
    return hook.isActive() ? state.getLong(COMPARED) : 0;
  }

  /**
   * True when C can tell that Unicorn made, invalidated and flushed no translation since a block's bytes were last
   * compared (Debian's libunicorn2 2.0.1.post1, checked by build-id, symbols and machine code), and then does not read
   * them again; false: every read answered in C compares the block's bytes.
   */
  public boolean translationStateKnown() {
    return hook.isActive() && translationStateKnown(handle);
  }

  /** Positions inside blocks learnt from Java so far. */
  public long learnt() {
    return hook.isActive() ? state.getLong(LEARNT) : 0;
  }

  /**
   * Starts ({@code true}) or stops recording every {@code IN} value, answered in C or in Java, in order (for
   * {@code Machine.ioInListener}); stopping keeps what was recorded for {@link #drain}.
   */
  public void record(boolean on) {
    if (!hook.isActive()) return;
    // room made and touched before the recorded code runs, not grown page by page inside it (a bench times that code)
    if (on) reserve(handle, RECORD_ROOM);
    state.putLong(RECORDING, on ? 1 : 0);
  }

  /** Values {@link #record} makes room for when recording starts: 1 MiB, more than GRUB's TSC calibration reads. */
  private static final long RECORD_ROOM = 1 << 18;

  private static native void reserve(long handle, long count);

  /** The values recorded since the last drain, in order; forgets them. */
  public int[] drain() {
    if (!hook.isActive()) return new int[0];
    int[] v = drain(handle);
    if (v == null) throw new IllegalStateException("out of native memory recording IN values: some were lost");
    return v;
  }

  /** The native state (its first field is the base {@link NativeRdtsc} keeps up to date). */
  long handle() {
    return handle;
  }

  // VirtualClock's mirror
  void mirror(long baseCycles) {
    if (hook.isActive()) state.putLong(BASE, baseCycles);
  }

  void running(boolean on) {
    if (hook.isActive()) state.putLong(RUNNING, on ? 1 : 0);
  }

  void constants(long cyclesPerInstruction, double nanosPerCycle) {
    state.putLong(CPI, cyclesPerInstruction);
    state.putDouble(NS_PER_CYCLE, nanosPerCycle);
  }

  private static native long create(long blockCounter, long fallback, long memRead);

  private static native boolean translationStateKnown(long handle);

  private static native void configure(long handle, int first, int count, int bits, long hz);

  private static native ByteBuffer state(long handle);

  private static native long hookFunction();

  private static native void learn(long handle, long instructions);

  private static native int[] drain(long handle);

  private static native void destroy(long handle);
}
