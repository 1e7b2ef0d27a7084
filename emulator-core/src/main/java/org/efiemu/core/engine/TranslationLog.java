package org.efiemu.core.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The guest pages of every block Unicorn translates on one native engine (a native {@code UC_HOOK_EDGE_GENERATED}
 * callback, {@code keep_tb.c}): what {@link KeptTranslations} needs to know which pages hold translated code. The
 * callback only records; an engine with it translates and runs exactly as one without it (edge-generated hooks are
 * not read when code is translated and their removal drops nothing: Unicorn 2.0.1 {@code hooked_regions_check}
 * covers code and block hooks only). Unicorn does not call it for the very first block a native engine runs (no
 * block ran before it): {@link Engine#emuStart} records the start address's pages itself.
 */
final class TranslationLog {
  private static final int COUNT = 0;
  private static final int OVERFLOW = 8;
  private static final int PAGES = 16;
  private static final int BLOCK_COUNT = PAGES + 8 * 8192;
  private static final int BLOCK_OVERFLOW = BLOCK_COUNT + 8;
  private static final int BLOCKS = BLOCK_OVERFLOW + 8;

  private final long handle;
  private final ByteBuffer state;
  private Hook hook;

  private TranslationLog(long handle) {
    this.handle = handle;
    this.state = state(handle).order(ByteOrder.nativeOrder());
  }

  /** A log installed on {@code engine}, or null when the JNI shim is not there. */
  static TranslationLog install(Engine engine) {
    if (!NativeGate.status().available()) return null;
    long h = create();
    if (h == 0) return null;
    TranslationLog log = new TranslationLog(h);
    log.hook = engine.addNativeEdgeGeneratedHook(hookFunction(), h, "translation log", () -> destroy(h));
    return log;
  }

  Hook hook() {
    return hook;
  }

  void rebind(Hook h) {
    this.hook = h;
  }

  /** True when more pages were translated than the log holds since the last {@link #clear()}. */
  boolean overflowed() {
    return state.getLong(OVERFLOW) != 0 || state.getLong(BLOCK_OVERFLOW) != 0;
  }

  /** Blocks translated since the last {@link #clear()}. */
  int blockCount() {
    return (int) state.getLong(BLOCK_COUNT);
  }

  /** Start address of the {@code i}th block translated since the last {@link #clear()}. */
  long blockPc(int i) {
    return state.getLong(BLOCKS + 16 * i);
  }

  /** Size in bytes of the {@code i}th block translated since the last {@link #clear()}. */
  long blockSize(int i) {
    return state.getLong(BLOCKS + 16 * i + 8);
  }

  /** The page numbers (address &gt;&gt; 12) logged since the last {@link #clear()}, in order, with repeats. */
  long[] pages() {
    int n = (int) state.getLong(COUNT);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) out[i] = state.getLong(PAGES + 8 * i);
    return out;
  }

  /** Entries logged since the last {@link #clear()}. */
  int count() {
    return (int) state.getLong(COUNT);
  }

  void clear() {
    state.putLong(COUNT, 0);
    state.putLong(OVERFLOW, 0);
    state.putLong(BLOCK_COUNT, 0);
    state.putLong(BLOCK_OVERFLOW, 0);
  }

  private static native long create();

  private static native ByteBuffer state(long log);

  private static native long hookFunction();

  private static native void destroy(long log);
}
