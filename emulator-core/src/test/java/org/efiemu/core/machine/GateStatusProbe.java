package org.efiemu.core.machine;

import org.efiemu.core.engine.GateDispatch;
import org.efiemu.core.engine.NativeGate;

/**
 * Run in a child JVM by {@link NativeGateStatusTest}: prints the shim's status, what {@link GateDispatch#AUTO}
 * resolves to, the machine gate's dispatch and the result of one guest call through it.
 */
public final class GateStatusProbe {
  private GateStatusProbe() {}

  public static void main(String[] args) {
    System.out.println(NativeGate.status());
    System.out.println("AUTO=" + GateDispatch.AUTO.resolve());
    try (Machine m = TestMachines.standard()) {
      long twice = m.gate().register("Twice", 1, ctx -> 2 * ctx.arg(0));
      System.out.println("gate=" + m.gate().dispatch() + " result=" + m.call(RunLimits.none(), twice, 21)
          .returnValue());
    }
  }
}
