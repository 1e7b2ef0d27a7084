package org.efiemu.core.gate;

/** A Java function the guest calls through the {@link CallGate}; its result goes to RAX. */
@FunctionalInterface
public interface HostFunction {
  long invoke(CallContext ctx) throws Exception;
}
