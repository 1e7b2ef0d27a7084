package org.efiemu.core.gate;

/** Observes calls through the gate (traces, debuggers). Runs on the emulation thread. */
public interface GateListener {
  /** Before the host function runs. */
  default void before(GateCall call) {}

  /** After it returned; {@code call.result()} is set. */
  default void after(GateCall call) {}
}
