package org.efiemu.core.engine;

/** How a gate hook ({@link Engine#addGateHook}) gets from the engine into Java. */
public enum GateDispatch {
  /** {@link #NATIVE} when {@link NativeGate#status()} says the shim is available, else {@link #JNA}. */
  AUTO,
  /**
   * The JNI shim {@code libefiemu_gate.so}: a C {@code UC_HOOK_CODE} callback reads the registers and the return
   * address, makes one JNI upcall and writes RAX (about 0.1 us of dispatch instead of about 1 us).
   */
  NATIVE,
  /** A JNA direct-mapped callback; the registers are read with a batch and RAX written through JNA calls. */
  JNA;

  /** The dispatch {@code AUTO} stands for on this JVM; other values return themselves. */
  public GateDispatch resolve() {
    if (this != AUTO) return this;
    return NativeGate.status().available() ? NATIVE : JNA;
  }
}
