package org.efiemu.core.debug;

/** Why the {@link Debugger} handed control back to its front end. */
public enum StopKind {
  /** Execution reached an address breakpoint (the instruction there has not run yet). */
  BREAKPOINT,
  /** The guest wrote a watched range (the writing instruction has completed). */
  WATCHPOINT,
  /** A host call matched a {@link HostCallBreakpoint}; the call has returned to its caller. */
  HOST_CALL,
  /** One instruction ran ({@link Debugger#step()}, or {@link Debugger#next()} over a non-call). */
  STEP,
  /** {@link Debugger#next()} stepped over a call: the callee returned. */
  NEXT,
  /** {@link Debugger#finish()}: the current function returned to its caller. */
  FINISH,
  /** {@link Debugger#requestInterrupt()} from another thread. */
  INTERRUPTED,
  /** {@link Debugger#back()} restored the state at a recorded host call (RIP is the call's gate slot). */
  BACK,
  /** The guest function the machine called returned to the host; the program is over. */
  EXITED,
  /** The machine stopped by itself (fault, HLT, budget, timeout, host stop ...); see the report. */
  MACHINE
}
