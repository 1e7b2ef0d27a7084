package org.efiemu.core.bench;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.machine.StopReport;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * Bench (not a test): what code met for the first time costs when it holds RDTSC. {@code K} blocks, each
 * {@code rdtsc; add rax, rdx; jmp next} (or the same with the RDTSC replaced by two NOPs), then HLT, run once on a fresh
 * {@link Machine} counting by block; thread CPU of the run. With RDTSC every block is translated, checked by the
 * RDTSC discovery before it runs (Capstone, a code hook on the site, the translation dropped and made again: inside the
 * run since helper "calib11", a stop of the run loop before) and its RDTSC answered by the hook; with NOPs only
 * translated and run. The difference over K is the cost of one discovery check with its hook.
 *
 * <pre>
 * java -cp early-alloc/target/efiemu-cli.jar:emulator-core/target/test-classes \
 *     org.efiemu.core.bench.RdtscDiscoveryStopBench [rdtsc|nop] [K] [RUNS]
 * </pre>
 */
public final class RdtscDiscoveryStopBench {
  private static final long CODE = 0x200000;

  private RdtscDiscoveryStopBench() {}

  public static void main(String[] args) {
    boolean rdtsc = args.length < 1 || !args[0].equals("nop");
    int k = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    StringBuilder code = new StringBuilder();
    for (int i = 0; i < k; i++) code.append(rdtsc ? "0f31" : "9090").append("4801d0").append("eb00");
    code.append("f4");
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0xA0000).ram(0x100000, 0x4000_0000L).build();
    var bean = ManagementFactory.getThreadMXBean();
    for (int r = 0; r < runs; r++) {
      try (Machine m = Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
          .instructionCounting(InstructionCounting.BLOCKS).build()) {
        m.memory().write(CODE, HexFormat.of().parseHex(code.toString()));
        long t0 = bean.getCurrentThreadCpuTime();
        StopReport rep = m.run(CODE, RunLimits.none());
        long t1 = bean.getCurrentThreadCpuTime();
        System.out.printf("%s, %d blocks: %s, %d instructions, %.1f us thread CPU%n", rdtsc ? "rdtsc" : "nop", k,
            rep.reason(), rep.instructions(), (t1 - t0) / 1e3);
      }
    }
  }
}
