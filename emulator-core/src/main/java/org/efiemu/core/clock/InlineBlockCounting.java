package org.efiemu.core.clock;

import com.sun.jna.Pointer;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UnicornLoader;

/**
 * Counting by block without a call per block, for Debian's libunicorn2 2.0.1.post1-1+b1 only (native side:
 * {@code emulator-core/src/main/native/block_inline.c}; the counter is {@link BlockCounter}).
 *
 * <p>With one {@code UC_HOOK_BLOCK} hook Unicorn 2.0.1 emits a call of the hook's callback at the start of every
 * translated block (its "inline hook"). For the block counter's hook the shim emits instead a few TCG operations into
 * the block: the block's instruction count is read from the translation's own {@code TranslationBlock} (Unicorn writes
 * it there when it has translated the block, before the block first runs); the block adds it to the total and, when
 * the new total stays within a bound the counter keeps, records itself as the current block by its
 * {@code TranslationBlock} alone (its start, size and count are read from there only when a hook inside the block
 * needs them: three stores a block, the total, that pointer and the block statistics) ({@code fast_max}: the budget, the interrupt point, 0 while a stop is asked for, RFLAGS.IF is watched or a budget's
 * partial block runs, and with a wall-clock limit at most 4096 instructions past the last call, which reads the
 * clock). Otherwise the block calls the counter's C hook, which takes the count back first. Translations Unicorn makes with an instruction
 * limit (the one-instruction block that reruns a store into the running block, which the hook's lookup must refuse)
 * keep the count in a slot of their own instead, filled by their first run through the hook. The
 * counts, stop points, RIP values and traces are the same as with the call (checked by
 * {@code InlineBlockCountingDifferentialTest}); only host time changes.
 *
 * <p>Checked once per process before use: the library's GNU build-id, the symbols and code bytes the emitter relies
 * on (TCG opcode numbers, struct offsets); per engine, that its {@code uc->add_inline_hook} is Unicorn's own function.
 * Any other library, or {@code -D}{@value #PROPERTY}{@code =false}: every block calls the hook ({@link #status()} says
 * why). Two or more block hooks on an engine: Unicorn does not inline hooks then and calls {@code helper_uc_tracecode},
 * which calls the counter's hook, so such engines count through the call as before.
 */
public final class InlineBlockCounting {
  /** System property; {@code false} keeps one hook call per block. */
  public static final String PROPERTY = "efiemu.clock.inlineBlocks";

  /**
   * System property; {@code false} makes every translation take its count from a slot filled by its first run through
   * the C hook (the way before first runs counted inline), for comparisons.
   */
  public static final String FIRST_RUNS_PROPERTY = "efiemu.clock.inlineFirstRuns";

  /** Whether inline counting is available in this JVM, and the library or the reason it is not. */
  public record Status(boolean active, String detail) {
    @Override
    public String toString() {
      return active ? "inline block counting: on, " + detail : "inline block counting: off, " + detail;
    }
  }

  private static final class Holder {
    static final Status STATUS = load();
  }

  private InlineBlockCounting() {}

  /** The one check per JVM (the library does not change while it is loaded). */
  public static Status status() {
    return Holder.STATUS;
  }

  private static Status load() {
    return load(System.getProperty(PROPERTY));
  }

  /** The status for a value of {@value #PROPERTY} (null: not set). */
  static Status load(String property) {
    if ("false".equalsIgnoreCase(property)) {
      return new Status(false, "disabled by -D" + PROPERTY + "=false");
    }
    NativeGate.Status gate = NativeGate.status();
    if (!gate.available()) return new Status(false, "needs the native shim (" + gate + ")");
    try {
      long anyFunction = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_open"));
      String why = install0(anyFunction);
      if (why != null) return new Status(false, why);
      boolean firstRuns = !"false".equalsIgnoreCase(System.getProperty(FIRST_RUNS_PROPERTY));
      firstRuns0(firstRuns);
      return new Status(true, library0() + (firstRuns ? "" : "; first runs call the hook (-D" + FIRST_RUNS_PROPERTY
          + "=false)"));
    } catch (UnsatisfiedLinkError e) {
      return new Status(false, "the shim has no inline block counting (" + e.getMessage() + ")");
    }
  }

  /**
   * Lets the engine's translator emit inline counting for block counters that turn it on; false when
   * {@link #status()} is off or the engine's {@code add_inline_hook} is not Unicorn's function.
   */
  static boolean attach(long uc) {
    return status().active() && attach0(uc) == 1;
  }

  /**
   * The library checks alone (build-id, symbols, code bytes), for the library holding {@code anyFunction}, installing
   * nothing: null when it is the build inline counting knows, else why not.
   */
  static String check(long anyFunction) {
    return check0(anyFunction);
  }

  private static native String check0(long anyFunction);

  private static native String install0(long anyUnicornFunction);

  private static native String library0();

  private static native void firstRuns0(boolean on);

  private static native int attach0(long uc);
}
